/**
 * The process a user starts: flags, first-start credentials reused later, the kubeconfig, graceful
 * shutdown with a watch open.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import YAML from 'yaml';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
let first: ServerProcess | undefined;

after(() => first?.cleanup());

describe('the server process', () => {
  it('prints every flag with --help and rejects an unknown flag with exit code 2', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const flag of ['--data-dir', '--bind-address', '--secure-port', '--tls-cert-file', '--etcd-compaction-interval']) {
      assert.ok(help.stdout.includes(flag), `--help does not mention ${flag}`);
    }
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--no-such-flag'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no-such-flag/);
  });

  it('creates CA, serving certificate, token and kubeconfig on first start and reuses them on the next', async () => {
    first = await startServerProcess();
    const kc = YAML.parse(readFileSync(first.kubeconfig, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    assert.equal(kc.clusters[0]?.cluster.server, first.url);
    assert.equal(kc.users[0]?.user.token, first.token);
    assert.equal(statSync(first.kubeconfig).mode & 0o777, 0o600);
    assert.equal(statSync(`${first.dataDir}/admin.token`).mode & 0o777, 0o600);
    assert.equal(statSync(`${first.dataDir}/ca.key`).mode & 0o777, 0o600);
    const ca = readFileSync(`${first.dataDir}/ca.crt`, 'utf8');
    assert.equal(await first.stop(), 0);

    const second = await startServerProcess({ dataDir: first.dataDir });
    try {
      assert.equal(second.token, first.token);
      assert.equal(readFileSync(`${first.dataDir}/ca.crt`, 'utf8'), ca);
      // the generated certificate is trusted through the CA in the kubeconfig
      assert.equal((await api(second, 'GET', '/api/v1/namespaces/default')).status, 200);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  it('ends open watches cleanly and exits 0 on SIGTERM', async () => {
    const s = await startServerProcess();
    try {
      const ended = new Promise<string>((resolve, reject) => {
        const req = request(
          new URL('/apis/image.openshift.io/v1/imagestreams?watch=true', s.url),
          { headers: { Authorization: `Bearer ${s.token}` }, ca: s.ca },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
      await new Promise((r) => setTimeout(r, 300));
      const code = await s.stop();
      assert.equal(code, 0);
      await ended; // the response ended (chunked terminator), not a reset
    } finally {
      s.cleanup();
    }
  });

  it('lets an in-flight request finish on SIGINT, then exits 0 with the write kept', async () => {
    const s = await startServerProcess();
    try {
      const ns = await api(s, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inflight' } } });
      assert.equal(ns.status, 201);
      const body = JSON.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'during-shutdown' } });
      const half = Math.floor(body.length / 2);
      let sentFirstHalf: () => void = () => undefined;
      const firstHalf = new Promise<void>((r) => (sentFirstHalf = r));
      const response = new Promise<number>((resolve, reject) => {
        const req = request(
          new URL('/apis/image.openshift.io/v1/namespaces/inflight/imagestreams', s.url),
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
            ca: s.ca,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, half), () => sentFirstHalf());
        // The rest of the body goes out only after the server was told to stop.
        void firstHalf
          .then(() => new Promise((r) => setTimeout(r, 200)))
          .then(() => {
            s.child.kill('SIGINT');
            setTimeout(() => req.end(body.slice(half)), 300);
          });
      });
      assert.equal(await response, 201);
      assert.equal(await s.stop(), 0);
      const again = await startServerProcess({ dataDir: s.dataDir });
      try {
        assert.equal((await api(again, 'GET', '/apis/image.openshift.io/v1/namespaces/inflight/imagestreams/during-shutdown')).status, 200);
      } finally {
        await again.stop();
      }
    } finally {
      s.cleanup();
    }
  });

  const requestLines = (s: { stdout: string[] }, name: string) =>
    s.stdout
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'request' && l['name'] === name);

  it('at debug writes one JSON log line per request with verb, resource, code and latency, and never the token', async () => {
    const s = await startServerProcess({ args: ['--log-level', 'debug'] });
    try {
      await api(s, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreams/missing');
      await s.stop();
      const line = requestLines(s, 'missing')[0];
      assert.ok(line, 'no request log line');
      assert.equal(line['verb'], 'get');
      assert.equal(line['resource'], 'imagestreams');
      assert.equal(line['code'], 404);
      assert.equal(typeof line['latencyMs'], 'number');
      assert.ok(!s.stdout.join('').includes(s.token), 'the admin token appears in the logs');
    } finally {
      s.cleanup();
    }
  });

  it('at info logs only failed and slow requests, slow meaning over --slow-request-threshold', async () => {
    const quiet = await startServerProcess({ args: ['--log-level', 'info'] });
    const everything = await startServerProcess({ args: ['--log-level', 'info', '--slow-request-threshold', '0s'] });
    try {
      for (const s of [quiet, everything]) await api(s, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreams/missing');
      await quiet.stop();
      await everything.stop();
      assert.equal(requestLines(quiet, 'missing').length, 0, 'a fast 404 is not worth a line at info');
      assert.equal(requestLines(everything, 'missing').length, 1, 'with a threshold of 0 every request is slow');
    } finally {
      quiet.cleanup();
      everything.cleanup();
    }
  });
});
