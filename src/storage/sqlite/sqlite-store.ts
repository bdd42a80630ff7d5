/**
 * The embedded Store: kine's log-structured design on SQLite (better-sqlite3).
 *
 * `log` is append-only: every create, update and delete inserts a row whose rowid is the new global
 * revision; a delete inserts a tombstone carrying the last value. `current` holds the newest live row
 * of each key, maintained in the same transaction, so gets and lists of the present are primary-key
 * reads whose cost follows the page, not the history. Reads "as of" an older revision and watch
 * history come from `log`. Compaction drops rows superseded at or below a revision.
 *
 * better-sqlite3 is synchronous: a write transaction runs to completion before the event loop does
 * anything else, so revisions are assigned and published to watchers strictly in order, and the
 * compare-and-swap check and the write are atomic. One process owns the database (exclusive lock).
 *
 * Writes commit in groups: the writes requested during one turn of the event loop run in one
 * transaction, so concurrent writers share one fsync (the commit blocks the event loop, and with
 * one transaction per write it held every request behind each fsync in turn). Each write keeps its
 * own compare-and-swap check and outcome; a write is acknowledged only after its group committed.
 */
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { StorageError, type KeyValue, type ListOptions, type ListResult, type StorageEvent, type Store } from '../store.js';
import { WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  readonly path: string;
  /**
   * FULL (default) fsyncs the WAL on every commit: an acknowledged write survives a power loss.
   * NORMAL survives a crash of the process (kill -9) but may lose the last commits on power loss.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Milliseconds between automatic compactions; 0 disables them. */
  readonly compactInterval?: number;
  /** Bytes of current rows kept in memory for gets (default 32 MiB; 0 keeps none). */
  readonly rowCacheBytes?: number;
  /** Told after each group commit how many writes it made durable (metrics). */
  readonly onCommit?: (writes: number) => void;
  /** Revisions automatic compaction always keeps. */
  readonly compactMinRetain?: number;
  /** Events a watcher may fall behind before it is dropped. */
  readonly watchBufferSize?: number;
}

interface LogRow {
  rev: number;
  key: string;
  created: number;
  deleted: number;
  value: string;
  prev_rev: number;
}

interface CurrentRow {
  key: string;
  rev: number;
  created: number;
  value: string;
}

const COMPACT_BATCH = 5000;
const HISTORY_BATCH = 1000;

const toKv = (r: { key: string; rev: number; created: number; value: string }): KeyValue => ({
  key: r.key,
  value: r.value,
  createRevision: r.created,
  modRevision: r.rev,
});

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

interface PendingWrite {
  /** Runs inside the group's transaction: checks, writes, and returns the event to publish. */
  readonly op: () => StorageEvent;
  readonly resolve: (kv: KeyValue) => void;
  readonly reject: (e: StorageError) => void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub: WatchHub;
  private revision: number;
  private compacted: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly stmt;
  /**
   * Current rows recently read or written: a get of a recently used key answers without SQLite
   * (the statement cost about a tenth of a get). This process is the database's only writer
   * (exclusive lock), and rows enter only from committed state, so the cache cannot go stale.
   */
  private readonly rows: LRUCache<string, KeyValue> | undefined;
  private pending: PendingWrite[] = [];

  constructor(private readonly opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    // A second server on the same data dir would break revision order: refuse it.
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS log (
        rev INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        created INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        prev_rev INTEGER NOT NULL,
        value TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
      CREATE TABLE IF NOT EXISTS current (
        key TEXT PRIMARY KEY,
        rev INTEGER NOT NULL,
        created INTEGER NOT NULL,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      -- Keys alone: counting what remains after a list page reads this small index instead of every
      -- stored value (objects with long tag histories made that count cost the whole table).
      CREATE INDEX IF NOT EXISTS current_keys ON current(key, rev);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // Taking the exclusive lock now, so a second process fails at start rather than later.
    this.db.exec('BEGIN IMMEDIATE; COMMIT;');
    this.stmt = {
      getCurrent: this.db.prepare<[string], CurrentRow>('SELECT key, rev, created, value FROM current WHERE key = ?'),
      getAt: this.db.prepare<[string, number], LogRow>(
        'SELECT rev, key, created, deleted, prev_rev, value FROM log WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1',
      ),
      listCurrent: this.db.prepare<[string, string, number], CurrentRow>(
        'SELECT key, rev, created, value FROM current WHERE key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      // Answered from the current_keys index alone: no stored value is read.
      listCurrentRevisions: this.db.prepare<[string, string, number], { key: string; rev: number }>(
        'SELECT key, rev FROM current WHERE key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      countCurrent: this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM current WHERE key > ? AND key < ?'),
      listAt: this.db.prepare<[string, string, number, number], LogRow>(
        `SELECT l.rev, l.key, l.created, l.deleted, l.prev_rev, l.value FROM log l
         WHERE l.key > ? AND l.key < ?
           AND l.rev = (SELECT MAX(m.rev) FROM log m WHERE m.key = l.key AND m.rev <= ?)
           AND l.deleted = 0
         ORDER BY l.key LIMIT ?`,
      ),
      countAt: this.db.prepare<[string, string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM log l WHERE l.key > ? AND l.key < ?
           AND l.rev = (SELECT MAX(m.rev) FROM log m WHERE m.key = l.key AND m.rev <= ?) AND l.deleted = 0`,
      ),
      insertLog: this.db.prepare<[number, string, number, number, number, string]>(
        'INSERT INTO log (rev, key, created, deleted, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      upsertCurrent: this.db.prepare<[string, number, number, string]>(
        'INSERT INTO current (key, rev, created, value) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, created = excluded.created, value = excluded.value',
      ),
      deleteCurrent: this.db.prepare<[string]>('DELETE FROM current WHERE key = ?'),
      history: this.db.prepare<[number, string, string, number], LogRow & { p_rev: number | null; p_created: number | null; p_value: string | null }>(
        `SELECT l.rev, l.key, l.created, l.deleted, l.prev_rev, l.value,
                p.rev AS p_rev, p.created AS p_created, p.value AS p_value
         FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
         WHERE l.rev > ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?`,
      ),
      maxRev: this.db.prepare<[], { rev: number | null }>("SELECT seq AS rev FROM sqlite_sequence WHERE name = 'log'"),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      setMeta: this.db.prepare<[string, number]>('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      // Rows superseded by a write in (from, to], and tombstones in (from, to]: what no read at a
      // revision >= to can see. Each batch looks only at its own new writes (index on key, rev).
      compactBatch: this.db.prepare<{ from: number; to: number }>(
        `DELETE FROM log WHERE rev IN (
           SELECT o.rev FROM log n JOIN log o ON o.key = n.key AND o.rev < n.rev
           WHERE n.rev > @from AND n.rev <= @to)
         OR (deleted = 1 AND rev > @from AND rev <= @to)`,
      ),
    };
    const rowBytes = opts.rowCacheBytes ?? 32 * 2 ** 20;
    this.rows =
      rowBytes > 0
        ? new LRUCache<string, KeyValue>({ maxSize: rowBytes, sizeCalculation: (kv) => Math.max(1, (kv.key.length + kv.value.length) * 2) })
        : undefined;
    this.revision = this.stmt.maxRev.get()?.rev ?? 0;
    this.compacted = this.stmt.getMeta.get('compact_rev')?.value ?? 0;
    this.hub = new WatchHub(opts.watchBufferSize ?? 10_000);
    const interval = opts.compactInterval ?? 5 * 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.autoCompact(), interval);
      this.timer.unref();
    }
  }

  private checkRevision(rev: number | undefined): number | undefined {
    if (!rev) return undefined;
    if (rev < this.compacted) throw new StorageError('Compacted', '', `required revision ${rev} has been compacted`, undefined, rev);
    if (rev > this.revision) throw new StorageError('FutureRevision', '', `required revision ${rev} is a future revision`, undefined, rev);
    return rev;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Unavailable', '', 'the store is closed');
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    this.ensureOpen();
    const at = this.checkRevision(opts?.revision);
    if (at === undefined || at === this.revision) {
      const cached = this.rows?.get(key);
      if (cached) return cached;
      const row = this.stmt.getCurrent.get(key);
      if (!row) return undefined;
      const kv = toKv(row);
      this.rows?.set(key, kv);
      return kv;
    }
    const row = this.stmt.getAt.get(key, at);
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const at = this.checkRevision(opts.revision) ?? this.revision;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const start = opts.after !== undefined && opts.after >= prefix ? opts.after : beforePrefix(prefix);
    const end = prefixEnd(prefix);
    const fetch = limit > 0 ? limit + 1 : -1;
    const rows = at === this.revision ? this.listCurrent(start, end, fetch) : this.stmt.listAt.all(start, end, at, fetch).map(toKv);
    const more = limit > 0 && rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    if (!more || opts.countRemaining === false) return { items, revision: at, more };
    const last = items[items.length - 1]?.key ?? start;
    const remaining = at === this.revision ? this.stmt.countCurrent.get(last, end)?.n : this.stmt.countAt.get(last, end, at)?.n;
    return { items, revision: at, more: true, ...(remaining !== undefined ? { remaining } : {}) };
  }

  /**
   * Current rows in a key range. With the row cache, keys and revisions are read first from the
   * index and the rows held in memory at those revisions are used as they are: a page of recently
   * read objects then costs no stored value read (it cost a sixth of a list of 500 that the
   * encoded-object cache answered). When most of the page is not held, one range read is cheaper
   * than a point read per row.
   */
  private listCurrent(start: string, end: string, fetch: number): KeyValue[] {
    const rows = this.rows;
    const full = () =>
      this.stmt.listCurrent.all(start, end, fetch).map((row) => {
        const kv = toKv(row);
        rows?.set(kv.key, kv);
        return kv;
      });
    if (!rows) return full();
    const revisions = this.stmt.listCurrentRevisions.all(start, end, fetch);
    const held = revisions.map(({ key, rev }) => {
      const kv = rows.get(key);
      return kv?.modRevision === rev ? kv : undefined;
    });
    const missing = held.filter((kv) => kv === undefined).length;
    if (missing > revisions.length / 4) return full();
    return revisions.map(({ key }, i) => {
      const kv = held[i];
      if (kv) return kv;
      const row = this.stmt.getCurrent.get(key);
      if (!row) throw new StorageError('Unavailable', key, `key ${key} vanished while it was listed`);
      const read = toKv(row);
      rows.set(key, read);
      return read;
    });
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    return this.stmt.countCurrent.get(beforePrefix(prefix), prefixEnd(prefix))?.n ?? 0;
  }

  private readonly createTx = (key: string, value: string): { kv: KeyValue } => {
    const cur = this.stmt.getCurrent.get(key);
    if (cur) throw new StorageError('KeyExists', key, `key ${key} already exists`, toKv(cur));
    const rev = this.revision + 1;
    this.stmt.insertLog.run(rev, key, rev, 0, 0, value);
    this.stmt.upsertCurrent.run(key, rev, rev, value);
    this.revision = rev;
    return { kv: { key, value, createRevision: rev, modRevision: rev } };
  };

  private readonly updateTx = (key: string, value: string, expected: number): { kv: KeyValue; prev: KeyValue } => {
    const cur = this.stmt.getCurrent.get(key);
    if (!cur) throw new StorageError('NotFound', key, `key ${key} not found`);
    if (cur.rev !== expected) throw new StorageError('Conflict', key, `key ${key} is at revision ${cur.rev}, not ${expected}`, toKv(cur));
    const rev = this.revision + 1;
    this.stmt.insertLog.run(rev, key, cur.created, 0, cur.rev, value);
    this.stmt.upsertCurrent.run(key, rev, cur.created, value);
    this.revision = rev;
    return { kv: { key, value, createRevision: cur.created, modRevision: rev }, prev: toKv(cur) };
  };

  private readonly deleteTx = (key: string, expected: number | undefined): { kv: KeyValue; prev: KeyValue } => {
    const cur = this.stmt.getCurrent.get(key);
    if (!cur) throw new StorageError('NotFound', key, `key ${key} not found`);
    if (expected !== undefined && cur.rev !== expected)
      throw new StorageError('Conflict', key, `key ${key} is at revision ${cur.rev}, not ${expected}`, toKv(cur));
    const rev = this.revision + 1;
    this.stmt.insertLog.run(rev, key, cur.created, 1, cur.rev, cur.value);
    this.stmt.deleteCurrent.run(key);
    this.revision = rev;
    return { kv: { key, value: cur.value, createRevision: cur.created, modRevision: rev }, prev: toKv(cur) };
  };

  /** Queues a write for the next group commit; resolves once it is durable. */
  private write(op: () => StorageEvent): Promise<KeyValue> {
    this.ensureOpen();
    return new Promise<KeyValue>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      // setImmediate runs after the I/O callbacks of this turn: every request read in it joins.
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const group = this.pending;
    this.pending = [];
    this.commitGroup(group);
  }

  /**
   * One IMMEDIATE transaction for a group of writes. A write whose check fails (exists, conflict,
   * not found) has written nothing and fails alone; any other failure undoes the whole group, with
   * the in-memory revision restored, and its writes are tried again one transaction each.
   */
  private commitGroup(group: readonly PendingWrite[]): void {
    if (group.length === 0) return;
    if (this.closed) {
      for (const w of group) w.reject(new StorageError('Unavailable', '', 'the store is closed'));
      return;
    }
    const before = this.revision;
    const outcomes: ({ event: StorageEvent } | { error: StorageError })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const w of group) {
            try {
              outcomes.push({ event: w.op() });
            } catch (e) {
              if (!(e instanceof StorageError)) throw e;
              outcomes.push({ error: e });
            }
          }
        })
        .immediate();
    } catch (e) {
      this.revision = before;
      if (group.length > 1) {
        // One write's failure (a value SQLite refuses) must not fail the others: each alone.
        for (const w of group) this.commitGroup([w]);
        return;
      }
      const failed = new StorageError('Unavailable', '', `storage write failed: ${(e as Error).message}`, undefined, undefined, { cause: e });
      for (const w of group) w.reject(failed);
      return;
    }
    group.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) return w.reject(new StorageError('Unavailable', '', 'storage write lost its outcome'));
      if ('error' in outcome) return w.reject(outcome.error);
      if (outcome.event.type === 'put') this.rows?.set(outcome.event.kv.key, outcome.event.kv);
      else this.rows?.delete(outcome.event.kv.key);
      this.hub.publish(outcome.event);
      w.resolve(outcome.event.kv);
    });
    try {
      this.opts.onCommit?.(outcomes.filter((o) => 'event' in o).length);
    } catch {
      // A metrics callback cannot undo a commit.
    }
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.write(() => ({ type: 'put', ...this.createTx(key, value) }));
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.write(() => ({ type: 'put', ...this.updateTx(key, value, expectedRevision) }));
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write(() => ({ type: 'delete', ...this.deleteTx(key, expectedRevision) }));
  }

  /** History rows after `rev` under a prefix, as events (prev from the row it replaced, if kept). */
  private historyAfter(prefix: string, rev: number): StorageEvent[] {
    return this.stmt.history.all(rev, prefix, prefixEnd(prefix), HISTORY_BATCH).map((r) => {
      const kv = toKv(r);
      const prev =
        r.p_rev !== null && r.p_value !== null ? { key: r.key, value: r.p_value, createRevision: r.p_created ?? r.created, modRevision: r.p_rev } : undefined;
      if (r.deleted) return { type: 'delete', kv, prev: prev ?? { ...kv, modRevision: r.prev_rev } } as const;
      return prev ? ({ type: 'put', kv, prev } as const) : ({ type: 'put', kv } as const);
    });
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    // From the present there is no history to replay: the hub's subscription itself, which can push.
    // (From a future revision the replay's filter is still needed.)
    if (!this.closed && afterRevision === this.revision && afterRevision >= this.compacted) return this.hub.subscribe(prefix, signal);
    return this.watchFromHistory(prefix, afterRevision, signal);
  }

  private async *watchFromHistory(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    this.ensureOpen();
    if (afterRevision < this.compacted)
      throw new StorageError('Compacted', prefix, `required revision ${afterRevision} has been compacted`, undefined, afterRevision);
    // Subscribe before reading history: live events buffer while history is replayed, and the
    // revision filter drops what history already delivered.
    const sub = this.hub.subscribe(prefix, signal);
    try {
      let last = afterRevision;
      for (;;) {
        if (signal.aborted) return;
        if (last < this.compacted) throw new StorageError('Compacted', prefix, `required revision ${last} has been compacted`, undefined, last);
        const batch = this.historyAfter(prefix, last);
        for (const ev of batch) {
          last = ev.kv.modRevision;
          yield ev;
        }
        if (batch.length < HISTORY_BATCH) break;
      }
      for await (const ev of sub) {
        if (ev.kv.modRevision <= last) continue;
        last = ev.kv.modRevision;
        yield ev;
      }
    } finally {
      sub.close();
    }
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    // Batches of revisions, each its own transaction, yielding to the event loop in between.
    for (let from = this.compacted; from < target && !this.closed; from += COMPACT_BATCH) {
      const to = Math.min(from + COMPACT_BATCH, target);
      this.db
        .transaction(() => {
          this.stmt.compactBatch.run({ from, to });
          this.stmt.setMeta.run('compact_rev', to);
        })
        .immediate();
      this.compacted = to;
      await new Promise((r) => setImmediate(r));
    }
  }

  private autoCompact(): void {
    const target = this.revision - (this.opts.compactMinRetain ?? 1000);
    if (target > this.compacted) void this.compact(target).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already asked for are committed, not dropped.
    this.commitPending();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.hub.closeAll();
    this.db.close();
  }
}

/** The greatest string smaller than every key starting with `prefix` (lower bound, exclusive). */
function beforePrefix(prefix: string): string {
  if (prefix.length === 0) return '';
  const last = prefix.charCodeAt(prefix.length - 1);
  return `${prefix.slice(0, -1)}${String.fromCharCode(last - 1)}\uffff`;
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}
