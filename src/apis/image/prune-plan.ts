/**
 * What pruning removes, decided from the streams and images alone (pure): history entries of each
 * tag beyond the newest `keepTagRevisions` that are older than `keepYoungerThan`, then the Images no
 * stream references any more (older than the same age; by default only those the integrated
 * registry manages, as `oc adm prune images` does), and the blobs only those Images referenced.
 * The plugin shows it as a dry run and applies it; the server's scheduled pruning applies it too.
 * Applying re-reads what it changes, so what became referenced again since the plan was made is kept.
 */
import type { Image, ImageStream, TagEvent } from './schema.js';

export const MANAGED_ANNOTATION = 'openshift.io/image.managed';

export interface PruneOptions {
  /** Newest history entries of each tag that are always kept. */
  readonly keepTagRevisions: number;
  /** Entries and Images younger than this are kept. */
  readonly keepYoungerThanMs: number;
  /** Also Images the integrated registry does not manage (imported ones). */
  readonly all: boolean;
  readonly now: Date;
}

export interface TagTrim {
  readonly namespace: string;
  readonly stream: string;
  readonly tag: string;
  /** The history entries to remove (the newest stays first in what remains). */
  readonly remove: readonly TagEvent[];
}

export interface PrunedBlob {
  readonly digest: string;
  readonly size: number;
}

export interface PrunePlan {
  readonly trims: readonly TagTrim[];
  /** Images to delete, by name, with what each frees alone. */
  readonly images: readonly { readonly name: string; readonly size: number }[];
  /** Blobs (layers, configs, manifests) referenced only by Images to delete. */
  readonly blobs: readonly PrunedBlob[];
  readonly bytes: number;
}

function olderThan(time: string | null | undefined, opts: PruneOptions): boolean {
  if (!time) return true;
  const t = Date.parse(time);
  return Number.isNaN(t) || opts.now.getTime() - t > opts.keepYoungerThanMs;
}

/** The blobs an image references: its manifest, config and layers (sizes where known). */
export function imageBlobs(image: Image): PrunedBlob[] {
  const out: PrunedBlob[] = [{ digest: image.metadata.name ?? '', size: 0 }];
  const meta = image.dockerImageMetadata as { Id?: unknown } | undefined;
  if (typeof meta?.Id === 'string' && meta.Id.startsWith('sha256:')) out.push({ digest: meta.Id, size: 0 });
  for (const l of image.dockerImageLayers ?? []) out.push({ digest: l.name, size: l.size });
  return out;
}

export function planPrune(streams: readonly ImageStream[], images: readonly Image[], opts: PruneOptions): PrunePlan {
  const trims: TagTrim[] = [];
  const referenced = new Set<string>();
  for (const s of streams) {
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      const remove: TagEvent[] = [];
      items.forEach((item, i) => {
        if (i >= opts.keepTagRevisions && olderThan(item.created, opts)) remove.push(item);
        else if (item.image) referenced.add(item.image);
      });
      if (remove.length > 0) trims.push({ namespace: s.metadata.namespace ?? '', stream: s.metadata.name ?? '', tag: t.tag, remove });
    }
    // Spec tags pointing at an image by digest keep it, even before an import wrote history.
    for (const t of s.spec?.tags ?? []) {
      const name = t.from?.name ?? '';
      const at = name.indexOf('@sha256:');
      if (at >= 0) referenced.add(name.slice(at + 1));
    }
  }
  // A kept manifest list keeps its children.
  const byName = new Map(images.map((i) => [i.metadata.name ?? '', i]));
  for (const name of [...referenced]) for (const m of byName.get(name)?.dockerImageManifests ?? []) referenced.add(m.digest);

  const doomed = images.filter(
    (i) =>
      !referenced.has(i.metadata.name ?? '') &&
      (opts.all || i.metadata.annotations?.[MANAGED_ANNOTATION] === 'true') &&
      olderThan(i.metadata.creationTimestamp, opts),
  );
  const doomedNames = new Set(doomed.map((i) => i.metadata.name ?? ''));
  // Blobs any image that stays still references are kept.
  const keptBlobs = new Set<string>();
  for (const i of images) if (!doomedNames.has(i.metadata.name ?? '')) for (const b of imageBlobs(i)) keptBlobs.add(b.digest);
  const blobs = new Map<string, PrunedBlob>();
  const perImage = doomed.map((i) => {
    let size = 0;
    for (const b of imageBlobs(i)) {
      if (keptBlobs.has(b.digest) || blobs.has(b.digest)) continue;
      blobs.set(b.digest, b);
      size += b.size;
    }
    return { name: i.metadata.name ?? '', size };
  });
  const all = [...blobs.values()];
  return { trims, images: perImage, blobs: all, bytes: all.reduce((n, b) => n + b.size, 0) };
}
