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

/** The subscriber's events until it is closed or `signal` aborts; `dropped` is thrown when it was dropped. */
export async function* drainSubscriber(sub: QueuedSubscriber, signal: AbortSignal, dropped: () => StorageError, end: () => void): AsyncGenerator<StorageEvent> {
  try {
    for (;;) {
      const ev = sub.queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (sub.dropped) throw dropped();
      if (sub.closed || signal.aborted) return;
      await new Promise<void>((resolve) => (sub.wake = resolve));
      sub.wake = undefined;
    }
  } finally {
    end();
  }
}
