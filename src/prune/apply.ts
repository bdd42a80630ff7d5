/**
 * Applying a prune plan (apis/image/prune-plan.ts) against the live state, which moved on since the
 * plan was made: imports and pushes add history, tags are created, Images re-pushed.
 *
 * 1. Trims: each stream is read afresh; only the planned entries still there are removed, never a
 *    tag's newest, and the status is written on condition of the resourceVersion read, so a
 *    concurrent write conflicts and the stream is read and trimmed again.
 * 2. Deletes: the streams and Images are listed afresh once, after the trims. A planned Image some
 *    stream references again, or that a staying Image needs (a list's child, a referrer's subject),
 *    is kept and reported with why; the rest are deleted on condition of their planned
 *    resourceVersion (an Image deleted and pushed again meanwhile is not the one planned).
 * 3. The registry's garbage collection frees the blobs no Image references any more.
 *
 * Every step is idempotent: after an interruption, a new plan from the current state continues.
 */
import { keepDependents, planPrune, streamReferences, type PruneOptions, type PrunePlan } from '../apis/image/prune-plan.js';
import type { ImageStream, TagEvent } from '../apis/image/schema.js';
import type { PruneBackend } from './backend.js';

export interface TrimmedEntry {
  readonly namespace: string;
  readonly stream: string;
  readonly tag: string;
  readonly image: string;
  readonly created: string | null;
}

export interface KeptImage {
  readonly name: string;
  readonly reason: string;
}

export interface PruneReport {
  /** History entries removed. */
  readonly trimmed: readonly TrimmedEntry[];
  /** Streams whose trim kept conflicting with other writers (their entries stay; a later run retries). */
  readonly trimsGivenUp: readonly { readonly namespace: string; readonly stream: string }[];
  readonly deletedImages: readonly string[];
  /** Planned Images that were not deleted, with why. */
  readonly keptImages: readonly KeptImage[];
  readonly blobsDeleted: number;
  readonly bytesFreed: number;
}

export interface ApplyOptions {
  /** Attempts at one stream's trim when other writers keep changing it (default 5). */
  readonly maxConflicts?: number;
  /** Stops between steps (the replica lost the lead, the server is closing): the report so far is thrown away. */
  readonly signal?: AbortSignal;
  /** Skips the registry's garbage collection (default false). */
  readonly skipGarbageCollection?: boolean;
}

export const KEPT_REFERENCED = 'an image stream references it';
export const KEPT_NEEDED = 'a staying image needs it (a manifest list child, or the subject of a referrer)';
export const KEPT_CHANGED = 'the Image changed since the plan (deleted and pushed again)';

const eventKey = (e: TagEvent) => `${e.image}\u0000${e.dockerImageReference}\u0000${e.created ?? ''}`;

/** Plans from the current state and applies the plan. */
export async function prune(backend: PruneBackend, options: PruneOptions, apply: ApplyOptions = {}): Promise<{ plan: PrunePlan; report: PruneReport }> {
  const [streams, images] = await Promise.all([backend.listStreams(), backend.listImages()]);
  const plan = planPrune(streams, images, options);
  return { plan, report: await applyPrune(plan, backend, apply) };
}

export async function applyPrune(plan: PrunePlan, backend: PruneBackend, o: ApplyOptions = {}): Promise<PruneReport> {
  const check = () => o.signal?.throwIfAborted();
  const trimmed: TrimmedEntry[] = [];
  const trimsGivenUp: { namespace: string; stream: string }[] = [];

  // 1. Trims, one write per stream.
  const byStream = new Map<string, { namespace: string; stream: string; tags: Map<string, Set<string>> }>();
  for (const t of plan.trims) {
    const key = `${t.namespace}/${t.stream}`;
    const entry = byStream.get(key) ?? { namespace: t.namespace, stream: t.stream, tags: new Map<string, Set<string>>() };
    byStream.set(key, entry);
    const keys = entry.tags.get(t.tag) ?? new Set<string>();
    for (const e of t.remove) keys.add(eventKey(e));
    entry.tags.set(t.tag, keys);
  }
  for (const { namespace, stream, tags } of byStream.values()) {
    check();
    const done = await trimStream(backend, namespace, stream, tags, o.maxConflicts ?? 5);
    if (done) trimmed.push(...done);
    else trimsGivenUp.push({ namespace, stream });
  }

  // 2. Deletes, against the streams and Images as they are after the trims.
  check();
  const [streams, images] = await Promise.all([backend.listStreams(), backend.listImages()]);
  const present = new Set(images.map((i) => i.metadata.name ?? ''));
  const referenced = streamReferences(streams);
  const keptImages: KeptImage[] = [];
  const doomed = new Set<string>();
  for (const p of plan.images) {
    if (!present.has(p.name)) continue;
    if (referenced.has(p.name)) keptImages.push({ name: p.name, reason: KEPT_REFERENCED });
    else doomed.add(p.name);
  }
  const before = new Set(doomed);
  keepDependents(images, doomed);
  for (const name of before) if (!doomed.has(name)) keptImages.push({ name, reason: KEPT_NEEDED });
  const deletedImages: string[] = [];
  for (const p of plan.images) {
    if (!doomed.has(p.name)) continue;
    check();
    const outcome = await backend.deleteImage(p.name, p.resourceVersion);
    if (outcome === 'done') deletedImages.push(p.name);
    else if (outcome === 'conflict') keptImages.push({ name: p.name, reason: KEPT_CHANGED });
  }

  // 3. The blobs nothing references any more (also those of Images deleted by hand).
  check();
  const gc = o.skipGarbageCollection ? { deleted: [], bytesFreed: 0 } : await backend.garbageCollect();
  return { trimmed, trimsGivenUp, deletedImages, keptImages, blobsDeleted: gc.deleted.length, bytesFreed: gc.bytesFreed };
}

/** Removes the planned entries still in the stream's history; undefined when other writers kept winning. */
async function trimStream(
  backend: PruneBackend,
  namespace: string,
  name: string,
  tags: ReadonlyMap<string, ReadonlySet<string>>,
  maxConflicts: number,
): Promise<TrimmedEntry[] | undefined> {
  for (let attempt = 0; attempt < maxConflicts; attempt++) {
    const stream = await backend.getStream(namespace, name);
    if (!stream) return [];
    const removed = removeEntries(stream, tags);
    if (removed.length === 0) return [];
    const outcome = await backend.updateStreamStatus(stream);
    if (outcome === 'done') return removed;
    if (outcome === 'gone') return [];
  }
  return undefined;
}

/** Mutates the stream: drops the planned entries of each tag, never the newest. */
function removeEntries(stream: ImageStream, tags: ReadonlyMap<string, ReadonlySet<string>>): TrimmedEntry[] {
  const out: TrimmedEntry[] = [];
  for (const t of stream.status?.tags ?? []) {
    const planned = tags.get(t.tag);
    if (!planned || !t.items) continue;
    t.items = t.items.filter((item, i) => {
      if (i === 0 || !planned.has(eventKey(item))) return true;
      out.push({ namespace: stream.metadata.namespace ?? '', stream: stream.metadata.name ?? '', tag: t.tag, image: item.image, created: item.created });
      return false;
    });
  }
  return out;
}
