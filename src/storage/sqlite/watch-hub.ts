/**
 * In-process fan-out of committed events to watchers. Publishing never blocks the writer: each
 * subscriber has a bounded queue, and one that falls too far behind is dropped (its iterator throws
 * Unavailable and the client re-watches), as kine's broadcaster does.
 */
import type { Pushable } from '../../util/sink.js';
import { StorageError, type StorageEvent } from '../store.js';
import { drainSubscriber, offer, type QueuedSubscriber } from '../subscriber-queue.js';

export interface Subscription extends Pushable<StorageEvent> {
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
      if (ev.kv.key.startsWith(s.prefix) && !offer(s, ev, this.bufferSize)) this.subscribers.delete(s);
    }
  }

  subscribe(prefix: string, signal: AbortSignal): Subscription {
    const sub: Subscriber = { prefix, queue: [], dropped: false, closed: false };
    this.subscribers.add(sub);
    // An abort closes the subscription even when nobody is reading it.
    const close = () => {
      sub.closed = true;
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', close);
      sub.wake?.();
    };
    signal.addEventListener('abort', close, { once: true });
    if (signal.aborted) close();
    const dropped = () => new StorageError('Unavailable', prefix, 'the watcher fell too far behind and was dropped');
    const drain = drainSubscriber(sub, signal, dropped, close);
    return { close, pushTo: (sink) => drain.pushTo(sink), [Symbol.asyncIterator]: () => drain };
  }

  closeAll(): void {
    for (const s of [...this.subscribers]) {
      s.closed = true;
      this.subscribers.delete(s);
      s.wake?.();
    }
  }
}
