/**
 * Several server replicas on one three-member etcd cluster behave as one server: writes through one
 * are read and watched on the other, conflicts are detected across them, the import controllers run
 * on exactly one replica and move when it dies, and the whole survives etcd members failing, its
 * leader changing and quorum lost and restored, without losing an acknowledged write and with every
 * watcher seeing every change once and in order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdCluster, type EtcdTls } from '../support/etcd.js';
import { pushImage, startRegistry, type Registry } from '../support/registry.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';

const NS = 'replicas';
const ELECTION = '/registry#controllers/image-import';

interface Seen {
  readonly events: { type: string; name: string; rv: number }[];
  readonly errors: string[];
  stop(): void;
}

/**
 * A watcher as client libraries' reflectors are: it follows image streams from a resource version and,
 * when the stream ends (a replica restarting, a timeout), watches again from the last version it saw.
 */
function follow(server: ServerProcess, fromRv: string): Seen {
  const events: Seen['events'] = [];
  const errors: string[] = [];
  let rv = fromRv;
  let stopped = false;
  let current: { destroy(): void } | undefined;
  const connect = () => {
    if (stopped) return;
    const u = new URL(`/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, server.url);
    const req = request(u, { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: { metadata?: { name?: string; resourceVersion?: string }; message?: string } };
          if (ev.type === 'ERROR') {
            errors.push(ev.object.message ?? 'error');
            continue;
          }
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type !== 'BOOKMARK') events.push({ type: ev.type, name: ev.object.metadata?.name ?? '', rv: Number(rv) });
        }
      });
      res.on('end', () => setTimeout(connect, 200));
      res.on('error', () => undefined);
    });
    req.on('error', () => setTimeout(connect, 500));
    req.end();
    current = req;
  };
  connect();
  return {
    events,
    errors,
    stop() {
      stopped = true;
      current?.destroy();
    },
  };
}

/** Creates image streams until told to stop, through replicas in turn; remembers what was acknowledged. */
function writer(replicas: () => ServerProcess[], prefix: string) {
  const acked: string[] = [];
  const failures = new Map<number, number>();
  let n = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const live = replicas();
      const server = live[n % live.length];
      if (!server) break;
      const name = `${prefix}-${n}`;
      try {
        const res = await api(server, 'POST', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`, {
          body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name } },
        });
        if (res.status === 201) acked.push(name);
        else failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
        // An outage answer: back off a little, as a client honouring Retry-After would.
        if (res.status >= 500) await new Promise((r) => setTimeout(r, 200));
      } catch {
        failures.set(0, (failures.get(0) ?? 0) + 1);
      }
      n++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    acked,
    failures,
    async stop() {
      running = false;
      await done;
    },
  };
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('several replicas on a three-member etcd cluster', { timeout: 300_000 }, () => {
  let etcd: EtcdCluster;
  let registry: Registry;
  let client: Etcd3;
  let tls: EtcdTls;
  const replicas: ServerProcess[] = [];
  const live = () => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

  const start = async (shareFrom?: ServerProcess) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'replica-'));
    // Replicas share the CA and the admin token, so one kubeconfig works against each of them.
    if (shareFrom) for (const f of ['ca.crt', 'ca.key', 'admin.token']) copyFileSync(join(shareFrom.dataDir, f), join(dataDir, f));
    const s = await startServerProcess({
      dataDir,
      args: [
        '--storage-backend',
        'etcd3',
        '--etcd-servers',
        etcd.endpoints.join(','),
        '--etcd-cafile',
        tls.caFile,
        '--etcd-certfile',
        tls.certFile,
        '--etcd-keyfile',
        tls.keyFile,
        '--leader-elect-lease-duration',
        '3s',
        '--import-allowed-networks',
        '127.0.0.0/8',
      ],
    });
    replicas.push(s);
    return s;
  };

  const leaderReplica = async () => {
    const id = await client
      .election(ELECTION)
      .leader()
      .catch(() => undefined);
    return live().find((r) => id?.includes(`_${r.child.pid}_`));
  };

  before(async () => {
    // Client traffic over TLS with client certificates, as a production etcd is set up.
    etcd = await startEtcd({ members: 3, tls: true });
    assert.ok(etcd.tls);
    tls = etcd.tls;
    registry = await startRegistry();
    client = new Etcd3({
      hosts: etcd.endpoints,
      credentials: { rootCertificate: readFileSync(tls.caFile), certChain: readFileSync(tls.certFile), privateKey: readFileSync(tls.keyFile) },
    });
    const a = await start();
    await start(a);
    await start(a);
    const res = await api(a, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
    assert.equal(res.status, 201);
  });

  after(async () => {
    client?.close();
    await Promise.all(replicas.map((r) => r.kill()));
    for (const r of replicas) r.cleanup();
    await registry?.stop();
    await etcd?.stop();
  });

  it('serves a write through one replica to reads and kubectl on the others, and detects conflicts across them', async () => {
    const [a, b, c] = replicas;
    assert.ok(a && b && c);
    const created = await kubectl(a.kubeconfig, ['-n', NS, 'create', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'shared' } }),
    });
    assert.equal(created.code, 0, created.stderr);
    const got = await kubectl(b.kubeconfig, ['-n', NS, 'get', 'imagestream', 'shared', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const stream = JSON.parse(got.stdout) as { metadata: { resourceVersion: string; uid: string } };
    const onC = (await api(c, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/shared`)).json<{
      metadata: { uid: string; resourceVersion: string };
    }>();
    assert.equal(onC.metadata.uid, stream.metadata.uid);
    assert.equal(onC.metadata.resourceVersion, stream.metadata.resourceVersion);

    const body = (labels: Record<string, string>) => ({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'shared', resourceVersion: stream.metadata.resourceVersion, labels },
    });
    const first = await api(a, 'PUT', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/shared`, { body: body({ by: 'a' }) });
    assert.equal(first.status, 200);
    const stale = await api(b, 'PUT', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/shared`, { body: body({ by: 'b' }) });
    assert.equal(stale.status, 409);
    assert.match(stale.json<{ message: string }>().message, /the object has been modified; please apply your changes to the latest version and try again/);

    // Read-after-write across replicas, through their watch caches: every write is seen by the next
    // read on another replica at once, never an older state.
    let rv = first.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    for (let i = 0; i < 20; i++) {
      const writeTo: ServerProcess = i % 2 === 0 ? a : b;
      const readFrom: ServerProcess = i % 2 === 0 ? c : a;
      const put = await api(writeTo, 'PUT', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/shared`, {
        body: { ...body({ round: String(i) }), metadata: { ...body({}).metadata, resourceVersion: rv, labels: { round: String(i) } } },
      });
      assert.equal(put.status, 200, put.text);
      rv = put.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
      const read = (await api(readFrom, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/shared`)).json<{
        metadata: { resourceVersion: string; labels: Record<string, string> };
      }>();
      assert.equal(read.metadata.resourceVersion, rv, `round ${i}: the other replica answered an older state`);
      assert.equal(read.metadata.labels['round'], String(i));
    }
  });

  it('runs the import controllers on one replica, and on another within seconds after it dies', async () => {
    const image = await pushImage(registry.host, 'team/app', 'v1', { seed: 'replicas-v1' });
    const leader = await eventually('a controller leader', leaderReplica);
    const other = live().find((r) => r !== leader);
    assert.ok(other);
    const stream = (name: string, tag: string) => ({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name },
      spec: { tags: [{ name: tag, from: { kind: 'DockerImage', name: `${registry.host}/team/app:v1` }, importPolicy: { insecure: true } }] },
    });
    const imported = (server: ServerProcess, name: string) =>
      eventually(`${name} to be imported`, async () => {
        const s = (await api(server, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/${name}`)).json<{
          status?: { tags?: { tag: string; items?: { image: string }[] }[] };
        }>();
        const items = s.status?.tags?.[0]?.items;
        return items && items.length > 0 ? items : undefined;
      });

    // Created through a replica that does not lead: the leader's controller imports it, once.
    assert.equal((await api(other, 'POST', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`, { body: stream('before', 'v1') })).status, 201);
    const items = await imported(other, 'before');
    assert.deepEqual(
      items.map((i) => i.image),
      [image.digest],
    );

    await leader?.kill();
    const next = await eventually('a new controller leader', async () => {
      const l = await leaderReplica();
      return l && l !== leader ? l : undefined;
    });
    assert.notEqual(next, leader);
    const survivor = live()[0];
    assert.ok(survivor);
    assert.equal((await api(survivor, 'POST', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`, { body: stream('after', 'v1') })).status, 201);
    assert.deepEqual(
      (await imported(survivor, 'after')).map((i) => i.image),
      [image.digest],
    );
    // No second import of the first stream's tag by the new leader.
    const again = (await api(survivor, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams/before`)).json<{
      status: { tags: { items: unknown[] }[] };
    }>();
    assert.equal(again.status.tags[0]?.items.length, 1);
    // A replica restarted on the cluster joins again.
    const a = live()[0];
    assert.ok(a);
    await start(a);
  });

  it('loses no acknowledged write and no watch event through member failures, a leader change and lost quorum', async () => {
    const [first] = live();
    assert.ok(first);
    const rv = (await api(first, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`)).json<{ metadata: { resourceVersion: string } }>().metadata
      .resourceVersion;
    const watchers = live().map((r) => follow(r, rv));
    // Two writers at once, each going round the replicas.
    const writers = [writer(live, 'load-a'), writer(live, 'load-b')];
    const w = {
      get acked() {
        return writers.flatMap((x) => x.acked);
      },
      failures: new Map<number, number>(),
      async stop() {
        await Promise.all(writers.map((x) => x.stop()));
        for (const x of writers) for (const [k, v] of x.failures) this.failures.set(k, (this.failures.get(k) ?? 0) + v);
      },
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const progress = async (what: string) => {
      const before = w.acked.length;
      await eventually(what, async () => (w.acked.length >= before + 10 ? true : undefined), 60_000);
    };

    await progress('writes before any failure');
    // A follower member dies: nothing visible to clients.
    const leaderMember = await eventually('an etcd leader', () => etcd.leader());
    const follower = etcd.members.find((m) => m !== leaderMember);
    assert.ok(follower);
    await follower.kill();
    await progress('writes with a follower down');
    await follower.start();
    // The raft leader dies: a new one is elected and writes resume.
    const oldLeader = await eventually('an etcd leader', () => etcd.leader());
    await oldLeader.kill();
    await progress('writes after the etcd leader died');
    await oldLeader.start();
    await etcd.waitHealthy();

    // Quorum lost: two of three members down. Requests fail with 503/504 and Retry-After, never hang.
    const down = etcd.members.slice(0, 2);
    for (const m of down) await m.kill();
    const r = live()[0];
    assert.ok(r);
    const during = await eventually('an outage answer', async () => {
      const res = await api(r, 'POST', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`, {
        body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'during-outage' } },
      });
      return res.status >= 500 ? res : undefined;
    });
    assert.ok([503, 504].includes(during.status), `outage answered ${during.status}: ${during.text}`);
    assert.ok(during.headers['retry-after'], 'an outage answer carries Retry-After');
    assert.equal(during.json<{ kind: string }>().kind, 'Status');
    await pause(1000);
    for (const m of down) await m.start();
    await etcd.waitHealthy();
    await progress('writes after quorum came back');
    await w.stop();

    // Every acknowledged write is there, read through every replica.
    for (const s of live()) {
      // A replica's etcd client may hold calls back for a few seconds after the outage.
      const list = await eventually('a list', async () => {
        const res = await api(s, 'GET', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`);
        return res.status === 200 ? res.json<{ items: { metadata: { name: string } }[] }>() : undefined;
      });
      const names = new Set(list.items.map((i) => i.metadata.name));
      const missing = w.acked.filter((n) => !names.has(n));
      assert.deepEqual(missing, [], `acknowledged writes missing on ${s.url}`);
    }
    // Every watcher saw every acknowledged create once, in resource-version order.
    for (const watcher of watchers) {
      const seen = () => new Set(watcher.events.map((e) => e.name));
      await eventually('watchers to catch up', async () => (w.acked.every((n) => seen().has(n)) ? true : undefined), 30_000).catch(() => undefined);
      watcher.stop();
      const adds = watcher.events.filter((e) => e.type === 'ADDED' && e.name.startsWith('load-')).map((e) => e.name);
      assert.equal(new Set(adds).size, adds.length, 'no event delivered twice');
      for (const n of w.acked) assert.ok(adds.includes(n), `watcher missed ${n}`);
      const revs = watcher.events.map((e) => e.rv);
      assert.deepEqual(
        revs,
        [...revs].sort((x, y) => x - y),
        'events in resource-version order',
      );
      assert.deepEqual(watcher.errors, []);
    }
    console.log(`# acknowledged writes ${w.acked.length}; failed attempts by status ${JSON.stringify(Object.fromEntries(w.failures))}`);
  });
});
