/**
 * `npm run migrate`: a server's objects moved from SQLite into etcd and back keep their names, uids
 * and content, and the server started on the destination serves them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function migrate(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/migrate.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Obj {
  metadata: { name: string; uid: string; creationTimestamp: string; resourceVersion: string };
  spec?: unknown;
  data?: unknown;
}

const paths = ['/api/v1/namespaces/moved', '/api/v1/namespaces/moved/secrets/pull', '/apis/image.openshift.io/v1/namespaces/moved/imagestreams/ruby'];

async function snapshot(s: ServerProcess): Promise<Map<string, Obj>> {
  const out = new Map<string, Obj>();
  for (const p of paths) {
    const res = await api(s, 'GET', p);
    assert.equal(res.status, 200, `${p}: ${res.text}`);
    out.set(p, res.json<Obj>());
  }
  return out;
}

function sameObjects(a: Map<string, Obj>, b: Map<string, Obj>): void {
  for (const [p, x] of a) {
    const y = b.get(p);
    assert.ok(y, p);
    assert.equal(y.metadata.uid, x.metadata.uid, p);
    assert.equal(y.metadata.creationTimestamp, x.metadata.creationTimestamp, p);
    assert.deepEqual(y.spec, x.spec, p);
    assert.deepEqual(y.data, x.data, p);
  }
}

describe('npm run migrate', { timeout: 180_000 }, () => {
  let etcd: EtcdCluster;
  const dirs: string[] = [];
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('copies every object from SQLite into etcd and back, refusing a running source and a full destination', async () => {
    const sqlite = await startServerProcess();
    dirs.push(sqlite.dataDir);
    const post = (path: string, body: unknown) => api(sqlite, 'POST', path, { body });
    assert.equal((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'moved' } })).status, 201);
    assert.equal(
      (
        await post('/api/v1/namespaces/moved/secrets', {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pull' },
          type: 'Opaque',
          data: { k: Buffer.from('v').toString('base64') },
        })
      ).status,
      201,
    );
    const stream = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'ruby' },
      spec: { tags: [{ name: '3.3', from: { kind: 'DockerImage', name: 'quay.io/sclorg/ruby-33-c9s:latest' }, reference: true }] },
    };
    assert.equal((await post('/apis/image.openshift.io/v1/namespaces/moved/imagestreams', stream)).status, 201);
    const original = await snapshot(sqlite);

    const running = migrate('--from', `sqlite:${sqlite.dataDir}`, '--to', `etcd3:${etcd.endpoints.join(',')}`);
    assert.equal(running.code, 1);
    assert.match(running.stderr, /is a server still running on that data dir\? stop it first/);
    await sqlite.stop();

    const toEtcd = migrate('--from', `sqlite:${sqlite.dataDir}`, '--to', `etcd3:${etcd.endpoints.join(',')}`);
    assert.equal(toEtcd.code, 0, toEtcd.stderr);
    assert.match(toEtcd.stdout, /^copied \d+ objects from sqlite:/);

    const again = migrate('--from', `sqlite:${sqlite.dataDir}`, '--to', `etcd3:${etcd.endpoints.join(',')}`);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /the destination already holds \d+ objects; migrate into an empty store/);

    const onEtcd = await startServerProcess({ dataDir: sqlite.dataDir, args: ['--storage-backend', 'etcd3', '--etcd-servers', etcd.endpoints.join(',')] });
    try {
      sameObjects(original, await snapshot(onEtcd));
    } finally {
      await onEtcd.stop();
    }

    const back = mkdtempSync(join(tmpdir(), 'migrated-'));
    dirs.push(back);
    for (const f of ['ca.crt', 'ca.key', 'admin.token']) copyFileSync(join(sqlite.dataDir, f), join(back, f));
    const toSqlite = migrate('--from', `etcd3:${etcd.endpoints.join(',')}`, '--to', `sqlite:${back}`);
    assert.equal(toSqlite.code, 0, toSqlite.stderr);
    const onSqlite = await startServerProcess({ dataDir: back });
    try {
      sameObjects(original, await snapshot(onSqlite));
    } finally {
      await onSqlite.stop();
    }
  });

  it('names the rule for a store it does not know', () => {
    const r = migrate('--from', 'mysql:x', '--to', 'sqlite:/tmp/x');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown store kind "mysql" in "mysql:x" \(supported: sqlite, etcd3\)/);
    const missing = migrate('--from', 'sqlite:/tmp/x');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--from and --to are required/);
  });
});
