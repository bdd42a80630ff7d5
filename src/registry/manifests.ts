/**
 * Manifests as a client pushes them: the media types accepted, the checks a document must pass
 * before it is stored (well-formed, of the type it claims, every descriptor a digest), and what
 * it references (blobs that must be present, child manifests, the subject of an OCI 1.1
 * artifact).
 */
import { MEDIA } from '../apis/image/manifest.js';
import { registryError } from './errors.js';
import { isDigest } from './storage/blob-store.js';

export const MAX_MANIFEST_BYTES = 4 * 2 ** 20;

export const IMAGE_TYPES: ReadonlySet<string> = new Set([MEDIA.ociManifest, MEDIA.dockerV2]);
export const LIST_TYPES: ReadonlySet<string> = new Set([MEDIA.ociIndex, MEDIA.dockerList]);

export interface ManifestDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly platform?: { architecture?: string; os?: string; variant?: string };
}

export interface PushedManifest {
  readonly mediaType: string;
  readonly kind: 'image' | 'list';
  /** Config and layers of an image manifest (blobs that must be present). */
  readonly blobs: readonly ManifestDescriptor[];
  /** Entries of an index or list (manifests that must be present). */
  readonly children: readonly ManifestDescriptor[];
  readonly config?: ManifestDescriptor;
  readonly subject?: ManifestDescriptor;
  /** OCI 1.1: the artifact type, or the config's media type for an artifact without one. */
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function descriptor(v: unknown, where: string): ManifestDescriptor {
  if (!isObj(v)) throw registryError('MANIFEST_INVALID', `${where} is not a descriptor`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw registryError('MANIFEST_INVALID', `${where}.mediaType is required`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw registryError('MANIFEST_INVALID', `${where}.digest must be a sha256 digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw registryError('MANIFEST_INVALID', `${where}.size must be a non-negative integer`);
  const annotations = stringMap(v['annotations']);
  return {
    mediaType,
    digest,
    size,
    ...(typeof v['artifactType'] === 'string' ? { artifactType: v['artifactType'] } : {}),
    ...(annotations ? { annotations } : {}),
    ...(isObj(v['platform']) ? { platform: v['platform'] as ManifestDescriptor['platform'] & object } : {}),
  };
}

/**
 * Reads a pushed manifest. `contentType` is the request's Content-Type; a document that names
 * its own mediaType must agree with it.
 */
export function readPushedManifest(body: Buffer, contentType: string | undefined): PushedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw registryError('MANIFEST_INVALID', 'the manifest is not JSON');
  }
  if (!isObj(doc)) throw registryError('MANIFEST_INVALID', 'the manifest is not a JSON object');
  if (doc['schemaVersion'] === 1) throw registryError('MANIFEST_INVALID', 'Docker schema 1 manifests are not accepted; push schema 2 or OCI');
  if (doc['schemaVersion'] !== 2) throw registryError('MANIFEST_INVALID', 'schemaVersion must be 2');
  const declared = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined;
  const header = contentType?.split(';')[0]?.trim();
  const headerType = header && header !== 'application/json' && header !== 'application/octet-stream' ? header : undefined;
  if (declared && headerType && declared !== headerType)
    throw registryError('MANIFEST_INVALID', `the manifest's mediaType ${declared} differs from its Content-Type ${headerType}`);
  const isList = Array.isArray(doc['manifests']);
  const mediaType = declared ?? headerType ?? (isList ? MEDIA.ociIndex : MEDIA.ociManifest);
  const subject = doc['subject'] === undefined ? undefined : descriptor(doc['subject'], 'subject');
  const annotations = stringMap(doc['annotations']);
  const artifactType = typeof doc['artifactType'] === 'string' ? doc['artifactType'] : undefined;
  const common = { mediaType, ...(subject ? { subject } : {}), ...(annotations ? { annotations } : {}) };
  if (LIST_TYPES.has(mediaType)) {
    if (!isList) throw registryError('MANIFEST_INVALID', `a ${mediaType} must list its manifests`);
    const children = (doc['manifests'] as unknown[]).map((m, i) => descriptor(m, `manifests[${i}]`));
    return { ...common, kind: 'list', blobs: [], children, ...(artifactType ? { artifactType } : {}) };
  }
  if (!IMAGE_TYPES.has(mediaType)) throw registryError('MANIFEST_INVALID', `unsupported manifest media type ${mediaType}`);
  const config = descriptor(doc['config'], 'config');
  const rawLayers = doc['layers'];
  if (!Array.isArray(rawLayers)) throw registryError('MANIFEST_INVALID', 'layers must be a list');
  const layers = rawLayers.map((l, i) => descriptor(l, `layers[${i}]`));
  if (mediaType === MEDIA.dockerV2 && layers.length === 0) throw registryError('MANIFEST_INVALID', 'a Docker schema 2 image needs at least one layer');
  // An artifact says what it is with artifactType, or (before OCI 1.1) with its config's media type.
  const isImageConfig = config.mediaType === MEDIA.ociConfig || config.mediaType === MEDIA.dockerConfig;
  const type = artifactType ?? (isImageConfig ? undefined : config.mediaType);
  return { ...common, kind: 'image', blobs: [config, ...layers], children: [], config, ...(type ? { artifactType: type } : {}) };
}

/** Whether a client that sent `accept` takes `mediaType` (no Accept header: anything). */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim() ?? '');
  return types.includes(mediaType) || types.includes('*/*');
}
