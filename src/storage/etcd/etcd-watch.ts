/**
 * One etcd watch as the Store's async iterable: events after a revision, exactly once and in order,
 * through etcd member failures and reconnections.
 *
 * The etcd3 client re-creates a watch after its stream breaks, from `request.start_revision`, which it
 * sets to the newest *header* revision it has seen. During a catch-up from history that header is
 * ahead of the events delivered so far, so a reconnect then would skip events. We therefore set
 * `start_revision` ourselves to one past the last event handed on, after every response the client
 * processes: a reconnect resumes exactly where delivery stopped, without gaps or duplicates.
 */
import type { Etcd3 } from 'etcd3';
import type { IEvent, IKeyValue, IWatchResponse } from 'etcd3/lib/rpc.js';
import { StorageError, type KeyValue, type StorageEvent } from '../store.js';
import { toStorageError } from './etcd-client.js';

export interface EtcdWatchOptions {
  readonly client: Etcd3;
  readonly start: Buffer;
  readonly end: Buffer;
  readonly afterRevision: number;
  readonly signal: AbortSignal;
  /** Events that may wait for the consumer before the watch is dropped ('Unavailable'). */
  readonly bufferSize: number;
  readonly toKv: (kv: IKeyValue, modRevision?: number) => KeyValue;
  readonly label: string;
  /** Told of the watch's cancellation as soon as `signal` aborts, so a closing store can await it. */
  readonly onCancel?: (cancelled: Promise<void>) => void;
}

function toEvent(ev: IEvent, toKv: EtcdWatchOptions['toKv']): StorageEvent {
  const rev = Number(ev.kv.mod_revision);
  const prev = ev.prev_kv ? toKv(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    // etcd's delete event carries no value: the last value is the previous kv's.
    const kv = prev ? { ...prev, modRevision: rev } : { ...toKv(ev.kv, rev), createRevision: 0 };
    return { type: 'delete', kv, prev: prev ?? { ...kv, modRevision: 0 } };
  }
  return prev ? { type: 'put', kv: toKv(ev.kv), prev } : { type: 'put', kv: toKv(ev.kv) };
}

export async function* watchEtcd(o: EtcdWatchOptions): AsyncGenerator<StorageEvent> {
  let last = o.afterRevision;
  const queue: StorageEvent[] = [];
  let failure: StorageError | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const watcher = o.client
    .watch()
    .inRange({ start: o.start, end: o.end })
    .withPreviousKV()
    .startRevision(String(o.afterRevision + 1))
    .watcher();
  const resume = () => {
    watcher.request.start_revision = String(last + 1);
  };
  watcher.on('data', (res: IWatchResponse) => {
    if (failure) return;
    for (const ev of res.events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev <= last) continue;
      if (queue.length >= o.bufferSize) {
        failure = new StorageError('Unavailable', o.label, 'watcher fell too far behind and was dropped');
        break;
      }
      queue.push(toEvent(ev, o.toKv));
      last = rev;
    }
    resume();
    notify();
  });
  watcher.on('connected', resume);
  watcher.on('error', (err: Error) => {
    // etcd cancels a watch from a compacted revision (its reason is not always filled in): ask the
    // cluster whether reading at the next revision is refused as compacted; otherwise hand the
    // watch's own error on.
    void o.client.kv
      .range({ key: o.start, revision: last + 1, count_only: true })
      .then(
        () => false,
        (e: unknown) => toStorageError(e, o.label).code === 'Compacted',
      )
      .then((compacted) => {
        failure ??= compacted
          ? new StorageError('Compacted', o.label, `required revision ${last} has been compacted`, undefined, last)
          : toStorageError(err, o.label);
        notify();
      });
  });
  // Cancelled on abort, not only when the consumer resumes the generator: a consumer that never
  // comes back would otherwise leave the watch registered with the client, which then keeps
  // reconnecting it after the client is closed.
  let cancelled: Promise<void> | undefined;
  const cancel = () => {
    // The client rejects a cancel of a watcher it already dropped; there is nothing left to undo then.
    cancelled ??= watcher.cancel().catch(() => undefined);
    return cancelled;
  };
  const onAbort = () => {
    o.onCancel?.(cancel());
    notify();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });

  try {
    for (;;) {
      if (o.signal.aborted) return;
      const ev = queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (failure) throw failure;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    watcher.removeAllListeners('data');
    await cancel();
  }
}
