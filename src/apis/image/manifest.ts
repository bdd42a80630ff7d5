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

export function sha256Digest(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
}

export type ParsedManifest =
  | { kind: 'list'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'schema2'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'schema1'; mediaType: string; layers: { digest: string; v1: Record<string, unknown> }[] };

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function descriptor(v: unknown): Descriptor | undefined {
  if (!isObj(v) || typeof v['digest'] !== 'string') return undefined;
  const d: Descriptor = { digest: v['digest'], size: typeof v['size'] === 'number' ? v['size'] : 0 };
  if (typeof v['mediaType'] === 'string') d.mediaType = v['mediaType'];
  if (isObj(v['platform'])) d.platform = v['platform'] as Descriptor['platform'] & object;
  return d;
}

/** Parses a manifest; undefined when it is not one we understand. */
export function parseManifest(text: string): ParsedManifest | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(m)) return undefined;
  const mediaType = typeof m['mediaType'] === 'string' ? m['mediaType'] : '';
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
    return {
      kind: 'list',
      mediaType: mediaType || MEDIA.ociIndex,
      manifests: m['manifests'].map(descriptor).filter((d): d is Descriptor => d !== undefined),
    };
  }
  const config = descriptor(m['config']);
  if (config && Array.isArray(m['layers'])) {
    return {
      kind: 'schema2',
      mediaType: mediaType || (config.mediaType === MEDIA.ociConfig ? MEDIA.ociManifest : MEDIA.dockerV2),
      config,
      layers: m['layers'].map(descriptor).filter((d): d is Descriptor => d !== undefined),
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

export function deriveMetadata(name: string, manifestText: string, configText: string | undefined, now: string): DerivedMetadata | { error: string } {
  const m = parseManifest(manifestText);
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
        Created: top['created'],
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
  if (!configText) return { error: 'dockerImageConfig must not be empty for a schema 2 or OCI manifest' };
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(configText) as Record<string, unknown>;
  } catch {
    return { error: 'unable to parse the image config' };
  }
  return {
    metadata: dockerImage({
      Id: m.config.digest,
      Created: config['created'],
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
