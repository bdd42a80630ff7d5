/**
 * Keys in byte order, as a sorted array kept by binary insertion: lists walk it from a start key
 * and stop at the end of a prefix. Keys here are ASCII paths, where string order is byte order.
 */
export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  reset(keys: Iterable<string>): void {
    this.keys = [...keys].sort();
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  at(i: number): string | undefined {
    return this.keys[i];
  }

  /** Index just past the last key that starts with `prefix`. */
  prefixEnd(prefix: string): number {
    // Every key with the prefix sorts below the prefix followed by the highest code unit.
    return this.lowerBound(`${prefix}\uffff`);
  }
}
