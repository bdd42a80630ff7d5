/**
 * A server that holds up: an audit log of mutating requests (without secret data), a cap on
 * requests in flight and on watches per user (429 with Retry-After), bodies nested too deeply,
 * oversized labels and annotations, and YAML alias bombs refused. The property-based fuzz run over
 * every endpoint is in fuzz.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'hardening-'));
const audit = join(dir, 'audit.log');
const NS = '/apis/image.openshift.io/v1/namespaces/h';

before(async () => {
  server = await startServerProcess({ args: ['--audit-log-path', audit, '--max-watches-per-user', '2', '--max-requests-inflight', '4'] });
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'h' } } });
  assert.equal(r.status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function openWatch(): Promise<{ status: number; close(): void; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`${NS}/imagestreams?watch=true`, server.url),
      { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca },
      (res) => {
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('audit log', () => {
  it('records who changed what and the result, not reads, and never secret data', async () => {
    await api(server, 'POST', `${NS}/imagestreams`, { body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'audited' } } });
    await api(server, 'GET', `${NS}/imagestreams/audited`);
    await api(server, 'POST', '/api/v1/namespaces/h/secrets', {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2-very-secret' } },
    });
    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const create = lines.find((l) => l['resource'] === 'imagestreams' && l['name'] === undefined && l['verb'] === 'create');
    assert.ok(create, JSON.stringify(lines));
    assert.equal(create['user'], 'admin');
    assert.equal(create['code'], 201);
    assert.ok(!lines.some((l) => l['verb'] === 'get'));
    assert.ok(!readFileSync(audit, 'utf8').includes('hunter2'));
  });
});

describe('audit log of impersonated requests', () => {
  it('records who asked and whom they acted as', async () => {
    const r = await api(server, 'POST', `${NS}/imagestreams`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'by-carla' } },
      headers: { 'Impersonate-User': 'carla', 'Impersonate-Group': 'system:masters' },
    });
    assert.equal(r.status, 201, r.text);
    await new Promise((res) => setTimeout(res, 200));
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = lines.find(
      (l) => l['resource'] === 'imagestreams' && l['code'] === 201 && (l['impersonatedUser'] as { username?: string } | undefined)?.username === 'carla',
    );
    assert.ok(entry, JSON.stringify(lines));
    assert.equal(entry['user'], 'admin');
    assert.deepEqual((entry['impersonatedUser'] as { groups: string[] }).groups, ['system:masters', 'system:authenticated']);
  });
});

describe('limits', () => {
  it('refuses a third watch for one user with 429 and Retry-After', async () => {
    const a = await openWatch();
    const b = await openWatch();
    const c = await openWatch();
    try {
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(c.status, 429);
      assert.equal(c.retryAfter, '1');
    } finally {
      for (const w of [a, b, c]) w.close();
    }
  });

  it('answers 429 beyond the requests in flight, and recovers', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => api(server, 'GET', `${NS}/imagestreams`)));
    const codes = results.map((r) => r.status);
    assert.ok(codes.includes(429), `no 429 among ${codes.join(',')}`);
    assert.ok(results.filter((r) => r.status === 429).every((r) => r.headers['retry-after'] === '1'));
    assert.ok(codes.every((c) => c === 200 || c === 429));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await api(server, 'GET', `${NS}/imagestreams`)).status, 200);
  });

  it('answers oversized headers and broken HTTP with a Status, and a TLS 1.1 client not at all', async () => {
    const big = await api(server, 'GET', '/api/v1/namespaces', { headers: { 'X-Padding': 'x'.repeat(20_000) } });
    assert.equal(big.status, 431);
    const status = big.json<{ kind: string; code: number; reason: string; message: string }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.code, 431);
    assert.match(status.message, /request headers exceed the maximum size/);
    const u = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect({ host: u.hostname, port: Number(u.port), ca: server.ca, servername: 'localhost' }, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let out = '';
      sock.on('data', (d: Buffer) => (out += d.toString()));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /"kind":"Status"/);
    const old = await new Promise<string>((resolve) => {
      const sock = connect({ host: u.hostname, port: Number(u.port), ca: server.ca, servername: 'localhost', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () =>
        resolve('connected'),
      );
      sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.notEqual(old, 'connected', 'TLS below 1.2 is refused');
  });

  it('refuses label values over 63 characters and annotations over 256 KiB with 422 naming the field, and stores nothing', async () => {
    const stream = (name: string, metadata: Record<string, unknown>) => ({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name, ...metadata },
    });
    const label = await api(server, 'POST', `${NS}/imagestreams`, { body: stream('long-label', { labels: { app: 'v'.repeat(64) } }) });
    assert.equal(label.status, 422, label.text);
    const labelStatus = label.json<{ reason: string; message: string; details: { causes: { field: string }[] } }>();
    assert.equal(labelStatus.reason, 'Invalid');
    assert.match(labelStatus.message, /metadata\.labels: Invalid value: "v{64}": must be no more than 63 characters/);
    const notes = await api(server, 'POST', `${NS}/imagestreams`, {
      body: stream('big-notes', { annotations: { a: 'x'.repeat(200 * 1024), b: 'y'.repeat(60 * 1024) } }),
    });
    assert.equal(notes.status, 422, notes.text.slice(0, 300));
    assert.match(notes.json<{ message: string }>().message, /metadata\.annotations: Too long: must have at most 262144 bytes/);
    // At the limit it is taken: the rule is the sum of keys and values.
    const atLimit = await api(server, 'POST', `${NS}/imagestreams`, { body: stream('notes-at-limit', { annotations: { a: 'x'.repeat(256 * 1024 - 1) } }) });
    assert.equal(atLimit.status, 201, atLimit.text.slice(0, 300));
    for (const name of ['long-label', 'big-notes'])
      assert.equal((await api(server, 'GET', `${NS}/imagestreams/${name}`)).status, 404, `${name} was not stored`);
  });

  it('refuses a YAML body that expands more than 100 aliases with 400, without expanding it', async () => {
    // Each level refers to the previous one ten times: expanded, 10^9 strings.
    const levels = ['a0: &a0 "lol"'];
    for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const body = `apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: laughs\n  annotations:\n${levels.map((l) => `    ${l}`).join('\n')}\n`;
    const r = await api(server, 'POST', `${NS}/imagestreams`, { body, contentType: 'application/yaml' });
    assert.equal(r.status, 400, r.text.slice(0, 300));
    assert.match(r.json<{ message: string }>().message, /error converting YAML to JSON: .*alias/i);
    assert.equal((await api(server, 'GET', `${NS}/imagestreams/laughs`)).status, 404);
    assert.equal((await api(server, 'GET', '/healthz')).status, 200, 'the server is still answering');
  });

  it('refuses a body nested deeper than 100 levels with 400', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 150; i++) deep = { a: deep };
    const r = await api(server, 'POST', `${NS}/imagestreams`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'deep', annotations: {} }, spec: deep },
    });
    assert.equal(r.status, 400);
    assert.match(r.text, /nested too deeply/);
  });
});
