/**
 * One watcher's queue of events, as the SQLite store's hub and the watch cache both keep them:
 * the publisher pushes and wakes, the watcher drains in order, and a watcher that fell too far
 * behind (or whose source went away) is told so once its queue is empty.
 */
import type { StorageError, StorageEvent } from './store.js';

export interface QueuedSubscriber {
  readonly queue: StorageEvent[];
  dropped: boolean;
  closed: boolean;
  wake?: () => void;
}

/**
 * The subscriber's events until it is closed or `signal` aborts; `dropped` is thrown when it was
 * dropped. A plain iterator rather than an async generator: an event already queued is answered
 * at once, and a watch cache fans each event out to thousands of these.
 */
export function drainSubscriber(sub: QueuedSubscriber, signal: AbortSignal, dropped: () => StorageError, end: () => void): AsyncIterableIterator<StorageEvent> {
  let ended = false;
  const finish = () => {
    if (!ended) {
      ended = true;
      end();
    }
  };
  const done: IteratorResult<StorageEvent> = { value: undefined, done: true };
  const iterator: AsyncIterableIterator<StorageEvent> = {
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
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
