/**
 * Garbage collection of the blob store: every blob no Image references (its manifest, config,
 * layers, a list's children) is deleted, with the repository links and referrers entries that
 * point at it, unless it was written or used within the grace period.
 *
 * Pushes go on meanwhile, so the order matters. The blobs are listed first and the Images after:
 * an Image created in between (a manifest pushed while the blobs were listed) is seen and keeps
 * its blobs. A push uploads its blobs before its manifest creates the Image, and a push that reuses
 * a stored blob (a mount, an upload of the same content, a manifest naming it) touches it: the
 * grace covers both, and each candidate's age is read again just before it is deleted.
 */
import { imageBlobs } from '../apis/image/prune-plan.js';
import type { RegistryBackend } from './backend.js';
import type { BlobStore } from './storage/blob-store.js';
import type { RepositoryLinks } from './storage/links.js';
import type { Referrers } from './storage/referrers.js';

export interface GcOptions {
  /** Only report what would be deleted. */
  readonly dryRun: boolean;
  /** Blobs written or used more recently than this are kept. */
  readonly graceMs: number;
  readonly now?: () => number;
}

export interface GcResult {
  readonly dryRun: boolean;
  /** Blobs deleted (or, on a dry run, that would be). */
  readonly deleted: readonly { readonly digest: string; readonly size: number }[];
  /** Blobs that stay. */
  readonly kept: number;
  readonly bytesFreed: number;
}

export interface GcDeps {
  readonly backend: Pick<RegistryBackend, 'listImages'>;
  readonly blobs: BlobStore;
  readonly links: RepositoryLinks;
  readonly referrers: Referrers;
}

export async function collectGarbage(d: GcDeps, o: GcOptions): Promise<GcResult> {
  const now = o.now ?? Date.now;
  // 1. The blobs, before the Images (see above): only those past the grace are candidates.
  let total = 0;
  const candidates: { digest: string; size: number }[] = [];
  const listedAt = now();
  for await (const b of d.blobs.list()) {
    total++;
    if (listedAt - b.mtimeMs > o.graceMs) candidates.push({ digest: b.digest, size: b.size });
  }
  // 2. What every Image references now.
  const referenced = new Set<string>();
  for (const image of await d.backend.listImages()) for (const b of imageBlobs(image)) referenced.add(b.digest);
  // 3. Each unreferenced candidate, unless a push used it since it was listed.
  const deleted: { digest: string; size: number }[] = [];
  for (const c of candidates) {
    if (referenced.has(c.digest)) continue;
    const current = await d.blobs.info(c.digest);
    if (!current || now() - current.mtimeMs <= o.graceMs) continue;
    if (!o.dryRun) await d.blobs.delete(c.digest);
    deleted.push({ digest: c.digest, size: current.size });
  }
  if (!o.dryRun && deleted.length > 0) {
    const gone = new Set(deleted.map((b) => b.digest));
    await d.links.removeEverywhere(gone);
    await d.referrers.removeEverywhere(gone);
  }
  return { dryRun: o.dryRun, deleted, kept: total - deleted.length, bytesFreed: deleted.reduce((n, b) => n + b.size, 0) };
}
