import type { StorageEvent, Store } from '../../src/storage/store.js';

/** The first `count` events of a watch of `prefix` after `after` (fewer if it ends first). */
export async function take(store: Store, prefix: string, after: number, count: number, signal: AbortSignal): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  for await (const ev of store.watch(prefix, after, signal)) {
    out.push(ev);
    if (out.length >= count) break;
  }
  return out;
}
