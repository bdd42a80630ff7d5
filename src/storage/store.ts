/**
 * The kind-agnostic, revisioned key-value interface every storage backend implements.
 *
 * It is shaped after etcd v3 (and kine's Backend): one global, strictly increasing revision
 * counter; every write gets the next revision; values are opaque strings (JSON of the object,
 * but storage never looks inside). Resource versions shown to API clients are these revisions
 * as decimal strings. Nothing above this file knows which backend is in use.
 */

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision at which the key was (last) created. */
  readonly createRevision: number;
  /** Revision of the last write to the key (its resourceVersion). */
  readonly modRevision: number;
}

export type StorageEvent =
  | { readonly type: 'put'; readonly kv: KeyValue; readonly prev?: KeyValue }
  /** `kv.modRevision` is the revision of the delete; `kv.value` is the last value. */
  | { readonly type: 'delete'; readonly kv: KeyValue; readonly prev: KeyValue };

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current revision). Compacted ⇒ StorageError 'Compacted'. */
  readonly revision?: number;
  /** At most this many items (0 or absent: all). */
  readonly limit?: number;
  /** Only keys strictly greater than this one (for continue tokens). */
  readonly after?: string;
  /** false: the caller has no use for `remaining`, and a store that must count for it may skip that. */
  readonly countRemaining?: boolean;
  /**
   * Without `revision`: any state at least this new will do (0: any state at all, as a
   * resourceVersion=0 list asks). Absent: the current state, linearizably.
   */
  readonly minRevision?: number;
}

/** The last write under a tracked prefix, read linearizably (see Store.trackWrites). */
export interface LastWrite {
  /** The store's revision when asked. */
  readonly revision: number;
  /** Revision of the newest write under the prefix since it was tracked (0: none). */
  readonly lastWrite: number;
}

export interface ListResult {
  readonly items: KeyValue[];
  /** The revision the list was read at. */
  readonly revision: number;
  /** True when `limit` cut the list. */
  readonly more: boolean;
  /** How many keys remain after the returned page (only when `more`). */
  readonly remaining?: number;
}

export interface Store {
  /** Current value, or as of `revision`. Absent key ⇒ undefined. */
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key (byte) order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of live keys under a prefix. */
  count(prefix: string): Promise<number>;
  /** Fails with 'KeyExists' when the key is live. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals `expectedRevision`.
   * Fails with 'NotFound' when the key is absent, 'Conflict' (carrying the current kv) when it moved.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes the key; with `expectedRevision`, only if it still has that modRevision ('Conflict').
   * Returns the deleted kv with `modRevision` = the delete's revision. Absent key ⇒ 'NotFound'.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys under `prefix` with revision > `afterRevision`, in revision order, exactly once,
   * first from history then live, until `signal` aborts (then the iterator ends without error).
   * A compacted `afterRevision` ⇒ the iterator throws StorageError 'Compacted'. A consumer that falls
   * too far behind is dropped: the iterator throws 'Unavailable' and the client re-watches.
   */
  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StorageEvent>;
  /** The newest revision. */
  currentRevision(): Promise<number>;
  /**
   * Optional (etcd): from now on, every write under one of these prefixes also records its revision
   * as the prefix's last write, in the same transaction, so a cache of the prefix can learn in one
   * cheap read whether it has seen everything (every replica tracks the same prefixes).
   */
  trackWrites?(prefixes: readonly string[]): void;
  /** Optional (etcd): the last write under a tracked prefix, and the current revision, in one linearizable read. */
  lastWrite?(prefix: string): Promise<LastWrite>;
  /** The oldest revision that can still be read or watched from (everything at or below it may be gone). */
  compactedRevision(): Promise<number>;
  /** Drops history at or below `revision` (never the live value of a key). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export type StorageErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Unavailable' | 'TooLarge';

/** The only error type thrown by storage backends. Translated to API errors in exactly one place. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    readonly current?: KeyValue,
    readonly revision?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}
