/**
 * A repository `<namespace>/<stream>` of the integrated registry: who may pull and push, which
 * manifests and blobs it holds (its stream's images, plus what was pushed or mounted into it),
 * and what a push does to the image API (an Image per manifest, a tag moved per push by tag).
 */
import type { UserInfo } from '../api/strategy.js';
import { deriveMetadata, MEDIA, parseManifest, sha256Digest } from '../apis/image/manifest.js';
import {
  ARTIFACT_TYPE_ANNOTATION,
  LAYERS_ORDER_ANNOTATION,
  MANAGED_ANNOTATION,
  MANIFEST_BLOB_STORED_ANNOTATION,
  SUBJECT_ANNOTATION,
} from '../apis/image/annotations.js';
import type { Image, ImageStream } from '../apis/image/schema.js';
import type { RegistryBackend } from './backend.js';
import { unauthorized } from './auth.js';
import { registryError } from './errors.js';
import { accepts, LIST_TYPES, MAX_MANIFEST_BYTES, readPushedManifest, type ManifestDescriptor, type PushedManifest } from './manifests.js';
import type { PullThrough } from './pull-through.js';
import { isDigest, type BlobStore } from './storage/blob-store.js';
import type { RepositoryLinks } from './storage/links.js';
import type { Referrers } from './storage/referrers.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface RepositoryName {
  readonly namespace: string;
  readonly stream: string;
  /** `namespace/stream` */
  readonly path: string;
}

export function parseRepositoryName(name: string): RepositoryName {
  const parts = name.split('/');
  if (parts.length !== 2 || !parts.every((p) => COMPONENT.test(p)) || name.length > 255)
    throw registryError('NAME_INVALID', 'repository names are <namespace>/<imagestream>', { name });
  const [namespace = '', stream = ''] = parts;
  return { namespace, stream, path: name };
}

export interface ServedManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

export interface RegistryDeps {
  readonly backend: RegistryBackend;
  readonly blobs: BlobStore;
  readonly links: RepositoryLinks;
  readonly referrers: Referrers;
  readonly pullThrough: PullThrough;
}

export type Action = 'pull' | 'push';

export class Repositories {
  constructor(private readonly d: RegistryDeps) {}

  private allowed(user: UserInfo, verb: string, repo: RepositoryName, resource = 'imagestreams', subresource: string | null = 'layers'): boolean {
    return this.d.backend.authorize(user, {
      verb,
      resourceRequest: true,
      apiGroup: 'image.openshift.io',
      resource,
      ...(subresource ? { subresource } : {}),
      namespace: repo.namespace,
      name: repo.stream,
    });
  }

  /** Refuses a user who may not pull (or push) the repository: 401 for anonymous, 403 otherwise. */
  authorize(user: UserInfo, repo: RepositoryName, action: Action, host: string): void {
    if (this.allowed(user, action === 'pull' ? 'get' : 'update', repo)) return;
    if (user.name === 'system:anonymous') throw unauthorized(host);
    throw registryError('DENIED', undefined, { repository: repo.path, action });
  }

  canPull(user: UserInfo, repo: RepositoryName): boolean {
    return this.allowed(user, 'get', repo);
  }

  mayList(user: UserInfo, namespace: string): boolean {
    return this.d.backend.authorize(user, { verb: 'list', resourceRequest: true, apiGroup: 'image.openshift.io', resource: 'imagestreams', namespace });
  }

  stream(repo: RepositoryName): Promise<ImageStream | undefined> {
    return this.d.backend.getStream(repo.namespace, repo.stream);
  }

  private async existing(repo: RepositoryName): Promise<ImageStream> {
    const s = await this.stream(repo);
    if (!s) throw registryError('NAME_UNKNOWN', undefined, { name: repo.path });
    return s;
  }

  /** Whether the repository holds the blob or manifest: linked by a push or mount, or referenced by its stream's images. */
  async holds(repo: RepositoryName, digest: string): Promise<boolean> {
    if ((await this.d.links.get(repo.path, digest)) !== undefined) return true;
    const s = await this.stream(repo);
    return s ? (await this.d.backend.streamBlobs(s)).has(digest) : false;
  }

  /** Where a blob the repository holds but the store lacks can be pulled through from. */
  async upstreamOfBlob(repo: RepositoryName, digest: string): Promise<{ reference: string; size: number | null; insecure: boolean } | undefined> {
    const s = await this.stream(repo);
    const blob = s ? (await this.d.backend.streamBlobs(s)).get(digest) : undefined;
    if (!blob) return undefined;
    const reference = (await this.d.backend.getImage(blob.image))?.dockerImageReference;
    return s && reference && !this.isOurs(reference) ? { reference, size: blob.size, insecure: insecureFor(s, reference) } : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests
  // ---------------------------------------------------------------------------------------------

  /** The image a tag of the stream points at now. */
  private tagged(stream: ImageStream, tag: string): { image: string; reference: string } | undefined {
    const item = stream.status?.tags?.find((t) => t.tag === tag)?.items?.[0];
    return item?.image ? { image: item.image, reference: item.dockerImageReference ?? '' } : undefined;
  }

  async tags(repo: RepositoryName): Promise<string[]> {
    const s = await this.existing(repo);
    return (s.status?.tags ?? [])
      .filter((t) => (t.items?.length ?? 0) > 0)
      .map((t) => t.tag)
      .sort();
  }

  async getManifest(repo: RepositoryName, reference: string, accept: string | undefined): Promise<ServedManifest> {
    const s = await this.existing(repo);
    let digest: string;
    let upstream: string | undefined;
    if (isDigest(reference)) {
      if (!(await this.holds(repo, reference))) throw registryError('MANIFEST_UNKNOWN', undefined, { Digest: reference });
      digest = reference;
      upstream = this.upstreamOf(s, digest);
    } else {
      if (!TAG.test(reference)) throw registryError('MANIFEST_INVALID', 'invalid tag', { Tag: reference });
      const t = this.tagged(s, reference);
      if (!t) throw registryError('MANIFEST_UNKNOWN', undefined, { Tag: reference });
      digest = t.image;
      upstream = t.reference;
    }
    const found = await this.manifestBytes(repo, s, digest, upstream);
    if (LIST_TYPES.has(found.mediaType) && accept && !accepts(accept, found.mediaType)) {
      // A client that takes no lists gets the list's linux/amd64 image, as distribution answers old clients.
      return this.platformChild(repo, s, found, accept);
    }
    return found;
  }

  /** An external reference for an image of the stream, for pulling it through. */
  private upstreamOf(stream: ImageStream, digest: string): string | undefined {
    for (const t of stream.status?.tags ?? []) for (const i of t.items ?? []) if (i.image === digest) return i.dockerImageReference;
    return undefined;
  }

  private async manifestBytes(repo: RepositoryName, stream: ImageStream, digest: string, reference: string | undefined): Promise<ServedManifest> {
    const image = await this.d.backend.getImage(digest);
    const linkedType = await this.d.links.get(repo.path, digest);
    const local = await this.d.blobs.read(digest, MAX_MANIFEST_BYTES);
    if (local) return { body: local, digest, mediaType: linkedType || image?.dockerImageManifestMediaType || documentType(local) };
    // Imported images carry their manifest; it is served only if it still hashes to its name.
    if (image?.dockerImageManifest && sha256Digest(image.dockerImageManifest) === digest) {
      const body = Buffer.from(image.dockerImageManifest, 'utf8');
      return { body, digest, mediaType: image.dockerImageManifestMediaType || documentType(body) };
    }
    const from = reference && !this.isOurs(reference) ? reference : image?.dockerImageReference;
    if (from && !this.isOurs(from)) {
      const fetched = await this.d.pullThrough.manifest(repo.namespace, from, digest, insecureFor(stream, from));
      await this.d.blobs.putBuffer(fetched.body);
      await this.d.links.add(repo.path, digest, fetched.mediaType);
      return { body: fetched.body, digest, mediaType: fetched.mediaType };
    }
    throw registryError('MANIFEST_UNKNOWN', `the manifest ${digest} of ${stream.metadata.name} is not stored here`, { Digest: digest });
  }

  private isOurs(reference: string): boolean {
    return reference.startsWith(`${this.d.backend.hostname()}/`);
  }

  private async platformChild(repo: RepositoryName, stream: ImageStream, list: ServedManifest, accept: string): Promise<ServedManifest> {
    const doc = JSON.parse(list.body.toString('utf8')) as { manifests?: ManifestDescriptor[] };
    const child = (doc.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
    if (!child || !accepts(accept, child.mediaType))
      throw registryError('MANIFEST_UNKNOWN', `the manifest is a ${list.mediaType}, which the client does not accept`, { Digest: list.digest });
    return this.manifestBytes(repo, stream, child.digest, this.upstreamOf(stream, child.digest));
  }

  /**
   * Stores a pushed manifest: every blob it references must be in the repository, an index's
   * manifests too. Creates the Image; a push by tag then moves the tag (creating the stream if
   * the user may), a push by digest moves nothing.
   */
  async putManifest(
    user: UserInfo,
    repo: RepositoryName,
    reference: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<{ digest: string; subject?: string }> {
    const digest = sha256Digest(body);
    const byDigest = isDigest(reference);
    if (byDigest && reference !== digest) throw registryError('DIGEST_INVALID', `the manifest's digest is ${digest}, not ${reference}`, { Digest: reference });
    if (!byDigest && !TAG.test(reference)) throw registryError('MANIFEST_INVALID', 'invalid tag', { Tag: reference });
    const manifest = readPushedManifest(body, contentType);
    await this.checkReferences(repo, manifest);
    let stream = await this.stream(repo);
    if (!stream && !byDigest) {
      if (!this.allowed(user, 'create', repo, 'imagestreams', null))
        throw registryError('DENIED', `image stream ${repo.path} does not exist and you may not create it`, { repository: repo.path });
      await this.d.backend.createStream(repo.namespace, repo.stream);
      stream = await this.existing(repo);
    }
    await this.d.blobs.putBuffer(body);
    await this.d.links.add(repo.path, digest, manifest.mediaType);
    const image = await this.imageFor(repo, digest, body, manifest);
    await this.d.backend.createImage(image);
    if (manifest.subject) {
      await this.d.referrers.add(repo.path, manifest.subject.digest, {
        mediaType: manifest.mediaType,
        digest,
        size: body.length,
        ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
        ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
      });
    }
    if (!byDigest) await this.d.backend.tagImage(repo.namespace, repo.stream, reference, image);
    return { digest, ...(manifest.subject ? { subject: manifest.subject.digest } : {}) };
  }

  /** Every blob the manifest names must be in the repository; each is touched, so garbage collection's grace covers it until the Image exists. */
  private async checkReferences(repo: RepositoryName, m: PushedManifest): Promise<void> {
    for (const b of m.blobs) {
      const present = (await this.d.blobs.touch(b.digest)) && (await this.holds(repo, b.digest));
      if (!present) throw registryError('MANIFEST_BLOB_UNKNOWN', `blob ${b.digest} is not in ${repo.path}`, { digest: b.digest });
    }
    for (const c of m.children) {
      const present = (await this.d.blobs.touch(c.digest)) && (await this.holds(repo, c.digest));
      if (!present) throw registryError('MANIFEST_BLOB_UNKNOWN', `manifest ${c.digest} is not in ${repo.path}`, { digest: c.digest });
    }
  }

  /** The Image of a pushed manifest, its metadata read from the config blob as the importer reads it. */
  private async imageFor(repo: RepositoryName, digest: string, body: Buffer, m: PushedManifest): Promise<Image> {
    const text = body.toString('utf8');
    let config: string | undefined;
    if (m.config) {
      const c = await this.d.blobs.read(m.config.digest, MAX_MANIFEST_BYTES);
      config = c?.toString('utf8');
    }
    // An artifact's config is not an image config: the Image keeps the manifest, not a fake config.
    const imageConfig = m.artifactType ? '{}' : config;
    const derived = deriveMetadata(digest, text, imageConfig, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    if ('error' in derived) throw registryError('MANIFEST_INVALID', derived.error);
    return {
      metadata: {
        name: digest,
        annotations: {
          [MANAGED_ANNOTATION]: 'true',
          [MANIFEST_BLOB_STORED_ANNOTATION]: 'true',
          [LAYERS_ORDER_ANNOTATION]: 'ascending',
          ...(m.artifactType ? { [ARTIFACT_TYPE_ANNOTATION]: m.artifactType } : {}),
          // Pruning keeps a referrer (a signature, an SBOM) as long as its subject stays.
          ...(m.subject ? { [SUBJECT_ANNOTATION]: m.subject.digest } : {}),
        },
      },
      dockerImageReference: `${this.d.backend.hostname()}/${repo.path}@${digest}`,
      dockerImageManifest: text,
      dockerImageManifestMediaType: m.mediaType,
      dockerImageMetadata: derived.metadata,
      dockerImageMetadataVersion: '1.0',
      dockerImageLayers: derived.layers,
      ...(config ? { dockerImageConfig: config } : {}),
      ...(derived.manifests ? { dockerImageManifests: derived.manifests } : {}),
    };
  }

  async referrers(repo: RepositoryName, subject: string, artifactType: string | undefined): Promise<{ index: object; filtered: boolean }> {
    await this.existing(repo);
    const all = await this.d.referrers.list(repo.path, subject);
    const manifests = artifactType ? all.filter((r) => r.artifactType === artifactType) : all;
    return { index: { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }, filtered: artifactType !== undefined };
  }
}

/**
 * Whether the stream imports from the reference's registry over an insecure transport: a spec
 * tag from that registry with importPolicy.insecure, or the stream's insecureRepository annotation,
 * as OpenShift's pull-through decides.
 */
function insecureFor(stream: ImageStream, reference: string): boolean {
  if (stream.metadata.annotations?.['openshift.io/image.insecureRepository'] === 'true') return true;
  const host = reference.split('/')[0] ?? '';
  return (stream.spec?.tags ?? []).some(
    (t) => t.importPolicy?.insecure === true && t.from?.kind === 'DockerImage' && (t.from.name ?? '').split('/')[0] === host,
  );
}

/** The media type a manifest names itself, or what its shape says (as imports read it). */
function documentType(body: Buffer): string {
  return parseManifest(body.toString('utf8'))?.mediaType ?? MEDIA.ociManifest;
}
