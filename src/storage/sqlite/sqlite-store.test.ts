import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance } from '../../../test/conformance/storage-suite.js';
import { isStorageError, type StorageEvent } from '../store.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

describeStoreConformance('sqlite', async () => openSqliteStore({ path: join(dir, `c${n++}.db`), compactInterval: 0, synchronous: 'NORMAL' }));

describe('sqlite store', () => {
  it('keeps data and the revision counter across reopen', async () => {
    const path = join(dir, 'reopen.db');
    const s1 = openSqliteStore({ path, compactInterval: 0 });
    const kv = await s1.create('/k', 'v');
    await s1.delete('/k');
    await s1.close();
    const s2 = openSqliteStore({ path, compactInterval: 0 });
    try {
      const again = await s2.create('/k', 'v2');
      assert.ok(again.modRevision > kv.modRevision + 1);
    } finally {
      await s2.close();
    }
  });

  it('watches from the present and from a future revision deliver only the writes after it', async () => {
    const s = openSqliteStore({ path: join(dir, 'from.db'), compactInterval: 0 });
    try {
      const now = await s.currentRevision();
      const abort = new AbortController();
      const take = async (after: number, count: number) => {
        const out: number[] = [];
        for await (const ev of s.watch('/f/', after, abort.signal)) if (out.push(ev.kv.modRevision) === count) break;
        return out;
      };
      const present = take(now, 4);
      const future = take(now + 2, 2);
      for (let i = 0; i < 4; i++) await s.create(`/f/${i}`, 'v');
      assert.deepEqual(await present, [now + 1, now + 2, now + 3, now + 4]);
      assert.deepEqual(await future, [now + 3, now + 4], 'nothing at or before the revision asked for');
      abort.abort();
    } finally {
      await s.close();
    }
  });

  it('commits concurrent writes together, each with its own check, outcome and revision, in the order asked', async () => {
    const path = join(dir, 'group.db');
    const commits: number[] = [];
    const s1 = openSqliteStore({ path, compactInterval: 0, onCommit: (n) => commits.push(n) });
    const a = await s1.create('/a', 'v0');
    commits.length = 0;
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of s1.watch('/', a.modRevision, abort.signal)) {
        seen.push(`${ev.type}:${ev.kv.key}:${ev.kv.modRevision}`);
        if (seen.length === 11) abort.abort();
      }
    })();
    const asked = [
      ...Array.from({ length: 10 }, (_, i) => s1.create(`/k${i}`, 'v')),
      s1.create('/k3', 'again'), // exists by then
      s1.update('/a', 'stale', a.modRevision + 100), // wrong revision
      s1.update('/a', 'v1', a.modRevision),
      s1.delete('/nope'),
    ];
    const results = await Promise.allSettled(asked);
    assert.deepEqual(commits, [11], 'one commit made the eleven successful writes durable');
    const reasons = results.map((r) =>
      r.status === 'fulfilled'
        ? 'ok'
        : isStorageError(r.reason, 'KeyExists')
          ? 'exists'
          : isStorageError(r.reason, 'Conflict')
            ? 'conflict'
            : isStorageError(r.reason, 'NotFound')
              ? 'notfound'
              : 'other',
    );
    assert.deepEqual(reasons, [...Array(10).fill('ok'), 'exists', 'conflict', 'ok', 'notfound']);
    const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.modRevision] : []));
    assert.deepEqual(
      revs,
      Array.from({ length: 11 }, (_, i) => a.modRevision + 1 + i),
      'consecutive revisions in the order asked',
    );
    await watching;
    // Read back from this store (its row cache) and, below, from the file after a reopen.
    assert.equal((await s1.get('/a'))?.value, 'v1');
    assert.equal((await s1.get('/k3'))?.value, 'v');
    await s1.delete('/k9');
    assert.equal(await s1.get('/k9'), undefined, 'a deleted row is not answered from memory');
    await s1.create('/k9', 'v');
    assert.deepEqual(
      seen,
      [...Array.from({ length: 10 }, (_, i) => `put:/k${i}:${a.modRevision + 1 + i}`), `put:/a:${a.modRevision + 11}`],
      'watchers see the group in revision order',
    );
    await s1.close();
    const s2 = openSqliteStore({ path, compactInterval: 0 });
    try {
      assert.equal((await s2.get('/a'))?.value, 'v1');
      assert.equal((await s2.list('/k')).items.length, 10);
      assert.equal((await s2.get('/k9'))?.modRevision, a.modRevision + 13);
      assert.equal((await s2.get('/k3'))?.value, 'v', 'the refused write left nothing');
    } finally {
      await s2.close();
    }
  });

  it('fails only the write SQLite refuses when it shares a group with others', async () => {
    const path = join(dir, 'refused.db');
    const commits: number[] = [];
    const s1 = openSqliteStore({ path, compactInterval: 0, onCommit: (n) => commits.push(n) });
    try {
      // A value better-sqlite3 cannot bind: the statement itself throws inside the transaction.
      const unbindable = {} as unknown as string;
      const results = await Promise.allSettled([s1.create('/g1', 'v'), s1.create('/bad', unbindable), s1.create('/g2', 'v')]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      const refused = results[1];
      assert.ok(refused?.status === 'rejected' && isStorageError(refused.reason, 'Unavailable'));
      assert.deepEqual(commits, [1, 1], 'the others were committed one by one after the group failed');
      assert.equal((await s1.get('/g2'))?.value, 'v');
      assert.equal(await s1.get('/bad'), undefined);
      const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.modRevision] : []));
      assert.equal(revs[1], (revs[0] ?? 0) + 1, 'no revision was spent on the refused write');
    } finally {
      await s1.close();
    }
  });

  it('lists the same rows whether they are held in memory, partly held or not held at all', async () => {
    const path = join(dir, 'held.db');
    const s1 = openSqliteStore({ path, compactInterval: 0 });
    for (let i = 0; i < 8; i++) await s1.create(`/h/${i}`, `v${i}`);
    await s1.update('/h/3', 'v3b', (await s1.get('/h/3'))?.modRevision ?? 0);
    const expected = (await s1.list('/h/')).items;
    assert.equal(expected[3]?.value, 'v3b');
    await s1.close();
    const s2 = openSqliteStore({ path, compactInterval: 0 });
    try {
      assert.deepEqual((await s2.list('/h/')).items, expected, 'nothing held: one range read');
      const s3path = join(dir, 'held2.db');
      const s3 = openSqliteStore({ path: s3path, compactInterval: 0 });
      for (const kv of expected) await s3.create(kv.key, kv.value);
      await s3.close();
      const s4 = openSqliteStore({ path: s3path, compactInterval: 0 });
      for (let i = 0; i < 7; i++) await s4.get(`/h/${i}`);
      const partly = await s4.list('/h/', { limit: 5 });
      assert.deepEqual(
        partly.items.map((kv) => kv.value),
        ['v0', 'v1', 'v2', 'v3b', 'v4'],
      );
      const all = await s4.list('/h/');
      assert.deepEqual(
        all.items.map((kv) => kv.value),
        expected.map((kv) => kv.value),
        'the one row not held is read by key',
      );
      assert.deepEqual(all.items[7], await s4.get('/h/7'));
      await s4.close();
    } finally {
      await s2.close();
    }
  });

  it('commits writes still queued when it is closed', async () => {
    const path = join(dir, 'close.db');
    const s1 = openSqliteStore({ path, compactInterval: 0 });
    const queued = s1.create('/q', 'v');
    await s1.close();
    assert.equal((await queued).value, 'v');
    const s2 = openSqliteStore({ path, compactInterval: 0 });
    try {
      assert.equal((await s2.get('/q'))?.value, 'v');
    } finally {
      await s2.close();
    }
  });

  it('refuses a second process-level owner of the same database', async () => {
    const path = join(dir, 'locked.db');
    const s1 = openSqliteStore({ path, compactInterval: 0 });
    try {
      assert.throws(() => openSqliteStore({ path, compactInterval: 0 }), /locked/);
    } finally {
      await s1.close();
    }
  });

  it('keeps the log bounded under constant updates when compaction runs', async () => {
    const path = join(dir, 'bounded.db');
    const s = openSqliteStore({ path, compactInterval: 0 });
    try {
      let rev = (await s.create('/b/k', '0')).modRevision;
      for (let i = 1; i < 2000; i++) rev = (await s.update('/b/k', String(i), rev)).modRevision;
      await s.compact(rev - 10);
      const Database = (await import('better-sqlite3')).default;
      await s.close();
      const db = new Database(path, { readonly: true });
      const rows = (db.prepare('SELECT COUNT(*) AS n FROM log').get() as { n: number }).n;
      db.close();
      assert.ok(rows <= 12, `expected at most 12 log rows after compaction, found ${rows}`);
    } finally {
      await s.close();
    }
  });

  it('drops a watcher that falls too far behind', async () => {
    const s = openSqliteStore({ path: join(dir, 'slow.db'), compactInterval: 0, watchBufferSize: 5 });
    try {
      const abort = new AbortController();
      const it = s.watch('/s/', await s.currentRevision(), abort.signal)[Symbol.asyncIterator]();
      const first = it.next();
      for (let i = 0; i < 20; i++) await s.create(`/s/${i}`, 'v');
      const got: StorageEvent[] = [];
      await assert.rejects(
        (async () => {
          const r = await first;
          if (!r.done) got.push(r.value);
          for (;;) {
            const x = await it.next();
            if (x.done) break;
            got.push(x.value);
          }
        })(),
        (e) => isStorageError(e, 'Unavailable'),
      );
      assert.ok(got.length < 20);
      abort.abort();
    } finally {
      await s.close();
    }
  });
});
