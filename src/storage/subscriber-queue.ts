/**
 * One watcher's queue of events, as the SQLite store's hub and the watch cache both keep them:
 * the publisher offers each event, the watcher drains in order, and a watcher that fell too far
 * behind (or whose source went away) is told so once its queue is empty. A watcher may instead
 * take its events pushed to a sink, in the publisher's own call: then nothing is queued.
 */
import type { Sink, Pushable } from '../util/sink.js';
import type { StorageError, StorageEvent } from './store.js';

export interface QueuedSubscriber {
  readonly queue: StorageEvent[];
  dropped: boolean;
  closed: boolean;
  wake?: () => void;
  /** Set once the watcher takes its events pushed. */
  sink?: Sink<StorageEvent>;
  /** What its sink threw, ending the watch. */
  failure?: { readonly error: unknown };
}

/**
 * Hands `ev` to the subscriber: pushed to its sink, or queued. False when the subscriber is dropped
 * (its queue held `limit` events already, or its sink failed): the publisher forgets it.
 */
export function offer(sub: QueuedSubscriber, ev: StorageEvent, limit: number): boolean {
  if (sub.sink) {
    try {
      sub.sink.push(ev);
      return true;
    } catch (error) {
      // A consumer's failure must not reach the publisher, which serves every other watcher too.
      sub.failure = { error };
      sub.wake?.();
      return false;
    }
  }
  if (sub.queue.length >= limit) {
    sub.dropped = true;
    sub.wake?.();
    return false;
  }
  sub.queue.push(ev);
  sub.wake?.();
  return true;
}

/**
 * The subscriber's events until it is closed or `signal` aborts; `dropped` is thrown when it was
 * dropped. A plain iterator rather than an async generator: an event already queued is answered
 * at once, and a watch cache fans each event out to thousands of these.
 */
export function drainSubscriber(
  sub: QueuedSubscriber,
  signal: AbortSignal,
  dropped: () => StorageError,
  end: () => void,
): Pushable<StorageEvent> & AsyncIterableIterator<StorageEvent> {
  let ended = false;
  const finish = () => {
    if (!ended) {
      ended = true;
      end();
    }
  };
  const done: IteratorResult<StorageEvent> = { value: undefined, done: true };
  const iterator: Pushable<StorageEvent> & AsyncIterableIterator<StorageEvent> = {
    next(): Promise<IteratorResult<StorageEvent>> {
      const ev = sub.queue.shift();
      if (ev) return Promise.resolve({ value: ev, done: false });
      if (ended) return Promise.resolve(done);
      if (sub.dropped) {
        finish();
        return Promise.reject(dropped());
      }
      if (sub.closed || signal.aborted) {
        finish();
        return Promise.resolve(done);
      }
      return new Promise((resolve, reject) => {
        sub.wake = () => {
          sub.wake = undefined;
          iterator.next().then(resolve, reject);
        };
      });
    },
    return(): Promise<IteratorResult<StorageEvent>> {
      finish();
      return Promise.resolve(done);
    },
    pushTo(sink: Sink<StorageEvent>): void {
      let settled = false;
      const settle = () => {
        if (settled || !(sub.failure || sub.dropped || sub.closed || signal.aborted)) return;
        settled = true;
        sub.sink = undefined;
        sub.wake = undefined;
        finish();
        sink.end(sub.failure ? sub.failure.error : sub.dropped ? dropped() : undefined);
      };
      if (ended) {
        settled = true;
        sink.end();
        return;
      }
      sub.sink = sink;
      sub.wake = settle;
      try {
        for (let ev = sub.queue.shift(); ev; ev = sub.queue.shift()) sink.push(ev);
      } catch (error) {
        sub.failure = { error };
      }
      settle();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
