/**
 * What a client receives for a stored object, kept while the object's revision and what its
 * decoration reads stay the same: its JSON (get, list and watch in JSON send these bytes) and the
 * decoded, decorated object itself, frozen (tables are printed from it). A read then skips decoding,
 * defaulting, decorating and encoding the object again: the profile of get showed those steps at
 * about a fifth of the request and of a list at most of it.
 *
 * Entries are checked, never trusted: a lookup names the revision it read from the store, so an
 * object written since (by this replica or another) misses. Least recently used entries leave
 * first once what is held passes the byte budget.
 */
import { LRUCache } from 'lru-cache';

interface Entry {
  readonly rev: number;
  readonly inputs: unknown;
  /** UTF-8 JSON: what is sent, so lists join bytes instead of strings and nothing is encoded twice. */
  readonly json?: Buffer;
  readonly object?: unknown;
  /** Length of the stored value (characters): decoded objects are charged a multiple of it. */
  readonly storedBytes: number;
}

/** A decoded object takes several times its JSON in memory (property maps, small strings). */
const OBJECT_BYTES_PER_STORED_BYTE = 6;

export class EncodedObjectCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(maxBytes: number) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (e) => Math.max(1, (e.json?.length ?? 0) + (e.object === undefined ? 0 : e.storedBytes * OBJECT_BYTES_PER_STORED_BYTE)),
    });
  }

  /** The JSON for `key` at `rev` made with these decoration inputs (compared by identity). */
  json(key: string, rev: number, inputs: unknown, storedBytes: number, make: () => string): Buffer {
    const e = this.current(key, rev, inputs, storedBytes);
    if (e.json !== undefined) return e.json;
    // A buffer of its own: Buffer.from would slice Node's shared 8 KiB pool for small texts, and
    // one kept slice would keep the whole slab alive, far past what the budget counts.
    const text = make();
    const json = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
    json.write(text, 'utf8');
    // A new entry, not the old one changed: lru-cache sizes an entry when a new value is set (and
    // refuses one larger than the budget).
    this.entries.set(key, { ...e, json });
    return json;
  }

  /**
   * The decoded object for `key` at `rev`, shared by every reader and frozen all the way down, so
   * that a reader that tried to change it would fail instead of changing it for the others.
   */
  object<T>(key: string, rev: number, inputs: unknown, storedBytes: number, make: () => T): T {
    const e = this.current(key, rev, inputs, storedBytes);
    if (e.object !== undefined) return e.object as T;
    const obj = deepFreeze(make());
    this.entries.set(key, { ...e, object: obj });
    return obj;
  }

  private current(key: string, rev: number, inputs: unknown, storedBytes: number): Entry {
    const e = this.entries.get(key);
    return e && e.rev === rev && e.inputs === inputs ? e : { rev, inputs, storedBytes };
  }

  /** Entries and bytes held (for tests and metrics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
