/**
 * The watch cache of one key prefix (one resource type): its current state, fed by one list and
 * one watch of the store underneath, and a window of its recent events from which watches are
 * served. Storage-agnostic: it knows keys, values and revisions, nothing of what they hold.
 *
 * The state is exact for every revision from the last event applied (`stateRevision`) up to
 * `validUntil`: a write elsewhere in the store moves the store's revision without touching this
 * prefix, and a check that nothing here changed (see CachedStore) extends validity without an
 * event. After a lost or compacted watch the cache rebuilds from a new list; until then it is not
 * ready and readers go to the store.
 */
import { StorageError, isStorageError, type KeyValue, type StorageEvent, type Store } from '../store.js';
import { drainSubscriber, offer, type QueuedSubscriber } from '../subscriber-queue.js';
import type { Pushable } from '../../util/sink.js';
import { SortedKeys } from './sorted-keys.js';

/** Objects per page of the cache's first list. */
const LIST_PAGE = 1_000;

export interface CacheObserver {
  /** A read answered from the cache (true) or passed to the store (false). */
  observeRead(prefix: string, hit: boolean): void;
  /** Objects held, events in the window, and how far the state trails the store's revision. */
  observeState(prefix: string, objects: number, windowEvents: number, lagRevisions: number): void;
  /** The cache rebuilt itself (its watch was lost or compacted). */
  observeRebuild(prefix: string, reason: string): void;
}

export interface PrefixCacheOptions {
  readonly prefix: string;
  readonly store: Store;
  /** Events kept at first; the window grows (to maxWindow) when it covers less than `windowSeconds`. */
  readonly initialWindow: number;
  readonly maxWindow: number;
  readonly windowSeconds: number;
  /** Events one watcher may fall behind before it is dropped (and re-watches). */
  readonly watcherBuffer: number;
  readonly observer?: CacheObserver;
}

interface WindowEntry {
  readonly event: StorageEvent;
  readonly at: number;
}

interface Subscriber extends QueuedSubscriber {
  readonly prefix: string;
  readonly after: number;
}

export class PrefixCache {
  readonly prefix: string;
  private readonly items = new Map<string, KeyValue>();
  private readonly keys = new SortedKeys();
  private window: WindowEntry[] = [];
  private windowCapacity: number;
  /** Events with a revision above this one are all in the window. */
  private windowStart = 0;
  private readonly subscribers = new Set<Subscriber>();
  private waiters: { revision: number; resolve: () => void }[] = [];
  private readyNow = false;
  private readyWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  /** Bumped on each rebuild: a validity check started before one does not apply after it. */
  generation = 0;
  /** Revision of the last change applied (or of the list the state came from). */
  stateRevision = 0;
  /** The state is known to be exact up to this revision. */
  validUntil = 0;

  constructor(private readonly o: PrefixCacheOptions) {
    this.prefix = o.prefix;
    this.windowCapacity = o.initialWindow;
  }

  get ready(): boolean {
    return this.readyNow;
  }

  get size(): number {
    return this.items.size;
  }

  /** Resolves once the first list has landed (or the cache is closed). */
  whenReady(): Promise<void> {
    if (this.readyNow || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  start(): void {
    void this.run();
  }

  close(): void {
    this.abort.abort();
    this.readyNow = false;
    for (const r of this.readyWaiters) r();
    this.readyWaiters = [];
    this.dropSubscribers();
    this.releaseWaiters();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let delay = 100;
    while (!signal.aborted) {
      try {
        const listed = await this.listAll();
        this.rebuild(listed.items, listed.revision);
        delay = 100;
        for await (const ev of this.o.store.watch(this.prefix, listed.revision, signal)) this.apply(ev);
        if (signal.aborted) return;
        throw new StorageError('Unavailable', this.prefix, 'the watch ended');
      } catch (err) {
        if (signal.aborted) return;
        const reason = isStorageError(err) ? err.code : 'error';
        this.o.observer?.observeRebuild(this.prefix, reason);
        // Not ready until rebuilt: no reader sees a state that may have missed events.
        this.readyNow = false;
        this.dropSubscribers();
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** The whole prefix at one revision, in pages: a large resource never arrives as one huge answer. */
  private async listAll(): Promise<{ items: KeyValue[]; revision: number }> {
    const items: KeyValue[] = [];
    let revision: number | undefined;
    let after: string | undefined;
    for (;;) {
      const page = await this.o.store.list(this.prefix, {
        limit: LIST_PAGE,
        countRemaining: false,
        ...(revision ? { revision } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      revision ??= page.revision;
      for (const kv of page.items) items.push(kv);
      if (!page.more || page.items.length === 0) return { items, revision };
      after = page.items[page.items.length - 1]?.key;
    }
  }

  private rebuild(items: readonly KeyValue[], revision: number): void {
    this.generation++;
    this.items.clear();
    for (const kv of items) this.items.set(kv.key, kv);
    this.keys.reset(this.items.keys());
    this.window = [];
    this.windowStart = revision;
    this.stateRevision = revision;
    this.validUntil = revision;
    this.readyNow = true;
    for (const r of this.readyWaiters) r();
    this.readyWaiters = [];
    this.releaseWaiters();
    this.report();
  }

  private apply(ev: StorageEvent): void {
    const rev = ev.kv.modRevision;
    if (ev.type === 'put') {
      if (!this.items.has(ev.kv.key)) this.keys.add(ev.kv.key);
      this.items.set(ev.kv.key, ev.kv);
    } else {
      this.items.delete(ev.kv.key);
      this.keys.remove(ev.kv.key);
    }
    this.stateRevision = rev;
    if (rev > this.validUntil) this.validUntil = rev;
    this.remember(ev);
    for (const s of this.subscribers) this.deliver(s, ev);
    this.releaseWaiters();
  }

  /** Keeps the event in the window, which grows while it covers less than windowSeconds. */
  private remember(ev: StorageEvent): void {
    const now = Date.now();
    this.window.push({ event: ev, at: now });
    while (this.window.length > this.windowCapacity) {
      const oldest = this.window[0] as WindowEntry;
      if (now - oldest.at < this.o.windowSeconds * 1000 && this.windowCapacity < this.o.maxWindow) {
        this.windowCapacity = Math.min(this.o.maxWindow, this.windowCapacity * 2);
        continue;
      }
      this.window.shift();
      this.windowStart = oldest.event.kv.modRevision;
    }
  }

  private deliver(s: Subscriber, ev: StorageEvent): void {
    if (ev.kv.modRevision <= s.after || !ev.kv.key.startsWith(s.prefix)) return;
    if (!offer(s, ev, this.o.watcherBuffer)) this.subscribers.delete(s);
  }

  private dropSubscribers(): void {
    for (const s of this.subscribers) {
      s.dropped = true;
      s.wake?.();
    }
    this.subscribers.clear();
  }

  private releaseWaiters(): void {
    const ready = this.readyNow;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (!ready || this.abort.signal.aborted || w.revision <= this.validUntil) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /**
   * Resolves true once the state is exact at `revision` (false if the cache stopped being ready,
   * or `timeoutMs` passed first).
   */
  async reach(revision: number, timeoutMs: number): Promise<boolean> {
    if (!this.readyNow) return false;
    if (revision <= this.validUntil) return true;
    let timer: NodeJS.Timeout | undefined;
    const waiter = { revision, resolve: () => {} };
    await new Promise<void>((resolve) => {
      waiter.resolve = resolve;
      this.waiters.push(waiter);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
    return this.readyNow && revision <= this.validUntil;
  }

  /** Records that nothing under the prefix changed up to `revision`, as checked when the state was `generation`/`stateRevision`. */
  extendValidity(generation: number, stateRevision: number, revision: number): void {
    if (generation !== this.generation || stateRevision !== this.stateRevision) return;
    if (revision > this.validUntil) {
      this.validUntil = revision;
      this.releaseWaiters();
    }
  }

  /** Whether a read as of `revision` can be answered from the state. */
  servesRevision(revision: number): boolean {
    return this.readyNow && revision >= this.stateRevision && revision <= this.validUntil;
  }

  get(key: string): KeyValue | undefined {
    return this.items.get(key);
  }

  list(prefix: string, after: string | undefined, limit: number): { items: KeyValue[]; more: boolean; remaining: number } {
    const start = after !== undefined && after >= prefix ? this.keys.lowerBound(`${after}\u0000`) : this.keys.lowerBound(prefix);
    const end = this.keys.prefixEnd(prefix);
    const stop = limit > 0 ? Math.min(end, start + limit) : end;
    const items: KeyValue[] = [];
    for (let i = start; i < stop; i++) items.push(this.items.get(this.keys.at(i) as string) as KeyValue);
    return { items, more: stop < end, remaining: Math.max(0, end - stop) };
  }

  count(prefix: string): number {
    return this.keys.prefixEnd(prefix) - this.keys.lowerBound(prefix);
  }

  /**
   * A watch of keys under `prefix` (within this cache's) for events after `after`; undefined when
   * the window no longer reaches back that far (the caller asks the store instead).
   */
  watch(prefix: string, after: number, signal: AbortSignal): Pushable<StorageEvent> | undefined {
    if (!this.readyNow || after < this.windowStart) return undefined;
    const sub: Subscriber = { prefix, after, queue: [], dropped: false, closed: false };
    // The window's events after `after`, then live ones: registered in the same turn, so none is lost or repeated.
    for (const { event } of this.window) if (event.kv.modRevision > after && event.kv.key.startsWith(prefix)) sub.queue.push(event);
    this.subscribers.add(sub);
    const subscribers = this.subscribers;
    const label = this.prefix;
    // An abort ends the subscription even when nobody is reading it.
    const end = () => {
      sub.closed = true;
      subscribers.delete(sub);
      signal.removeEventListener('abort', end);
      sub.wake?.();
    };
    signal.addEventListener('abort', end, { once: true });
    if (signal.aborted) end();
    const dropped = () => new StorageError('Unavailable', label, 'the watcher fell too far behind, or the watch cache is rebuilding');
    const drain = drainSubscriber(sub, signal, dropped, end);
    return { pushTo: (sink) => drain.pushTo(sink), [Symbol.asyncIterator]: () => drain };
  }

  report(lagRevisions = 0): void {
    this.o.observer?.observeState(this.prefix, this.items.size, this.window.length, lagRevisions);
  }
}
