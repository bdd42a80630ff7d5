/**
 * The JSON a client receives for a stored object, kept while the object's revision and what its
 * decoration reads stay the same. A get or a list then sends bytes it already made instead of
 * decoding, defaulting, decorating and encoding the object again: the profile of get showed those
 * steps at about a fifth of the request and of list at most of it.
 *
 * Entries are checked, never trusted: a lookup names the revision it read from the store, so an
 * object written since (by this replica or another) misses. Least recently used entries leave
 * first once the text held passes the byte budget.
 */
import { LRUCache } from 'lru-cache';

interface Entry {
  readonly rev: number;
  readonly inputs: unknown;
  readonly text: string;
}

export class EncodedObjectCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(maxBytes: number) {
    // Strings are UTF-16 in memory: two bytes a character, an upper bound for what they hold.
    this.entries = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.text.length * 2) });
  }

  /** The text for `key` at `rev` made with the same decoration inputs (compared by identity). */
  get(key: string, rev: number, inputs: unknown): string | undefined {
    const e = this.entries.get(key);
    return e && e.rev === rev && e.inputs === inputs ? e.text : undefined;
  }

  set(key: string, rev: number, inputs: unknown, text: string): void {
    // lru-cache refuses an entry larger than the whole budget by itself.
    this.entries.set(key, { rev, inputs, text });
  }

  /** Entries and bytes held (for tests and metrics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
  }
}
