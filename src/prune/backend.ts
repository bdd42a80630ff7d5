/**
 * What applying a prune plan needs, as functions: the server builds them over its stores and its
 * registry (server/prune.ts); a client could build them over HTTP (a 409 is `conflict`, a 404
 * `gone`), so the same rules apply wherever a plan is applied.
 */
import type { Image, ImageStream } from '../apis/image/schema.js';

/** How a conditional write ended: written, refused because the object changed since it was read, or the object is gone. */
export type WriteOutcome = 'done' | 'conflict' | 'gone';

export interface GarbageCollection {
  readonly deleted: readonly { readonly digest: string; readonly size: number }[];
  readonly bytesFreed: number;
}

export interface PruneBackend {
  /** Every image stream, read now. */
  listStreams(): Promise<ImageStream[]>;
  /** Every Image, read now. */
  listImages(): Promise<Image[]>;
  getStream(namespace: string, name: string): Promise<ImageStream | undefined>;
  /** Writes the stream's status (its spec is left alone), on condition of its metadata.resourceVersion. */
  updateStreamStatus(stream: ImageStream): Promise<WriteOutcome>;
  /** Deletes the Image on condition of its resourceVersion (none: unconditionally). */
  deleteImage(name: string, resourceVersion: string | undefined): Promise<WriteOutcome>;
  /** Deletes the registry's blobs no Image references (not a dry run). */
  garbageCollect(): Promise<GarbageCollection>;
}
