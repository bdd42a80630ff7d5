/**
 * A Store with a watch cache in front, modelled on kube-apiserver's cacher: per cached prefix
 * (one per resource type) one list and one watch of the store underneath, reads and watches
 * served from memory. Reads stay linearizable: a read without a revision asks the store, in one
 * round trip shared by the reads that arrive together, what changed under the prefix since the
 * cache's state; when nothing did the state is exact at the store's current revision, and when
 * something did the read waits for the watch to bring it. A write answers once the cache has seen
 * it, so a client that reads after its own write sees it. What the cache cannot answer (an older
 * revision, a watch from before its window, a prefix it does not hold, a cache that is rebuilding)
 * goes to the store as before.
 */
import { StorageError, type KeyValue, type LastWrite, type ListOptions, type ListResult, type StorageEvent, type Store } from '../store.js';
import { type CacheObserver, PrefixCache } from './prefix-cache.js';

export interface CachedStoreOptions {
  /** Events kept per prefix at first, and at most; the window grows while it covers less than windowSeconds. */
  readonly initialWindow?: number;
  readonly maxWindow?: number;
  readonly windowSeconds?: number;
  readonly watcherBuffer?: number;
  /** How long a write waits for its event before answering anyway. */
  readonly writeWaitMs?: number;
  readonly observer?: CacheObserver;
}

/** How long a watch waits for a listing cache before it goes to the store instead. */
const READY_WAIT_MS = 60_000;

function waitReady(cache: PrefixCache, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void cache.whenReady().then(done);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** How long a read waits for the watch to bring a write it learnt of, before it reads the store instead. */
const EVENT_WAIT_MS = 1_000;

/** A last-write read not sent yet, and the reads waiting for it. */
interface PendingCheck {
  readonly promise: Promise<LastWrite>;
  readonly resolve: (r: LastWrite) => void;
  readonly reject: (err: unknown) => void;
}

function pendingCheck(): PendingCheck {
  const settle: { resolve?: (r: LastWrite) => void; reject?: (err: unknown) => void } = {};
  const promise = new Promise<LastWrite>((resolve, reject) => Object.assign(settle, { resolve, reject }));
  return { promise, resolve: (r) => settle.resolve?.(r), reject: (err) => settle.reject?.(err) };
}

/**
 * Last-write reads in flight per prefix. One alone leaves gets waiting a round trip and a half on
 * average, two overlap them (etcd get +35% against one in the backends load); more added nothing.
 */
const MAX_CHECKS_IN_FLIGHT = 2;

interface CheckState {
  inFlight: number;
  /** A send is scheduled for the end of this turn of the event loop. */
  scheduled: boolean;
  next?: PendingCheck;
}

export type CacheableStore = Store & Required<Pick<Store, 'lastWrite' | 'trackWrites'>>;

export class CachedStore implements Store {
  private readonly caches: PrefixCache[] = [];
  /** Per prefix, the last-write reads in flight and the one the reads arriving meanwhile wait for. */
  private readonly checks = new Map<PrefixCache, CheckState>();

  constructor(
    private readonly inner: CacheableStore,
    private readonly o: CachedStoreOptions = {},
  ) {}

  /**
   * Starts caching these prefixes (one per resource type), each with its initial window if given;
   * a prefix inside another is left to it.
   */
  start(prefixes: readonly (string | { prefix: string; initialWindow: number })[]): void {
    // Tracked before the first list, so no write the list misses goes unrecorded.
    this.inner.trackWrites(prefixes.map((e) => (typeof e === 'string' ? e : e.prefix)));
    for (const entry of prefixes) {
      const prefix = typeof entry === 'string' ? entry : entry.prefix;
      const initialWindow = typeof entry === 'string' ? undefined : entry.initialWindow;
      if (this.caches.some((c) => prefix.startsWith(c.prefix) || c.prefix.startsWith(prefix))) continue;
      const cache = new PrefixCache({
        prefix,
        store: this.inner,
        initialWindow: initialWindow ?? this.o.initialWindow ?? 1_000,
        maxWindow: this.o.maxWindow ?? 100_000,
        windowSeconds: this.o.windowSeconds ?? 75,
        watcherBuffer: this.o.watcherBuffer ?? 10_000,
        ...(this.o.observer ? { observer: this.o.observer } : {}),
      });
      this.caches.push(cache);
      cache.start();
    }
  }

  /** True once every cache has its first list. */
  ready(): boolean {
    return this.caches.every((c) => c.ready);
  }

  whenReady(): Promise<void> {
    return Promise.all(this.caches.map((c) => c.whenReady())).then(() => undefined);
  }

  private cacheFor(keyOrPrefix: string): PrefixCache | undefined {
    return this.caches.find((c) => keyOrPrefix.startsWith(c.prefix));
  }

  /**
   * The prefix's last write, read once for all the reads waiting for it. A read joins the request
   * that has not been sent yet, never one already in flight (that one may have been answered before
   * the read began, and so miss a write acknowledged just before it). The request goes out once this
   * turn of the event loop has seen every read that arrived in it (setImmediate), or, with
   * MAX_CHECKS_IN_FLIGHT already out, as soon as one of them is answered: under load each carries
   * every read that arrived while it waited.
   */
  private check(cache: PrefixCache): Promise<LastWrite> {
    let state = this.checks.get(cache);
    if (!state) {
      state = { inFlight: 0, scheduled: false };
      this.checks.set(cache, state);
    }
    if (state.next) return state.next.promise;
    state.next = pendingCheck();
    if (state.inFlight < MAX_CHECKS_IN_FLIGHT && !state.scheduled) {
      const s = state;
      s.scheduled = true;
      setImmediate(() => {
        s.scheduled = false;
        this.sendCheck(cache, s);
      });
    }
    return state.next.promise;
  }

  private sendCheck(cache: PrefixCache, state: CheckState): void {
    const next = state.next;
    if (state.inFlight >= MAX_CHECKS_IN_FLIGHT || !next) return;
    state.next = undefined;
    state.inFlight++;
    const done = () => {
      state.inFlight--;
      this.sendCheck(cache, state);
    };
    this.inner.lastWrite(cache.prefix).then(
      (r) => {
        next.resolve(r);
        done();
      },
      (err: unknown) => {
        next.reject(err);
        done();
      },
    );
  }

  /**
   * Makes the cache exact at the store's current revision (or at least `minRevision`); false
   * when it cannot, and the read goes to the store. Every write under a cached prefix records its
   * revision as the prefix's last write: once the cache holds that write, nothing it lacks was
   * written before the current revision.
   */
  private async fresh(cache: PrefixCache, minRevision: number | undefined): Promise<boolean> {
    if (!cache.ready) return false;
    if (minRevision !== undefined) return minRevision <= cache.validUntil || cache.reach(minRevision, EVENT_WAIT_MS);
    const { revision, lastWrite } = await this.check(cache);
    if (revision <= cache.validUntil) return cache.ready;
    if (cache.stateRevision < lastWrite && !(await cache.reach(lastWrite, EVENT_WAIT_MS))) return false;
    cache.extendValidity(cache.generation, cache.stateRevision, revision);
    return cache.ready && revision <= cache.validUntil;
  }

  private hit(cache: PrefixCache, yes: boolean): void {
    this.o.observer?.observeRead(cache.prefix, yes);
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    const cache = this.cacheFor(key);
    if (cache) {
      const usable = opts?.revision ? cache.servesRevision(opts.revision) : await this.fresh(cache, undefined);
      this.hit(cache, usable);
      if (usable) return cache.get(key);
    }
    return this.inner.get(key, opts);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const cache = this.cacheFor(prefix);
    if (cache) {
      const usable = opts.revision ? cache.servesRevision(opts.revision) : await this.fresh(cache, opts.minRevision);
      this.hit(cache, usable);
      if (usable) {
        const revision = opts.revision || cache.validUntil;
        const page = cache.list(prefix, opts.after, opts.limit ?? 0);
        return page.more ? { items: page.items, revision, more: true, remaining: page.remaining } : { items: page.items, revision, more: false };
      }
    }
    return this.inner.list(prefix, opts);
  }

  async count(prefix: string): Promise<number> {
    const cache = this.cacheFor(prefix);
    if (cache && (await this.fresh(cache, undefined))) return cache.count(prefix);
    return this.inner.count(prefix);
  }

  /** A write answers once the cache has its event (or a while has passed, the cache being behind). */
  private async seen(kv: KeyValue): Promise<KeyValue> {
    const cache = this.cacheFor(kv.key);
    if (cache?.ready) await cache.reach(kv.modRevision, this.o.writeWaitMs ?? 5_000);
    return kv;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.seen(await this.inner.create(key, value));
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.seen(await this.inner.update(key, value, expectedRevision));
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.seen(await this.inner.delete(key, expectedRevision));
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    const cache = this.cacheFor(prefix);
    // The common case, a watch from the cache's present, is the cache's own iterator: no generator
    // around it, since every layer costs each watcher each event.
    if (cache?.ready && afterRevision >= cache.stateRevision) {
      const live = cache.watch(prefix, afterRevision, signal);
      if (live) return live;
    }
    return this.watchSlowly(cache, prefix, afterRevision, signal);
  }

  private async *watchSlowly(cache: PrefixCache | undefined, prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent> {
    // A replay from the window answers 410 where the store would: history the store has compacted.
    if (cache?.ready && afterRevision < cache.stateRevision) {
      const compacted = await this.inner.compactedRevision();
      if (afterRevision < compacted)
        throw new StorageError('Compacted', prefix, `required revision ${afterRevision} has been compacted`, undefined, afterRevision);
    }
    // A cache still listing (at start-up, or rebuilding) is waited for: a watch sent to etcd now would stay there for good.
    if (cache && !cache.ready) await waitReady(cache, signal, READY_WAIT_MS);
    const fromCache = cache?.watch(prefix, afterRevision, signal);
    // Older than the window, or the cache is rebuilding: the store answers (events, or 410 when compacted).
    yield* fromCache ?? this.inner.watch(prefix, afterRevision, signal);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  trackWrites(prefixes: readonly string[]): void {
    this.inner.trackWrites(prefixes);
  }

  lastWrite(prefix: string): Promise<LastWrite> {
    return this.inner.lastWrite(prefix);
  }

  /** How far each cache's state trails the store, for metrics. */
  async reportLag(): Promise<void> {
    const current = await this.inner.currentRevision();
    for (const c of this.caches) c.report(c.ready ? Math.max(0, current - c.validUntil) : current);
  }

  async close(): Promise<void> {
    for (const c of this.caches) c.close();
    await this.inner.close();
  }
}
