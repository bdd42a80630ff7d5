/**
 * What pruning removes, decided from the streams and images alone (pure): history entries of each
 * tag beyond the newest `keepTagRevisions` that are older than `keepYoungerThan`, then the Images no
 * stream references any more (older than the same age; by default only those the integrated
 * registry manages, as `oc adm prune images` does), and the blobs only those Images referenced.
 * The plugin shows it as a dry run and applies it; the server's scheduled pruning applies it too.
 * Applying re-reads what it changes, so what became referenced again since the plan was made is kept.
 */
import { MANAGED_ANNOTATION, SUBJECT_ANNOTATION } from './annotations.js';
import type { Image, ImageStream, TagEvent } from './schema.js';

export interface PruneOptions {
  /** Newest history entries of each tag that are always kept (the newest one is kept even at 0). */
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

export interface PlannedImage {
  readonly name: string;
  /** What deleting it frees alone: blobs no other staying Image references, with known sizes. */
  readonly size: number;
  /** The Image's resourceVersion when planned: deleting it is conditional on it (a re-created Image is not deleted). */
  readonly resourceVersion?: string;
}

export interface PrunePlan {
  readonly trims: readonly TagTrim[];
  /** Images to delete, by name, with what each frees alone. */
  readonly images: readonly PlannedImage[];
  /** Blobs (layers, configs, manifests) referenced only by Images to delete. */
  readonly blobs: readonly PrunedBlob[];
  /** Bytes of the blobs whose size the Images record (layers, manifests of list children; not configs). */
  readonly bytes: number;
}

function olderThan(time: string | null | undefined, opts: PruneOptions): boolean {
  if (!time) return true;
  const t = Date.parse(time);
  return Number.isNaN(t) || opts.now.getTime() - t > opts.keepYoungerThanMs;
}

/** The blobs an image references: its manifest, config, layers and a list's child manifests (sizes where known). */
export function imageBlobs(image: Image): PrunedBlob[] {
  const out: PrunedBlob[] = [{ digest: image.metadata.name ?? '', size: 0 }];
  const meta = image.dockerImageMetadata as { Id?: unknown } | undefined;
  if (typeof meta?.Id === 'string' && meta.Id.startsWith('sha256:')) out.push({ digest: meta.Id, size: 0 });
  for (const l of image.dockerImageLayers ?? []) out.push({ digest: l.name, size: l.size });
  for (const m of image.dockerImageManifests ?? []) out.push({ digest: m.digest, size: m.manifestSize ?? 0 });
  return out;
}

/** The digest a spec tag names its image by (`…@sha256:…`, DockerImage or ImageStreamImage), if any. */
function specDigest(name: string | undefined): string | undefined {
  const at = (name ?? '').indexOf('@sha256:');
  return at >= 0 ? (name ?? '').slice(at + 1) : undefined;
}

/** Images the streams reference: every status history entry and every spec tag that names a digest. */
export function streamReferences(streams: readonly ImageStream[]): Set<string> {
  const out = new Set<string>();
  for (const s of streams) {
    for (const t of s.status?.tags ?? []) for (const item of t.items ?? []) if (item.image) out.add(item.image);
    for (const t of s.spec?.tags ?? []) {
      const d = specDigest(t.from?.name);
      if (d) out.add(d);
    }
  }
  return out;
}

/**
 * Takes out of `doomed` (mutated) what a staying image needs: the children of a staying manifest
 * list, and the referrers (signatures, SBOMs) of a staying subject, until nothing changes. A
 * referrer whose subject is gone or doomed goes with it.
 */
export function keepDependents(images: readonly Image[], doomed: Set<string>): void {
  const present = new Set(images.map((i) => i.metadata.name ?? ''));
  for (let changed = true; changed; ) {
    changed = false;
    for (const i of images) {
      const name = i.metadata.name ?? '';
      if (doomed.has(name)) {
        const subject = i.metadata.annotations?.[SUBJECT_ANNOTATION];
        if (subject && subject !== name && !doomed.has(subject) && present.has(subject)) {
          doomed.delete(name);
          changed = true;
        }
      } else {
        for (const m of i.dockerImageManifests ?? []) if (doomed.delete(m.digest)) changed = true;
      }
    }
  }
}

/** Whether pruning may delete the image at all (before asking whether anything references it). */
function eligible(image: Image, opts: PruneOptions): boolean {
  return (opts.all || image.metadata.annotations?.[MANAGED_ANNOTATION] === 'true') && olderThan(image.metadata.creationTimestamp, opts);
}

export function planPrune(streams: readonly ImageStream[], images: readonly Image[], opts: PruneOptions): PrunePlan {
  const trims: TagTrim[] = [];
  const referenced = new Set<string>();
  // The newest entry is what the tag points at: never removed, whatever keepTagRevisions says.
  const keep = Math.max(1, Math.floor(opts.keepTagRevisions));
  for (const s of streams) {
    for (const t of s.status?.tags ?? []) {
      const remove: TagEvent[] = [];
      (t.items ?? []).forEach((item, i) => {
        if (i >= keep && olderThan(item.created, opts)) remove.push(item);
        else if (item.image) referenced.add(item.image);
      });
      if (remove.length > 0) trims.push({ namespace: s.metadata.namespace ?? '', stream: s.metadata.name ?? '', tag: t.tag, remove });
    }
    // Spec tags pointing at an image by digest keep it, even before an import wrote history.
    for (const t of s.spec?.tags ?? []) {
      const d = specDigest(t.from?.name);
      if (d) referenced.add(d);
    }
  }

  const doomedNames = new Set(images.filter((i) => !referenced.has(i.metadata.name ?? '') && eligible(i, opts)).map((i) => i.metadata.name ?? ''));
  keepDependents(images, doomedNames);
  const doomed = images.filter((i) => doomedNames.has(i.metadata.name ?? ''));
  // Blobs any image that stays still references are kept.
  const keptBlobs = new Set<string>();
  for (const i of images) if (!doomedNames.has(i.metadata.name ?? '')) for (const b of imageBlobs(i)) keptBlobs.add(b.digest);
  const blobs = new Map<string, PrunedBlob>();
  const perImage = doomed.map((i): PlannedImage => {
    let size = 0;
    for (const b of imageBlobs(i)) {
      const seen = blobs.get(b.digest);
      if (keptBlobs.has(b.digest)) continue;
      // The same blob may be named twice (a config that is also a layer): counted once, with its known size.
      if (!seen || (seen.size === 0 && b.size > 0)) {
        blobs.set(b.digest, b);
        size += b.size - (seen?.size ?? 0);
      }
    }
    const rv = i.metadata.resourceVersion;
    return { name: i.metadata.name ?? '', size, ...(rv ? { resourceVersion: rv } : {}) };
  });
  const all = [...blobs.values()];
  return { trims, images: perImage, blobs: all, bytes: all.reduce((n, b) => n + b.size, 0) };
}
