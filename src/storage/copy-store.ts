/**
 * Copies every key of one Store into another, as of one revision of the source: the basis of the
 * migration between SQLite and etcd. Values are copied byte for byte (names, uids, timestamps and
 * content unchanged); only resource versions change, since they are the destination's revisions.
 */
import type { Store } from './store.js';

export class DestinationNotEmptyError extends Error {
  override readonly name = 'DestinationNotEmptyError';
}

export async function copyStore(
  from: Store,
  to: Store,
  opts: { pageSize?: number; onProgress?: (copied: number) => void } = {},
): Promise<{ copied: number; revision: number }> {
  const existing = await to.count('/');
  // Merging two stores could silently keep a stale object where both have one: refuse instead.
  if (existing > 0) throw new DestinationNotEmptyError(`the destination already holds ${existing} objects; migrate into an empty store`);
  const revision = await from.currentRevision();
  let after: string | undefined;
  let copied = 0;
  for (;;) {
    const page = await from.list('/', { revision, limit: opts.pageSize ?? 500, ...(after !== undefined ? { after } : {}) });
    for (const kv of page.items) {
      await to.create(kv.key, kv.value);
      copied++;
    }
    opts.onProgress?.(copied);
    if (!page.more) break;
    after = page.items[page.items.length - 1]?.key;
  }
  return { copied, revision };
}
