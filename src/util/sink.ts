/**
 * A push-style alternative to an async iterator, for streams fanned out to thousands of consumers:
 * a publisher hands each item to every consumer's sink in one synchronous call, where an async
 * iterator would cost each consumer a promise (and a microtask) per item.
 */

/** Receives a stream's items as they are produced. Must not throw. */
export interface Sink<T> {
  push(item: T): void;
  /** No more items; `error` when the stream failed. Called at most once. */
  end(error?: unknown): void;
}

/** An async iterable whose items can be pushed to a sink instead; once that is chosen it is not iterated. */
export interface Pushable<T> extends AsyncIterable<T> {
  pushTo(sink: Sink<T>): void;
}

export function isPushable<T>(it: AsyncIterable<T>): it is Pushable<T> {
  return typeof (it as Partial<Pushable<T>>).pushTo === 'function';
}
