/** Runs `after` once a write through a handler succeeded, before its answer is sent (caches that must see it). */
import type { KubeObject } from '../../api/meta.js';
import type { ResourceHandler } from './handler.js';

export function withAfterWrite<T extends KubeObject>(h: ResourceHandler<T>, after: () => Promise<void>): ResourceHandler<T> {
  const wrapped: ResourceHandler<T> = { ...h };
  const wrap = <A extends unknown[], R>(fn: ((...args: A) => Promise<R>) | undefined) =>
    fn &&
    (async (...args: A): Promise<R> => {
      const r = await fn(...args);
      await after();
      return r;
    });
  if (h.create) wrapped.create = wrap(h.create.bind(h));
  if (h.update) wrapped.update = wrap(h.update.bind(h));
  if (h.patch) wrapped.patch = wrap(h.patch.bind(h));
  if (h.delete) wrapped.delete = wrap(h.delete.bind(h));
  if (h.deleteCollection) wrapped.deleteCollection = wrap(h.deleteCollection.bind(h));
  return wrapped;
}
