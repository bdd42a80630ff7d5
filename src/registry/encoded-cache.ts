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
export class EncodedObjectCache {
  private readonly entries = new Map<string, { readonly rev: number; readonly inputs: unknown; readonly text: string }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The text for `key` at `rev` made with the same decoration inputs (compared by identity). */
  get(key: string, rev: number, inputs: unknown): string | undefined {
    const e = this.entries.get(key);
    if (!e || e.rev !== rev || e.inputs !== inputs) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.text;
  }

  set(key: string, rev: number, inputs: unknown, text: string): void {
    // Strings are UTF-16 in memory: two bytes a character, an upper bound for what they hold.
    const size = text.length * 2;
    if (size > this.maxBytes) return;
    this.drop(key);
    this.entries.set(key, { rev, inputs, text });
    this.bytes += size;
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.text.length * 2;
  }

  /** Entries and bytes held (for tests and metrics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
