/**
 * The storage conformance suite: what every Store backend must do, run against each of them
 * (memory, SQLite and etcd) so they cannot drift apart. A backend that cannot pass a case
 * declares it in `skip` with a reason instead of diverging silently.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageError, type StorageEvent, type Store } from '../../src/storage/store.js';
import { take } from '../support/store-events.js';

export interface ConformanceOptions {
  readonly skip?: readonly { test: string; reason: string }[];
}

async function collect(store: Store, prefix: string, after: number, count: number, timeoutMs = 5000): Promise<StorageEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return await take(store, prefix, after, count, abort.signal);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

export function describeStoreConformance(name: string, open: () => Promise<Store>, opts: ConformanceOptions = {}): void {
  const skipped = new Map((opts.skip ?? []).map((s) => [s.test, s.reason]));
  const test = (title: string, fn: (store: Store) => Promise<void>) =>
    it(title, skipped.has(title) ? { skip: skipped.get(title) } : {}, async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });

  describe(`storage conformance: ${name}`, () => {
    test('creates a key once and answers KeyExists for a live key', async (s) => {
      const kv = await s.create('/a/x', 'v1');
      assert.equal(kv.modRevision, kv.createRevision);
      await assert.rejects(s.create('/a/x', 'v2'), (e) => isStorageError(e, 'KeyExists'));
      assert.equal((await s.get('/a/x'))?.value, 'v1');
      assert.equal(await s.get('/a/missing'), undefined);
    });

    test('updates only from the current revision (compare-and-swap)', async (s) => {
      const kv = await s.create('/a/x', 'v1');
      const up = await s.update('/a/x', 'v2', kv.modRevision);
      assert.ok(up.modRevision > kv.modRevision);
      assert.equal(up.createRevision, kv.createRevision);
      await assert.rejects(s.update('/a/x', 'v3', kv.modRevision), (e) => isStorageError(e, 'Conflict') && e.current?.value === 'v2');
      await assert.rejects(s.update('/a/none', 'v', 1), (e) => isStorageError(e, 'NotFound'));
    });

    test('deletes with and without a revision precondition, and re-creates with a new create revision', async (s) => {
      const kv = await s.create('/a/x', 'v1');
      await assert.rejects(s.delete('/a/x', kv.modRevision + 100), (e) => isStorageError(e, 'Conflict'));
      const gone = await s.delete('/a/x', kv.modRevision);
      assert.equal(gone.value, 'v1');
      assert.ok(gone.modRevision > kv.modRevision);
      assert.equal(await s.get('/a/x'), undefined);
      await assert.rejects(s.delete('/a/x'), (e) => isStorageError(e, 'NotFound'));
      const again = await s.create('/a/x', 'v2');
      assert.ok(again.createRevision > gone.modRevision);
    });

    test('lists keys under a prefix in byte order without crossing into a sibling prefix', async (s) => {
      for (const k of ['/r/ns/b', '/r/ns/a', '/r/ns2/c', '/r/nsx', '/r/ns/c']) await s.create(k, k);
      const l = await s.list('/r/ns/');
      assert.deepEqual(
        l.items.map((i) => i.key),
        ['/r/ns/a', '/r/ns/b', '/r/ns/c'],
      );
      assert.equal(l.revision, await s.currentRevision());
      assert.equal(await s.count('/r/ns/'), 3);
    });

    test('pages with limit and after at a fixed revision while writes continue', async (s) => {
      for (let i = 0; i < 10; i++) await s.create(`/p/${i}`, `v${i}`);
      const first = await s.list('/p/', { limit: 4 });
      assert.equal(first.more, true);
      assert.equal(first.remaining, 6);
      await s.create('/p/05a', 'late');
      await s.delete('/p/9');
      const keys = first.items.map((i) => i.key);
      let after = keys[keys.length - 1];
      for (;;) {
        const page = await s.list('/p/', { limit: 4, revision: first.revision, ...(after ? { after } : {}) });
        assert.equal(page.revision, first.revision);
        keys.push(...page.items.map((i) => i.key));
        if (!page.more) break;
        after = page.items[page.items.length - 1]?.key;
      }
      assert.deepEqual(
        keys,
        Array.from({ length: 10 }, (_, i) => `/p/${i}`),
      );
    });

    test('reads a key and a list as of an older revision', async (s) => {
      const a = await s.create('/h/a', 'a1');
      await s.update('/h/a', 'a2', a.modRevision);
      const b = await s.create('/h/b', 'b1');
      await s.delete('/h/b');
      assert.equal((await s.get('/h/a', { revision: a.modRevision }))?.value, 'a1');
      const at = await s.list('/h/', { revision: b.modRevision });
      assert.deepEqual(
        at.items.map((i) => `${i.key}=${i.value}`),
        ['/h/a=a2', '/h/b=b1'],
      );
      assert.deepEqual(
        (await s.list('/h/')).items.map((i) => i.key),
        ['/h/a'],
      );
    });

    test('answers Compacted below the compacted revision and FutureRevision above the current one', async (s) => {
      const a = await s.create('/c/a', '1');
      let rev = a.modRevision;
      for (let i = 2; i <= 5; i++) rev = (await s.update('/c/a', String(i), rev)).modRevision;
      await s.compact(rev - 1);
      assert.ok((await s.compactedRevision()) >= rev - 1);
      await assert.rejects(s.list('/c/', { revision: a.modRevision }), (e) => isStorageError(e, 'Compacted'));
      await assert.rejects(s.get('/c/a', { revision: a.modRevision }), (e) => isStorageError(e, 'Compacted'));
      await assert.rejects(s.list('/c/', { revision: rev + 100 }), (e) => isStorageError(e, 'FutureRevision'));
      assert.equal((await s.get('/c/a'))?.value, '5');
      assert.equal((await s.list('/c/', { revision: rev - 1 })).items[0]?.value, '4');
    });

    test('watches from 0, from a revision, and from the current revision', async (s) => {
      const a = await s.create('/w/a', '1');
      const b = await s.create('/w/b', '1');
      const fromZero = await collect(s, '/w/', 0, 2);
      assert.deepEqual(
        fromZero.map((e) => e.kv.key),
        ['/w/a', '/w/b'],
      );
      const fromA = await collect(s, '/w/', a.modRevision, 1);
      assert.deepEqual(
        fromA.map((e) => e.kv.key),
        ['/w/b'],
      );
      const live = collect(s, '/w/', b.modRevision, 2);
      await new Promise((r) => setTimeout(r, 20));
      const up = await s.update('/w/a', '2', a.modRevision);
      await s.delete('/w/b');
      const evs = await live;
      assert.deepEqual(
        evs.map((e) => e.type),
        ['put', 'delete'],
      );
      assert.equal(evs[0]?.type === 'put' ? evs[0].prev?.value : undefined, '1');
      assert.equal(evs[0]?.kv.modRevision, up.modRevision);
      assert.equal(evs[1]?.kv.value, '1');
      assert.equal(evs[1]?.prev?.key, '/w/b');
    });

    test('throws Compacted when watching from a compacted revision', async (s) => {
      let rev = (await s.create('/wc/a', '0')).modRevision;
      const first = rev;
      for (let i = 1; i < 5; i++) rev = (await s.update('/wc/a', String(i), rev)).modRevision;
      await s.compact(rev);
      await assert.rejects(collect(s, '/wc/', first, 1), (e) => isStorageError(e, 'Compacted'));
    });

    test('delivers every event exactly once and in order across the history/live hand-over', async (s) => {
      const start = await s.currentRevision();
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < 300; i++) await s.create(`/x/${String(i).padStart(4, '0')}`, String(i));
        writing = false;
      })();
      await new Promise((r) => setTimeout(r, 5));
      const evs = await collect(s, '/x/', start, 300, 20_000);
      await writer;
      assert.equal(writing, false);
      const revs = evs.map((e) => e.kv.modRevision);
      assert.equal(new Set(revs).size, 300);
      assert.deepEqual(
        revs,
        [...revs].sort((a, b) => a - b),
      );
      assert.deepEqual(
        evs.map((e) => e.kv.value),
        Array.from({ length: 300 }, (_, i) => String(i)),
      );
    });

    test('lets exactly one of many concurrent updaters from the same revision win', async (s) => {
      const kv = await s.create('/race/k', '0');
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.update('/race/k', String(i), kv.modRevision)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.filter((r) => r.status === 'rejected').every((r) => isStorageError((r as PromiseRejectedResult).reason, 'Conflict')));
    });

    test('ends a watch cleanly when its signal aborts', async (s) => {
      const abort = new AbortController();
      const it = s.watch('/ab/', await s.currentRevision(), abort.signal)[Symbol.asyncIterator]();
      const next = it.next();
      abort.abort();
      assert.deepEqual(await next, { done: true, value: undefined });
    });
  });
}
