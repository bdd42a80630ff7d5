import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStoreConformance } from '../../../test/conformance/storage-suite.js';
import { etcdWatchCount, startEtcd, type EtcdCluster } from '../../../test/support/etcd.js';
import { take } from '../../../test/support/store-events.js';
import { openEtcdStore } from '../etcd/etcd-store.js';
import { MemoryStore } from '../memory/memory-store.js';
import type { LastWrite } from '../store.js';
import { CachedStore, type CacheableStore } from './cached-store.js';
import type { CacheObserver } from './prefix-cache.js';

const SUITE_PREFIXES = ['/a/', '/ab/', '/c/', '/h/', '/p/', '/r/', '/race/', '/w/', '/wc/', '/x/'];

// The whole conformance suite, with every prefix it uses served by the cache.
describeStoreConformance('etcd behind the watch cache', async () => {
  const etcd = await startEtcd();
  const cached = new CachedStore(openEtcdStore({ servers: etcd.endpoints, compactInterval: 0 }));
  cached.start(SUITE_PREFIXES);
  await cached.whenReady();
  const close = cached.close.bind(cached);
  return Object.assign(cached, {
    close: async () => {
      await close();
      await etcd.stop();
    },
  });
});

describe('the watch cache over etcd, two replicas', () => {
  let etcd: EtcdCluster;
  let a: CachedStore;
  let b: CachedStore;
  const hits = { yes: 0, no: 0 };
  const observer: CacheObserver = {
    observeRead: (_p, hit) => void (hit ? hits.yes++ : hits.no++),
    observeState: () => undefined,
    observeRebuild: () => undefined,
  };

  before(async () => {
    etcd = await startEtcd();
    const baseline = await etcdWatchCount(etcd.endpoints[0] as string);
    a = new CachedStore(openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, prefix: '/two' }), { observer });
    b = new CachedStore(openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, prefix: '/two' }), { observer });
    a.start(['/streams/', '/images/']);
    b.start(['/streams/', '/images/']);
    await Promise.all([a.whenReady(), b.whenReady()]);
    // The watches are registered with etcd just after the lists: wait for them to show.
    let watching = 0;
    for (let i = 0; i < 50 && watching < 4; i++) {
      watching = (await etcdWatchCount(etcd.endpoints[0] as string)) - baseline;
      if (watching < 4) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(watching, 4, 'one etcd watch per prefix per replica');
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await etcd?.stop();
  });

  it('reads its own and the other replica’s writes at once, from memory', async () => {
    const before = hits.yes;
    const kv = await a.create('/streams/ns/one', 'v1');
    assert.equal((await a.get('/streams/ns/one'))?.value, 'v1', 'read-your-writes on the writing replica');
    assert.equal((await b.get('/streams/ns/one'))?.value, 'v1', 'linearizable on the other replica');
    await b.update('/streams/ns/one', 'v2', kv.modRevision);
    assert.equal((await a.get('/streams/ns/one'))?.value, 'v2');
    const listed = await a.list('/streams/ns/');
    assert.deepEqual(
      listed.items.map((i) => i.value),
      ['v2'],
    );
    assert.ok(listed.revision >= kv.modRevision);
    assert.ok(hits.yes - before >= 4, `the reads were answered by the cache (${hits.yes - before} hits, ${hits.no} misses)`);
  });

  it('stays exact while other prefixes move the store’s revision', async () => {
    const stream = await a.create('/streams/ns/two', 's');
    for (let i = 0; i < 20; i++) await b.create(`/images/i${i}`, 'x');
    const got = await a.list('/streams/ns/');
    assert.deepEqual(
      got.items.map((i) => i.key),
      ['/streams/ns/one', '/streams/ns/two'],
    );
    assert.ok(got.revision > stream.modRevision, 'the answer is exact at the current revision, not at the last stream write');
    assert.equal(await a.count('/images/'), 20);
  });

  it('pages a list at one revision, and serves a watch from its window without a new etcd watch', async () => {
    const watchersBefore = await etcdWatchCount(etcd.endpoints[0] as string);
    const first = await b.list('/images/', { limit: 5 });
    assert.equal(first.items.length, 5);
    assert.equal(first.more, true);
    assert.equal(first.remaining, 15);
    const second = await b.list('/images/', { limit: 5, after: first.items[4]?.key, revision: first.revision });
    assert.equal(second.items[0]?.key, '/images/i13', 'byte order: i0, i1, i10 … i19, i2 …');
    const abort = new AbortController();
    const events = take(a, '/images/', first.revision, 2, abort.signal);
    const created = await b.create('/images/z1', 'new');
    await b.delete('/images/z1');
    const got = await events;
    abort.abort();
    assert.deepEqual(
      got.map((e) => [e.type, e.kv.key, e.kv.modRevision > created.modRevision - 1]),
      [
        ['put', '/images/z1', true],
        ['delete', '/images/z1', true],
      ],
    );
    assert.equal(await etcdWatchCount(etcd.endpoints[0] as string), watchersBefore, 'watches are served from the cache');
  });
});

describe('the watch cache’s freshness check', () => {
  it('never lets a read join a last-write read already in flight; the reads arriving meanwhile share the next one, two at most in flight', async () => {
    const memory = new MemoryStore();
    await memory.create('/p/a', 'v1');
    const sent: { resolve: (r: LastWrite) => void }[] = [];
    const inner = new Proxy(memory, {
      get(target, name) {
        if (name === 'trackWrites') return () => undefined;
        if (name === 'lastWrite') return () => new Promise<LastWrite>((resolve) => sent.push({ resolve }));
        const v: unknown = Reflect.get(target, name);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as MemoryStore & CacheableStore;
    const cached = new CachedStore(inner);
    cached.start(['/p/']);
    await cached.whenReady();
    const revision = await memory.currentRevision();
    const answered: string[] = [];
    const read = (name: string) => cached.get('/p/a').then((kv) => answered.push(`${name}:${kv?.value}`));
    const tick = () => new Promise((r) => setImmediate(r));

    const first = read('first');
    await tick();
    assert.equal(sent.length, 1, 'the first read’s check went out at the end of its turn');
    const second = [read('second'), read('third')];
    await tick();
    assert.equal(sent.length, 2, 'reads arriving while one check is in flight get a check of their own, not that one');
    const third = [read('fourth'), read('fifth')];
    await tick();
    assert.equal(sent.length, 2, 'no third check while two are in flight');
    sent[0]?.resolve({ revision, lastWrite: 0 });
    await first;
    await tick();
    assert.deepEqual(answered, ['first:v1']);
    assert.equal(sent.length, 3, 'the waiting reads’ check went out as soon as one in flight was answered');
    sent[1]?.resolve({ revision, lastWrite: 0 });
    await Promise.all(second);
    await tick();
    assert.deepEqual(answered, ['first:v1', 'second:v1', 'third:v1'], 'the reads that arrived after a check was sent wait for a later one');
    sent[2]?.resolve({ revision, lastWrite: 0 });
    await Promise.all(third);
    assert.deepEqual(answered, ['first:v1', 'second:v1', 'third:v1', 'fourth:v1', 'fifth:v1']);
    await cached.close();
  });
});
