/**
 * The Store on an etcd v3 cluster, shaped after kube-apiserver's etcd3 storage: a create is a
 * transaction on `create_revision == 0`, an update or a conditional delete one on `mod_revision`,
 * resource versions are etcd revisions, and a watch is an etcd watch from `afterRevision + 1` with
 * previous values. Several server replicas may share one cluster: every compare-and-swap is decided
 * by etcd, and compaction is claimed through a compare-and-swap on a bookkeeping key so that one
 * replica, not each of them, compacts a given revision.
 *
 * Keys are stored under `prefix` (`--etcd-prefix`); every key of the Store interface starts with
 * `/`, and the bookkeeping key lives beside that key space (`<prefix>#compact_rev_key`), so no list
 * ever sees it.
 */
import { Etcd3 } from 'etcd3';
import type { IKeyValue, IRangeRequest, IResponseHeader } from 'etcd3/lib/rpc.js';
import { StorageError, type KeyValue, type ListOptions, type ListResult, type LastWrite, type StorageEvent, type Store } from '../store.js';
import { etcdClientOptions, toStorageError, type EtcdConnection } from './etcd-client.js';
import { watchEtcd } from './etcd-watch.js';

export interface EtcdStoreOptions extends EtcdConnection {
  /** Key prefix of this server's data in etcd (kube-apiserver's `--etcd-prefix`). */
  readonly prefix?: string;
  /** Milliseconds between automatic compactions; 0 disables them. */
  readonly compactInterval?: number;
  /** Revisions automatic compaction always keeps. */
  readonly compactMinRetain?: number;
  /** Events a watcher may fall behind before it is dropped. */
  readonly watchBufferSize?: number;
  /**
   * Largest request etcd accepts (its `--max-request-bytes`, 1.5 MiB by default). Larger writes are
   * refused here: sent, the client would count etcd's refusals as a failing member and stop using
   * the cluster for a while, so one oversized object would make the whole server unavailable.
   */
  readonly maxRequestBytes?: number;
  /** An existing client, shared with other users of the connection (leader election). */
  readonly client?: Etcd3;
  /** Whether close() closes the client (default: only a client the store created). */
  readonly ownsClient?: boolean;
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0xff) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly compactKey: Buffer;
  private readonly timer: NodeJS.Timeout | undefined;
  private compacted = 0;
  private closed = false;
  private readonly watches = new Set<AbortController>();
  private readonly cancellations = new Set<Promise<void>>();
  /** Prefixes whose writes record their revision (trackWrites). */
  private readonly tracked: string[] = [];

  constructor(private readonly opts: EtcdStoreOptions) {
    this.client = opts.client ?? new Etcd3(etcdClientOptions(opts));
    this.ownsClient = opts.ownsClient ?? !opts.client;
    this.prefix = (opts.prefix ?? '/registry').replace(/\/+$/, '');
    this.compactKey = enc(`${this.prefix}#compact_rev_key`);
    const interval = opts.compactInterval ?? 5 * 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.autoCompact(), interval);
      this.timer.unref();
    }
  }

  private full(key: string): Buffer {
    return enc(this.prefix + key);
  }

  private toKv(kv: IKeyValue, modRevision?: number): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.prefix.length),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: modRevision ?? Number(kv.mod_revision),
    };
  }

  /** Every call goes through here: closed stores refuse, etcd errors become StorageErrors. */
  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('Unavailable', key, 'the store is closed');
    try {
      return await fn();
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  private range(req: IRangeRequest, key: string) {
    return this.call(key, () => this.client.kv.range(req));
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    const res = await this.range({ key: this.full(key), ...(opts?.revision ? { revision: opts.revision } : {}) }, key);
    const kv = res.kvs[0];
    return kv ? this.toKv(kv) : undefined;
  }

  private bounds(prefix: string): { start: Buffer; end: Buffer } {
    const start = this.full(prefix === '' ? '/' : prefix);
    return { start, end: prefixRangeEnd(start) };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const { start, end } = this.bounds(prefix);
    const from = opts.after !== undefined && opts.after >= prefix ? Buffer.concat([this.full(opts.after), Buffer.from([0])]) : start;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res = await this.range({ key: from, range_end: end, ...(limit ? { limit } : {}), ...(opts.revision ? { revision: opts.revision } : {}) }, prefix);
    const items = res.kvs.map((kv) => this.toKv(kv));
    const revision = opts.revision || Number(res.header.revision);
    if (!res.more) return { items, revision, more: false };
    return { items, revision, more: true, remaining: Number(res.count) - items.length };
  }

  async count(prefix: string): Promise<number> {
    const { start, end } = this.bounds(prefix);
    const res = await this.range({ key: start, range_end: end, count_only: true }, prefix);
    return Number(res.count);
  }

  private checkSize(key: string, value: string): void {
    // A transaction carries the key twice (compare and put) plus framing.
    const size = Buffer.byteLength(value) + 2 * Buffer.byteLength(this.prefix + key) + 256;
    const limit = this.opts.maxRequestBytes ?? 1.5 * 1024 * 1024;
    if (size > limit) throw new StorageError('TooLarge', key, `etcdserver: request is too large (${size} bytes, the limit is ${limit})`);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkSize(key, value);
    const k = this.full(key);
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: enc(value) } }, ...this.marker(key)],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      throw new StorageError('KeyExists', key, `key ${key} already exists`, cur ? this.toKv(cur) : undefined);
    }
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.checkSize(key, value);
    const k = this.full(key);
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: { key: k, value: enc(value), prev_kv: true } }, ...this.marker(key)],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.failure(key, res.responses[0]?.response_range.kvs[0], expectedRevision);
    const prev = res.responses[0]?.response_put.prev_kv;
    // A key absent when compared has mod_revision 0, so `expectedRevision` > 0 guarantees prev.
    const created = prev ? Number(prev.create_revision) : Number(res.header.revision);
    return { key, value, createRevision: created, modRevision: Number(res.header.revision) };
  }

  private failure(key: string, cur: IKeyValue | undefined, expected: number): StorageError {
    if (!cur) return new StorageError('NotFound', key, `key ${key} not found`);
    const kv = this.toKv(cur);
    return new StorageError('Conflict', key, `key ${key} is at revision ${kv.modRevision}, not ${expected}`, kv);
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = this.full(key);
    const compare =
      expectedRevision === undefined
        ? { key: k, target: 'Version' as const, result: 'Greater' as const, version: 0 }
        : { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision };
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [compare],
        success: [{ request_delete_range: { key: k, prev_kv: true } }, ...this.marker(key)],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.failure(key, res.responses[0]?.response_range.kvs[0], expectedRevision ?? 0);
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) throw new StorageError('NotFound', key, `key ${key} not found`);
    return this.toKv(prev, Number(res.header.revision));
  }

  async *watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    if (this.closed) throw new StorageError('Unavailable', prefix, 'the store is closed');
    const compacted = await this.compactedRevision();
    if (afterRevision < compacted)
      throw new StorageError('Compacted', prefix, `required revision ${afterRevision} has been compacted`, undefined, afterRevision);
    // Closing the store ends its watches as SQLite's does: the local abort joins the caller's.
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) local.abort();
    this.watches.add(local);
    try {
      const { start, end } = this.bounds(prefix);
      yield* watchEtcd({
        client: this.client,
        start,
        end,
        afterRevision,
        signal: local.signal,
        bufferSize: this.opts.watchBufferSize ?? 10_000,
        toKv: (kv, rev) => this.toKv(kv, rev),
        label: prefix,
        onCancel: (p) => {
          this.cancellations.add(p);
          void p.finally(() => this.cancellations.delete(p));
        },
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watches.delete(local);
    }
  }

  trackWrites(prefixes: readonly string[]): void {
    for (const p of prefixes) if (!this.tracked.includes(p)) this.tracked.push(p);
  }

  /** Beside the key space (`<prefix>#lastwrite<tracked prefix>`): no list or watch of objects sees it. */
  private markerKey(trackedPrefix: string): Buffer {
    return enc(`${this.prefix}#lastwrite${trackedPrefix}`);
  }

  /** The put that records a write to `key` as its tracked prefix's last, in the write's own transaction. */
  private marker(key: string): { request_put: { key: Buffer; value: Buffer } }[] {
    const tracked = this.tracked.find((p) => key.startsWith(p));
    return tracked ? [{ request_put: { key: this.markerKey(tracked), value: Buffer.alloc(0) } }] : [];
  }

  async lastWrite(prefix: string): Promise<LastWrite> {
    const res = await this.range({ key: this.markerKey(prefix), keys_only: true }, prefix);
    return { revision: Number(res.header.revision), lastWrite: Number(res.kvs[0]?.mod_revision ?? 0) };
  }

  private header(): Promise<IResponseHeader> {
    return this.range({ key: this.compactKey }, '').then((r) => r.header);
  }

  async currentRevision(): Promise<number> {
    return Number((await this.header()).revision);
  }

  /** The compaction other replicas recorded, learnt from the bookkeeping key. */
  async compactedRevision(): Promise<number> {
    const res = await this.range({ key: this.compactKey }, '');
    const recorded = Number(res.kvs[0]?.value.toString('utf8') ?? '0');
    if (Number.isFinite(recorded) && recorded > this.compacted) this.compacted = recorded;
    return this.compacted;
  }

  /**
   * Claims `revision` on the bookkeeping key first (compare-and-swap on its version), then compacts
   * etcd. A replica that loses the claim leaves the compaction to the one that won it.
   */
  async compact(revision: number): Promise<void> {
    const res = await this.range({ key: this.compactKey }, '');
    const current = Number(res.header.revision);
    const target = Math.min(revision, current);
    const kv = res.kvs[0];
    const recorded = Number(kv?.value.toString('utf8') ?? '0');
    if (target <= recorded) {
      this.compacted = Math.max(this.compacted, recorded);
      return;
    }
    const claim = await this.call('', () =>
      this.client.kv.txn({
        compare: [{ key: this.compactKey, target: 'Version', result: 'Equal', version: kv ? Number(kv.version) : 0 }],
        success: [{ request_put: { key: this.compactKey, value: enc(String(target)) } }],
      }),
    );
    if (!claim.succeeded) return;
    try {
      await this.call('', () => this.client.kv.compact({ revision: target }));
    } catch (err) {
      // Someone compacted further already (etcd's own auto-compaction, an operator): that is fine.
      if (!(err instanceof StorageError && err.code === 'Compacted')) throw err;
    }
    this.compacted = Math.max(this.compacted, target);
  }

  private async autoCompact(): Promise<void> {
    try {
      const target = (await this.currentRevision()) - (this.opts.compactMinRetain ?? 1000);
      if (target > 0) await this.compact(target);
    } catch {
      // etcd unreachable: the next interval tries again.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watches) w.abort();
    // Watches must be gone from the client before it closes, or it keeps trying to re-establish them.
    await Promise.race([Promise.all(this.cancellations), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (this.ownsClient) this.client.close();
  }
}

export function openEtcdStore(opts: EtcdStoreOptions): EtcdStore {
  return new EtcdStore(opts);
}
