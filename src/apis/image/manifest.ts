/**
 * Reading container image manifests and configs (OCI and Docker schema 1/2, lists and indexes)
 * into Image metadata, as openshift's imageutil does. Shared by the Image strategy and, later, the
 * importer. Parsing failures are reported, never thrown: a create with an odd manifest still succeeds.
 */
import { createHash } from 'node:crypto';
import { schema1Payload } from './schema1.js';
import type { ImageLayer, ImageManifest } from './schema.js';

export const MEDIA = {
  dockerV1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerV2: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  schema1Layer: 'application/vnd.docker.container.image.rootfs.diff+x-gtar',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The annotation on an Image that records what kind of OCI artifact its manifest is. */

const LIST_TYPES: ReadonlySet<string> = new Set([MEDIA.ociIndex, MEDIA.dockerList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([MEDIA.ociManifest, MEDIA.dockerV2]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([MEDIA.dockerV1, MEDIA.dockerV1Signed]);
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MEDIA.ociConfig, MEDIA.dockerConfig]);

/** Whether a media type names a manifest list or index. */
export function isListType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && LIST_TYPES.has(mediaType);
}

/** Whether a media type names a manifest of any kind this project reads (image, list, schema 1). */
export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && (LIST_TYPES.has(mediaType) || IMAGE_TYPES.has(mediaType) || SCHEMA1_TYPES.has(mediaType));
}

export function sha256Digest(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * `artifactType`: what an OCI artifact says it is (its own artifactType, or for a manifest whose
 * config is not an image config, that config's media type); absent for images.
 */
export type ParsedManifest =
  | { kind: 'list'; mediaType: string; manifests: Descriptor[]; artifactType?: string }
  | { kind: 'schema2'; mediaType: string; config: Descriptor; layers: Descriptor[]; artifactType?: string; annotations?: Record<string, string> }
  | { kind: 'schema1'; mediaType: string; layers: { digest: string; v1: Record<string, unknown> }[] };

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const entries = Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function platformOf(v: unknown): Descriptor['platform'] {
  if (!isObj(v)) return undefined;
  const p: NonNullable<Descriptor['platform']> = {};
  for (const k of ['architecture', 'os', 'variant'] as const) if (typeof v[k] === 'string') p[k] = v[k];
  return p;
}

function descriptor(v: unknown): Descriptor | undefined {
  if (!isObj(v) || typeof v['digest'] !== 'string') return undefined;
  const d: Descriptor = { digest: v['digest'], size: typeof v['size'] === 'number' ? v['size'] : 0 };
  if (typeof v['mediaType'] === 'string') d.mediaType = v['mediaType'];
  const platform = platformOf(v['platform']);
  if (platform) d.platform = platform;
  if (typeof v['artifactType'] === 'string' && v['artifactType']) d.artifactType = v['artifactType'];
  const annotations = stringMap(v['annotations']);
  if (annotations) d.annotations = annotations;
  return d;
}

type Shape = 'list' | 'image' | 'schema1';

function shapeOfType(mediaType: string): Shape | undefined {
  if (LIST_TYPES.has(mediaType)) return 'list';
  if (IMAGE_TYPES.has(mediaType)) return 'image';
  if (SCHEMA1_TYPES.has(mediaType)) return 'schema1';
  return undefined;
}

/**
 * The media type of a manifest: the one it names itself; for one that names none (allowed by OCI,
 * and what Helm and oras write), `contentType` (the registry's Content-Type) when it is a manifest
 * type of the document's shape; otherwise what the shape implies. A document that names a known
 * type of another shape is not understood (undefined).
 */
function mediaTypeOf(declared: string, shape: Shape, contentType: string | undefined, fallback: string): string | undefined {
  if (declared) {
    const declaredShape = shapeOfType(declared);
    return declaredShape === undefined || declaredShape === shape ? declared : undefined;
  }
  const hint = contentType?.split(';')[0]?.trim();
  if (hint && shapeOfType(hint) === shape) return hint;
  return fallback;
}

/**
 * Parses a manifest; undefined when it is not one we understand. `contentType` is where the
 * manifest came from says it is (a registry's Content-Type), read only for a document that names
 * no media type of its own.
 */
export function parseManifest(text: string, contentType?: string): ParsedManifest | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(m)) return undefined;
  const declared = typeof m['mediaType'] === 'string' ? m['mediaType'] : '';
  const artifactType = typeof m['artifactType'] === 'string' && m['artifactType'] ? m['artifactType'] : undefined;
  if (m['schemaVersion'] === 1) {
    const fsLayers = Array.isArray(m['fsLayers']) ? m['fsLayers'] : [];
    const history = Array.isArray(m['history']) ? m['history'] : [];
    const layers = fsLayers.map((l, i) => {
      let v1: Record<string, unknown> = {};
      const h = history[i];
      if (isObj(h) && typeof h['v1Compatibility'] === 'string') {
        try {
          v1 = JSON.parse(h['v1Compatibility']) as Record<string, unknown>;
        } catch {
          v1 = {};
        }
      }
      return { digest: isObj(l) && typeof l['blobSum'] === 'string' ? l['blobSum'] : '', v1 };
    });
    return { kind: 'schema1', mediaType: MEDIA.dockerV1, layers };
  }
  if (Array.isArray(m['manifests'])) {
    // A Docker manifest list always names its type: a list that names none is an OCI index.
    const mediaType = mediaTypeOf(declared, 'list', contentType, MEDIA.ociIndex);
    if (!mediaType) return undefined;
    return {
      kind: 'list',
      mediaType,
      manifests: m['manifests'].map(descriptor).filter((d): d is Descriptor => d !== undefined),
      ...(artifactType ? { artifactType } : {}),
    };
  }
  const config = descriptor(m['config']);
  if (config && Array.isArray(m['layers'])) {
    const mediaType = mediaTypeOf(declared, 'image', contentType, config.mediaType === MEDIA.dockerConfig ? MEDIA.dockerV2 : MEDIA.ociManifest);
    if (!mediaType) return undefined;
    // An artifact says what it is with artifactType, or (before OCI 1.1) with its config's media type.
    const type = artifactType ?? (config.mediaType && !IMAGE_CONFIG_TYPES.has(config.mediaType) ? config.mediaType : undefined);
    const annotations = stringMap(m['annotations']);
    return {
      kind: 'schema2',
      mediaType,
      config,
      layers: m['layers'].map(descriptor).filter((d): d is Descriptor => d !== undefined),
      ...(type ? { artifactType: type } : {}),
      ...(annotations ? { annotations } : {}),
    };
  }
  return undefined;
}

export function manifestListEntries(list: Extract<ParsedManifest, { kind: 'list' }>): ImageManifest[] {
  return list.manifests.map((d) => ({
    digest: d.digest,
    mediaType: d.mediaType ?? '',
    manifestSize: d.size,
    architecture: d.platform?.architecture ?? '',
    os: d.platform?.os ?? '',
    ...(d.platform?.variant ? { variant: d.platform.variant } : {}),
  }));
}

/** The DockerImage metadata (docker10 field names) derived from a manifest and its config. */
export interface DerivedMetadata {
  metadata: Record<string, unknown>;
  layers: ImageLayer[];
  manifestMediaType: string;
  manifests?: ImageManifest[];
}

function dockerImage(fields: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'DockerImage', apiVersion: 'image.openshift.io/1.0', ...fields };
}

/**
 * A time as the reference stores it (a Go time through metav1.Time): UTC, whole seconds (a fraction
 * is cut, not rounded). The zero time (0001-01-01T00:00:00Z, which cosign writes), a missing one and
 * what is not an RFC 3339 time are null.
 */
export function normalizeCreated(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(v);
  if (!m) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, sec, oh, om] = [n(1), n(2), n(3), n(4), n(5), n(6), n(8), n(9)] as const;
  if (h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59) return null;
  // Built in a leap year, then moved to its own: a day its month does not have rolls over and is refused.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec));
  date.setUTCFullYear(y);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const offset = (m[7] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  const utc = new Date(date.getTime() - offset);
  if (utc.getTime() === ZERO_TIME) return null;
  const year = utc.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return utc.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go's zero time.Time, 0001-01-01T00:00:00Z. */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

export interface DeriveOptions {
  /** Where the manifest came from says it is of this type (a registry's Content-Type). */
  readonly contentType?: string;
}

export function deriveMetadata(
  name: string,
  manifestText: string,
  configText: string | undefined,
  now: string,
  opts: DeriveOptions = {},
): DerivedMetadata | { error: string } {
  const m = parseManifest(manifestText, opts.contentType);
  if (!m) return { error: 'unable to parse the image manifest' };
  if (m.kind === 'list') {
    return {
      metadata: dockerImage({ Id: name, Created: now }),
      layers: [],
      manifestMediaType: m.mediaType,
      manifests: manifestListEntries(m),
    };
  }
  if (m.kind === 'schema1') {
    // fsLayers are newest first; images list layers oldest first.
    const ordered = [...m.layers].reverse();
    const layers = ordered.map((l) => ({ name: l.digest, size: typeof l.v1['Size'] === 'number' ? l.v1['Size'] : 0, mediaType: MEDIA.schema1Layer }));
    const top = m.layers[0]?.v1 ?? {};
    const size = uniqueSize(layers);
    return {
      metadata: dockerImage({
        Id: top['id'] ?? '',
        Parent: top['parent'],
        Created: normalizeCreated(top['created']),
        Container: top['container'],
        ContainerConfig: top['container_config'] ?? {},
        DockerVersion: top['docker_version'],
        Author: top['author'],
        Config: top['config'],
        Architecture: top['architecture'],
        Size: size,
      }),
      layers,
      manifestMediaType: MEDIA.dockerV1,
    };
  }
  const layers = m.layers.map((l) => ({ name: l.digest, size: l.size, mediaType: l.mediaType ?? MEDIA.dockerLayer }));
  if (m.artifactType) {
    // An artifact's config is not an image config (it may be anything, or the empty descriptor):
    // it is not read, and the Image has no runtime configuration.
    return {
      metadata: dockerImage({
        Id: m.config.digest,
        Created: normalizeCreated(m.annotations?.['org.opencontainers.image.created']),
        ContainerConfig: {},
        Size: m.config.size + uniqueSize(layers),
      }),
      layers,
      manifestMediaType: m.mediaType,
    };
  }
  if (!configText) return { error: 'dockerImageConfig must not be empty for a schema 2 or OCI manifest' };
  let config: Record<string, unknown>;
  try {
    const parsed = JSON.parse(configText) as unknown;
    if (!isObj(parsed)) return { error: 'the image config is not a JSON object' };
    config = parsed;
  } catch {
    return { error: 'unable to parse the image config' };
  }
  return {
    metadata: dockerImage({
      Id: m.config.digest,
      Created: normalizeCreated(config['created']),
      Container: config['container'],
      ContainerConfig: config['container_config'] ?? {},
      DockerVersion: config['docker_version'],
      Author: config['author'],
      Config: config['config'],
      Architecture: config['architecture'],
      Size: Buffer.byteLength(configText) + uniqueSize(layers),
    }),
    layers,
    manifestMediaType: m.mediaType,
  };
}

function uniqueSize(layers: readonly ImageLayer[]): number {
  const seen = new Set<string>();
  let total = 0;
  for (const l of layers) {
    if (seen.has(l.name)) continue;
    seen.add(l.name);
    total += l.size;
  }
  return total;
}

/**
 * The digest a manifest is addressed by: sha256 of its bytes; a signed schema 1 manifest, that of
 * its signed payload (schema1.ts). Undefined when no digest can be given for what would be parsed:
 * a signed schema 1 manifest with content outside its payload, or inconsistent signatures.
 */
export function manifestDigest(text: string, mediaType: string | undefined): string | undefined {
  if (mediaType === MEDIA.dockerV1Signed || mediaType === MEDIA.dockerV1 || isSchema1(text)) {
    const r = schema1Payload(Buffer.from(text, 'utf8'));
    return 'error' in r ? undefined : r.digest;
  }
  return sha256Digest(text);
}

function isSchema1(text: string): boolean {
  try {
    const m = JSON.parse(text) as unknown;
    return isObj(m) && m['schemaVersion'] === 1;
  } catch {
    return false;
  }
}
