/**
 * Clients that do not play along, as small local attackers: raw TCP connections that never start
 * TLS, requests that never finish and answers never read, more connections than one client may
 * hold, and watch requests spelled to slip past the in-flight limit. The server must end every such
 * socket itself, keep serving others, and shut down without waiting on them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { Agent, globalAgent, request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** File descriptors the server process holds now (sockets included). */
function openFds(server: ServerProcess): number {
  return readdirSync(`/proc/${server.child.pid}/fd`).length;
}

function endpoint(server: ServerProcess): { host: string; port: number } {
  const u = new URL(server.url);
  return { host: u.hostname, port: Number(u.port) };
}

/** A TCP connection that sends nothing; `closed` resolves with how long it lived, `closedAt` when. */
function silentConnection(server: ServerProcess): Promise<{ socket: Socket; closed: Promise<number>; closedAt: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(endpoint(server), () => {
      const opened = Date.now();
      const closedAt = new Promise<number>((done) => socket.once('close', () => done(Date.now())));
      resolve({ socket, closed: closedAt.then((t) => t - opened), closedAt });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(100);
  }
}

function rawWatch(server: ServerProcess, query: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/apis/image.openshift.io/v1/namespaces/default/imagestreams${query}`, server.url),
      { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca },
      (res) => resolve({ status: res.statusCode ?? 0, close: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
}

describe('hostile clients', () => {
  let server: ServerProcess;
  let baseline: number;

  before(async () => {
    server = await startServerProcess({
      args: [
        '--tls-handshake-timeout',
        '1s',
        '--request-receive-timeout',
        '1s',
        '--max-connections-per-client',
        '40',
        '--max-requests-inflight',
        '3',
        '--shutdown-timeout',
        '60',
      ],
    });
    assert.equal((await api(server, 'GET', '/healthz')).status, 200);
    await sleep(200);
    baseline = openFds(server);
  });

  after(async () => {
    await server?.kill();
    server?.cleanup();
  });

  it('closes connections that never start TLS at the handshake timeout, and frees their descriptors', async () => {
    const conns = await Promise.all(Array.from({ length: 30 }, () => silentConnection(server)));
    try {
      const lifetimes = await Promise.all(conns.map((c) => c.closed));
      assert.ok(
        lifetimes.every((ms) => ms < 10_000),
        `closed after ${Math.max(...lifetimes)} ms`,
      );
      await waitFor('descriptors back to the baseline', () => openFds(server) <= baseline + 2, 5_000);
      assert.equal((await api(server, 'GET', '/api/v1/namespaces/default')).status, 200);
    } finally {
      for (const c of conns) c.socket.destroy();
    }
  });

  it('destroys the socket of a client that neither finishes its request nor reads the 408', async () => {
    const { host, port } = endpoint(server);
    const sockets = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
            const s = tlsConnect({ host, port, ca: server.ca, servername: 'localhost' }, () => {
              s.write('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n');
              // Never reads: whatever the server writes stays unread.
              s.pause();
              resolve(s);
            });
            s.on('error', () => undefined);
            s.once('error', reject);
          }),
      ),
    );
    try {
      await waitFor('the server to hold the connections', () => openFds(server) >= baseline + 10, 5_000);
      // 1 s to receive the request, then 5 s of grace for the refusal to be read.
      await waitFor('the server to drop sockets whose client never reads', () => openFds(server) <= baseline + 2, 15_000);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  /** Sends `chunks` pieces of a body of declared length, one every `everyMs`; resolves with the answer. */
  function drip(path: string, method: string, chunks: number, everyMs: number, extra: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const piece = Buffer.alloc(1024, 97);
      const req = request(
        new URL(path, server.url),
        {
          method,
          ca: server.ca,
          agent: false,
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Length': String(chunks * piece.length), ...extra },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent === chunks || req.destroyed) return clearInterval(timer);
        req.write(piece);
        if (++sent === chunks) {
          clearInterval(timer);
          req.end();
        }
      }, everyMs);
    });
  }

  it('answers 408 to an API request whose body does not arrive within the receive timeout', async () => {
    const r = await drip('/api/v1/namespaces', 'POST', 20, 200, { 'Content-Type': 'application/json' }).catch((e: Error) => ({ status: 0, body: e.message }));
    assert.equal(r.status, 408, r.body);
    assert.match(r.body, /the request was not received in time \(1 s\)/);
    await waitFor('the refused socket to be closed', () => openFds(server) <= baseline, 10_000);
  });

  it('lets a registry upload take longer than the receive timeout while its bytes keep coming', async () => {
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'slow' } } })).status, 201);
    const started = await new Promise<string>((resolve, reject) => {
      const req = request(
        new URL('/v2/slow/app/blobs/uploads/', server.url),
        { method: 'POST', ca: server.ca, agent: false, headers: { Authorization: `Bearer ${server.token}` } },
        (res) => {
          res.resume();
          resolve(String(res.headers.location));
        },
      );
      req.on('error', reject);
      req.end();
    });
    // 3 s of body against a 1 s receive timeout.
    const r = await drip(started, 'PATCH', 15, 200, { 'Content-Type': 'application/octet-stream' });
    assert.equal(r.status, 202, r.body);
    // Nothing of it may linger: the per-client cap test below counts every connection.
    await waitFor('descriptors back to the baseline', () => openFds(server) <= baseline, 10_000);
  });

  it('closes connections beyond the per-client cap at accept, and serves again once the client lets go', async () => {
    // Earlier requests' keep-alive sockets count against the cap too: close them first.
    globalAgent.destroy();
    await waitFor('kept-alive connections to close', () => openFds(server) <= baseline - 1, 5_000).catch(() => undefined);
    const before = openFds(server);
    const held = await Promise.all(Array.from({ length: 40 }, () => silentConnection(server)));
    // Accepting runs behind the kernel's handshakes: the cap counts connections the server has accepted.
    await waitFor('the server to accept the held connections', () => openFds(server) >= before + 40, 5_000);
    const extra = await silentConnection(server);
    // The held ones live until their 1 s handshake timeout; the one over the cap, opened after them,
    // is closed at accept, before any of them.
    const extraClosed = await extra.closedAt;
    const heldClosed = await Promise.all(held.map((c) => c.closedAt));
    assert.ok(extraClosed <= Math.min(...heldClosed), 'the connection over the cap closed before the held ones timed out');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default')).status, 200);
    const metrics = await api(server, 'GET', '/metrics');
    assert.match(metrics.text, /apiserver_refused_connections_total [1-9]/);
  });

  it('classifies a watch by the parsed request, so an escaped parameter name takes no in-flight slot', async () => {
    // `%77atch` is `watch`: the router serves these as watches, so they must not count as requests in flight.
    const watches = await Promise.all([0, 1, 2, 3].map(() => rawWatch(server, '?%77atch=1')));
    try {
      assert.deepEqual(
        watches.map((w) => w.status),
        [200, 200, 200, 200],
      );
      const r = await api(server, 'GET', '/api/v1/namespaces/default');
      assert.equal(r.status, 200, r.text);
    } finally {
      for (const w of watches) w.close();
    }
  });

  it('shuts down without waiting on connections that carry no request', async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, () => silentConnection(server)));
    const started = Date.now();
    const code = await server.stop();
    // The shutdown timeout is 60 s: finishing well before it means nothing was waited on.
    assert.ok(Date.now() - started < 20_000, `shutdown took ${Date.now() - started} ms`);
    assert.equal(code, 0);
    await Promise.all(conns.map((c) => c.closed));
  });
});

// On a server of its own, with its defaults.
describe('a watch that ended', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server?.kill();
    server?.cleanup();
  });

  it('leaves the connection of a watch that ended usable for the next request', async () => {
    // One socket for both requests: the watch's last chunk must leave the connection in step.
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
    const get = (path: string) =>
      new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
        const req = request(new URL(path, server.url), { agent, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: req.socket }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const configmaps = '/api/v1/namespaces/default/configmaps';
      const rv = (await api(server, 'GET', configmaps)).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
      const watching = get(`${configmaps}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
      await sleep(200);
      assert.equal((await api(server, 'POST', configmaps, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reuse' } } })).status, 201);
      const watched = await watching;
      assert.equal(watched.status, 200);
      assert.match(watched.body, /^\{"type":"ADDED","object":\{.*"name":"reuse"/);
      const next = await get(`${configmaps}/reuse`);
      assert.equal(next.status, 200);
      assert.equal(next.socket, watched.socket, 'the same connection served both');
      assert.equal(JSON.parse(next.body).metadata.name, 'reuse');
    } finally {
      agent.destroy();
    }
  });
});
