/**
 * In-process fan-out of committed events to watchers. Publishing never blocks the writer: each
 * subscriber has a bounded queue, and one that falls too far behind is dropped (its iterator throws
 * Unavailable and the client re-watches), as kine's broadcaster does.
 */
import { StorageError, type StorageEvent } from '../store.js';
import { drainSubscriber, type QueuedSubscriber } from '../subscriber-queue.js';

export interface Subscription extends AsyncIterable<StorageEvent> {
  close(): void;
}

interface Subscriber extends QueuedSubscriber {
  readonly prefix: string;
}

export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly bufferSize: number) {}

  get size(): number {
    return this.subscribers.size;
  }

  publish(ev: StorageEvent): void {
    for (const s of this.subscribers) {
      if (!ev.kv.key.startsWith(s.prefix)) continue;
      if (s.queue.length >= this.bufferSize) {
        s.dropped = true;
        this.subscribers.delete(s);
      } else {
        s.queue.push(ev);
      }
      s.wake?.();
    }
  }

  subscribe(prefix: string, signal: AbortSignal): Subscription {
    const sub: Subscriber = { prefix, queue: [], dropped: false, closed: false };
    this.subscribers.add(sub);
    const onAbort = () => sub.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    const close = () => {
      sub.closed = true;
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', onAbort);
      sub.wake?.();
    };
    const dropped = () => new StorageError('Unavailable', prefix, 'the watcher fell too far behind and was dropped');
    return { close, [Symbol.asyncIterator]: () => drainSubscriber(sub, signal, dropped, close) };
  }

  closeAll(): void {
    for (const s of [...this.subscribers]) {
      s.closed = true;
      this.subscribers.delete(s);
      s.wake?.();
    }
  }
}
