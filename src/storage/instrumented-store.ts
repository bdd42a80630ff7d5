/** A Store decorator that records the latency of every storage call (metrics only, no behaviour). */
import type { Store } from './store.js';

export interface StoreObserver {
  observeStore(operation: string, seconds: number): void;
}

export function instrumentStore(inner: Store, observer: StoreObserver): Store {
  const timed =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const start = process.hrtime.bigint();
      try {
        return await fn(...args);
      } finally {
        observer.observeStore(op, Number(process.hrtime.bigint() - start) / 1e9);
      }
    };
  return {
    get: timed('get', (k, o) => inner.get(k, o)),
    list: timed('list', (p, o) => inner.list(p, o)),
    count: timed('count', (p) => inner.count(p)),
    create: timed('create', (k, v) => inner.create(k, v)),
    update: timed('update', (k, v, r) => inner.update(k, v, r)),
    delete: timed('delete', (k, r) => inner.delete(k, r)),
    watch: (p, r, s) => inner.watch(p, r, s),
    currentRevision: () => inner.currentRevision(),
    compactedRevision: () => inner.compactedRevision(),
    compact: (r) => inner.compact(r),
    close: () => inner.close(),
  };
}
