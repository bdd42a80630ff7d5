/**
 * Where a watch's events go as they happen. A watch is produced into a sink rather than pulled
 * from an iterator so that a live event reaches thousands of watchers in one synchronous pass (see
 * util/sink.ts); producers that read pages or a store without push wait for the sink to drain.
 */
import type { WatchEvent } from './resource-store.js';

export interface WatchSink<T> {
  /** Takes one event, in order. */
  event(ev: WatchEvent<T>): void;
  /** The consumer holds as much as it wants: a producer that can wait, waits for `drained()`. */
  readonly saturated: boolean;
  /** The consumer fell so far behind that a producer that cannot wait (a live feed) ends the watch. */
  readonly overwhelmed: boolean;
  /** Resolves once the consumer is no longer saturated (or has gone). */
  drained(): Promise<void>;
}

/** Produces a watch into a sink; resolves when it ends, rejects with what ended it otherwise. */
export type WatchProducer<T> = (sink: WatchSink<T>, signal: AbortSignal) => Promise<void>;

/** Events an iterating consumer may let pile up before a live producer drops it, as a store's watch queue does. */
const ITERATOR_BUFFER = 10_000;
/** Events queued before a producer that can wait does. */
const ITERATOR_SATURATED = 64;

/**
 * A produced watch as an async iterator, for consumers that pull (controllers, handlers that
 * transform events). Leaving the loop stops the producer.
 */
export async function* iterateWatch<T>(produce: WatchProducer<T>, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
  const stop = new AbortController();
  const stopNow = () => stop.abort();
  signal.addEventListener('abort', stopNow, { once: true });
  // An abort that came first fires no event.
  if (signal.aborted) stop.abort();
  const queue: WatchEvent<T>[] = [];
  let wake: (() => void) | undefined;
  let drainWaiters: (() => void)[] = [];
  let outcome: { failed: false } | { failed: true; error: unknown } | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const release = () => {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const r of waiters) r();
  };
  const sink: WatchSink<T> = {
    event(ev) {
      if (stop.signal.aborted) return;
      queue.push(ev);
      poke();
    },
    get saturated() {
      return queue.length >= ITERATOR_SATURATED;
    },
    get overwhelmed() {
      return stop.signal.aborted || queue.length >= ITERATOR_BUFFER;
    },
    drained: () => (stop.signal.aborted || queue.length < ITERATOR_SATURATED ? Promise.resolve() : new Promise((r) => drainWaiters.push(r))),
  };
  stop.signal.addEventListener(
    'abort',
    () => {
      release();
      poke();
    },
    { once: true },
  );
  produce(sink, stop.signal).then(
    () => {
      outcome = { failed: false };
      poke();
    },
    (error: unknown) => {
      outcome = { failed: true, error };
      poke();
    },
  );
  try {
    for (;;) {
      const ev = queue.shift();
      if (ev) {
        if (queue.length < ITERATOR_SATURATED) release();
        yield ev;
        continue;
      }
      if (outcome) {
        if (outcome.failed) throw outcome.error;
        return;
      }
      if (stop.signal.aborted) return;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    signal.removeEventListener('abort', stopNow);
    stop.abort();
  }
}

/** Feeds an iterated watch into a sink, waiting while the sink is saturated. */
export async function pumpWatch<T>(events: AsyncIterable<WatchEvent<T>>, sink: WatchSink<T>): Promise<void> {
  for await (const ev of events) {
    sink.event(ev);
    if (sink.saturated) await sink.drained();
  }
}
