import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStoreConformance } from '../../../test/conformance/storage-suite.js';
import { startEtcd, type EtcdCluster } from '../../../test/support/etcd.js';
import { take } from '../../../test/support/store-events.js';
import { isStorageError, type StorageEvent, type Store } from '../store.js';
import { openEtcdStore, prefixRangeEnd } from './etcd-store.js';

// Each conformance case gets an etcd of its own: compaction is cluster-wide, and the cases expect
// a store whose history starts empty.
describeStoreConformance('etcd', async () => {
  const etcd = await startEtcd();
  const store = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0 });
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      await etcd.stop();
    },
  });
});

describe('etcd store', () => {
  it('computes the end of a prefix range as etcd does', () => {
    assert.deepEqual(prefixRangeEnd(Buffer.from('/a/')), Buffer.from('/a0'));
    assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
    assert.deepEqual(prefixRangeEnd(Buffer.from([0xff])), Buffer.from([0]));
  });

  describe('two replicas on one cluster', () => {
    let etcd: EtcdCluster;
    let a: Store;
    let b: Store;
    before(async () => {
      etcd = await startEtcd();
      a = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, prefix: '/two' });
      b = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, prefix: '/two' });
    });
    after(async () => {
      await a.close();
      await b.close();
      await etcd.stop();
    });

    it("sees the other replica's writes in reads, watches and compare-and-swap", async () => {
      const abort = new AbortController();
      const start = await b.currentRevision();
      const seen = take(b, '/r/', start, 2, abort.signal);
      const kv = await a.create('/r/x', 'from-a');
      assert.equal((await b.get('/r/x'))?.value, 'from-a');
      const up = await b.update('/r/x', 'from-b', kv.modRevision);
      await assert.rejects(a.update('/r/x', 'stale', kv.modRevision), (e) => isStorageError(e, 'Conflict') && e.current?.value === 'from-b');
      const evs = await seen;
      abort.abort();
      assert.deepEqual(
        evs.map((e) => [e.type, e.kv.value, e.kv.modRevision]),
        [
          ['put', 'from-a', kv.modRevision],
          ['put', 'from-b', up.modRevision],
        ],
      );
      assert.equal(await a.currentRevision(), await b.currentRevision());
    });

    it('keeps replicas with different prefixes apart', async () => {
      const other = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, prefix: '/elsewhere' });
      try {
        await a.create('/iso/k', 'v');
        assert.equal(await other.get('/iso/k'), undefined);
        assert.equal(await other.count('/'), 0);
      } finally {
        await other.close();
      }
    });

    it("refuses a value over etcd's request limit as TooLarge, stores nothing and stays available", async () => {
      const kv = await a.create('/big/k', 'small');
      for (const mib of [1.6, 2.5]) {
        await assert.rejects(a.create('/big/other', 'x'.repeat(mib * 1024 * 1024)), (e) => isStorageError(e, 'TooLarge'));
        await assert.rejects(a.update('/big/k', 'x'.repeat(mib * 1024 * 1024), kv.modRevision), (e) => isStorageError(e, 'TooLarge'));
      }
      assert.equal(await b.get('/big/other'), undefined);
      // Refused without bothering etcd: the store stays available for everything else.
      assert.equal((await a.get('/big/k'))?.value, 'small');
    });

    it("lists more than gRPC's default 4 MiB message in one answer, and stays available", async () => {
      const value = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 5; i++) await a.create(`/wide/k${i}`, value);
      const page = await b.list('/wide/');
      assert.equal(page.items.length, 5);
      assert.equal(await b.count('/wide/'), 5);
    });

    it('compacts a revision once, claimed by one replica, and both then answer Compacted', async () => {
      let rev = (await a.create('/cmp/k', '0')).modRevision;
      const first = rev;
      for (let i = 1; i < 5; i++) rev = (await a.update('/cmp/k', String(i), rev)).modRevision;
      await Promise.all([a.compact(rev - 1), b.compact(rev - 1)]);
      assert.equal(await a.compactedRevision(), rev - 1);
      assert.equal(await b.compactedRevision(), rev - 1);
      await assert.rejects(b.get('/cmp/k', { revision: first }), (e) => isStorageError(e, 'Compacted'));
      await assert.rejects(take(a, '/cmp/', first, 1, new AbortController().signal), (e) => isStorageError(e, 'Compacted'));
      assert.equal((await b.get('/cmp/k'))?.value, '4');
    });
  });

  it('talks to etcd over TLS with a client certificate, and is refused without one', async () => {
    const etcd = await startEtcd({ tls: true });
    assert.ok(etcd.tls);
    const store = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, ...etcd.tls });
    const anonymous = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, requestTimeoutMs: 1000, caFile: etcd.tls.caFile });
    try {
      await store.create('/tls/k', 'v');
      assert.equal((await store.get('/tls/k'))?.value, 'v');
      await assert.rejects(anonymous.get('/tls/k'), (e) => isStorageError(e, 'Unavailable'));
    } finally {
      await store.close();
      await anonymous.close();
      await etcd.stop();
    }
  });

  // A call that hung instead of failing would run into the test's timeout.
  it('fails with Unavailable while etcd is down, and carries on when it is back', { timeout: 60_000 }, async () => {
    const etcd = await startEtcd();
    const store = openEtcdStore({ servers: etcd.endpoints, compactInterval: 0, requestTimeoutMs: 1000 });
    const abort = new AbortController();
    try {
      const kv = await store.create('/down/a', '1');
      // The watch is established (it delivered the create) before etcd goes away.
      const events = store.watch('/down/', kv.modRevision - 1, abort.signal)[Symbol.asyncIterator]();
      assert.equal((await events.next()).value?.kv.value, '1');
      const member = etcd.members[0];
      assert.ok(member);
      await member.kill();
      await assert.rejects(store.get('/down/a'), (e) => isStorageError(e, 'Unavailable'));
      await member.start();
      await etcd.waitHealthy();
      // The client's circuit breaker may hold calls back for a few seconds after the member returns.
      let up;
      for (let i = 0; i < 100 && !up; i++) {
        up = await store.update('/down/a', '2', kv.modRevision).catch((e: unknown) => {
          if (isStorageError(e, 'Unavailable')) return undefined;
          throw e;
        });
        if (!up) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(up, 'the store answers again once etcd is back');
      await store.create('/down/b', '1');
      const evs = [(await events.next()).value, (await events.next()).value] as StorageEvent[];
      abort.abort();
      assert.deepEqual(
        evs.map((e) => `${e.kv.key}=${e.kv.value}`),
        ['/down/a=2', '/down/b=1'],
      );
    } finally {
      abort.abort();
      await store.close();
      await etcd.stop();
    }
  });
});
