import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { lineOutput, sharedLine } from './line-output.js';

/** A server answering every request with these lines on a chunked response. */
async function serve(write: (out: ReturnType<typeof lineOutput>) => void) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    write(lineOutput(res));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const lines = (out: ReturnType<typeof lineOutput>) => {
  const shared = sharedLine([Buffer.from('{"type":"ADDED","object":'), Buffer.from('{"ü":1}'), Buffer.from('}\n')]);
  out.write(shared);
  out.write('{"type":"BOOKMARK","ä":"x"}\n');
  out.write(shared);
};

describe('line output', () => {
  it('frames each line as one HTTP/1.1 chunk, the shared one made once', async () => {
    const { server, port } = await serve(lines);
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        const parts: Buffer[] = [];
        socket.on('data', (d: Buffer) => parts.push(d));
        socket.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        socket.on('error', reject);
      });
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      const added = '{"type":"ADDED","object":{"ü":1}}\n';
      const bookmark = '{"type":"BOOKMARK","ä":"x"}\n';
      const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
      assert.equal(body, `${chunk(added)}${chunk(bookmark)}${chunk(added)}0\r\n\r\n`);
    } finally {
      server.close();
    }
  });

  it('gives a client that reads with a real HTTP parser the lines as written', async () => {
    const { server, port } = await serve(lines);
    try {
      const text = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let t = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (t += d));
          res.on('end', () => resolve(t));
        })
          .on('error', reject)
          .end();
      });
      assert.equal(text, '{"type":"ADDED","object":{"ü":1}}\n{"type":"BOOKMARK","ä":"x"}\n{"type":"ADDED","object":{"ü":1}}\n');
    } finally {
      server.close();
    }
  });
});
