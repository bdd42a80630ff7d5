/**
 * What the registry needs from the image API, as functions: the server builds them from the
 * installed kinds (server/registry.ts), so the registry itself knows no store and no handler.
 */
import type { Image, ImageStream } from '../apis/image/schema.js';
import type { UserInfo } from '../api/strategy.js';
import type { Attributes } from '../auth/rbac-authorizer.js';
import type { Credentials } from '../auth/authenticator.js';

export interface PullSecret {
  readonly type?: string;
  readonly data?: Record<string, string>;
}

export interface StreamBlob {
  readonly size: number | null;
  /** The name (digest) of an image of the stream that references the blob. */
  readonly image: string;
}

export interface RegistryBackend {
  authenticate(c: Credentials): UserInfo | undefined;
  authorize(user: UserInfo, attrs: Attributes): boolean;
  getStream(namespace: string, name: string): Promise<ImageStream | undefined>;
  /** Every stream (for the catalog), in namespace/name order. */
  listStreams(): Promise<ImageStream[]>;
  /** Creates an empty stream; an existing one is left as it is. */
  createStream(namespace: string, name: string): Promise<void>;
  getImage(name: string): Promise<Image | undefined>;
  /** Every Image (what garbage collection keeps the blobs of). */
  listImages(): Promise<Image[]>;
  /** Creates the Image unless one of that name exists (Images are immutable by name). */
  createImage(image: Image): Promise<void>;
  /** Points `tag` of the stream at the image, as an ImageStreamMapping does. */
  tagImage(namespace: string, stream: string, tag: string, image: Image): Promise<void>;
  /**
   * Blobs (layers, configs, manifests) referenced by the images of the stream's history, each with
   * its size when known and the image that references it (where to pull it through from).
   */
  streamBlobs(stream: ImageStream): Promise<ReadonlyMap<string, StreamBlob>>;
  pullSecrets(namespace: string): Promise<PullSecret[]>;
  /** `host:port` under which clients reach this registry. */
  hostname(): string;
}
