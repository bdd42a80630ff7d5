/**
 * Fetching what one import entry names and turning it into Images: a manifest, its config, and for
 * a manifest list either the one runnable image for the preferred platform (Legacy: platform.ts
 * ranks the entries, nested lists are looked into, a fallback is reported) or the list and every
 * manifest in it (PreserveOriginal: nested lists, attestations and artifacts included). An OCI
 * artifact's config is not read; its Image records the artifactType. A failure names the digest at
 * fault: a child a partial mirror lacks, a config that is missing, a manifest of no known type.
 */
import type { Image } from '../apis/image/schema.js';
import { ARTIFACT_TYPE_ANNOTATION, LAYERS_ORDER_ANNOTATION } from '../apis/image/annotations.js';
import { deriveMetadata, isListType, parseManifest, type ParsedManifest } from '../apis/image/manifest.js';
import { validateImage } from '../apis/image/image-validation.js';
import { exact, type DockerImageReference } from '../apis/image/reference.js';
import { fieldErrorMessage } from '../api/errors.js';
import { rfc3339 } from '../api/object-meta.js';
import { type RegistryClient, RegistryError, type FetchedManifest } from './registry-client.js';
import { limitMetadata } from './metadata-limit.js';
import { isAttestation, otherOs, passedOver, platformText, rankEntries, type Entry, type Platform } from './platform.js';
import { ImportLimitError, type ImportLimits } from './limits.js';

export const PREFER_ARCH_ANNOTATION = 'importer.image.openshift.io/prefer-arch';
export const PREFER_OS_ANNOTATION = 'importer.image.openshift.io/prefer-os';

/**
 * One entry cannot be imported, for a reason that names what is at fault (a digest, a field); the
 * message leaves out the reference, which errorStatus adds.
 */
export class EntryError extends Error {
  override readonly name = 'EntryError';
  constructor(
    readonly reason: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Something an import did that its user should know although it succeeded (a fallback, a trimmed config). */
export interface ImportWarning {
  readonly reason: string;
  readonly message: string;
}

function nodeArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/** How deeply indexes may nest in an index (an index of indexes is already rare). */
const MAX_NESTING = 4;

/** What one entry's fetches share: where from, the limits, and what to tell the user. */
export interface Fetch {
  readonly client: RegistryClient;
  readonly repo: string;
  readonly ref: DockerImageReference;
  readonly now: Date;
  readonly limits: ImportLimits;
  readonly warnings: ImportWarning[];
  /** Entries of lists followed so far, nested ones included. */
  entries: number;
}

/** A manifest a list names: a missing one (a partial mirror) is reported by its digest and the list's. */
async function child(f: Fetch, digest: string, list: string): Promise<FetchedManifest> {
  try {
    return await f.client.getManifest(f.repo, digest);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'NotFound')
      throw new EntryError('NotFound', 404, `the manifest list ${list} names the manifest ${digest}, which the registry does not have`);
    throw e;
  }
}

function countEntries(f: Fetch, list: string, n: number): void {
  f.entries += n;
  if (f.entries <= f.limits.maxManifests) return;
  const flag = `more than the ${f.limits.maxManifests} followed (--image-import-max-manifests)`;
  throw new ImportLimitError(
    'TooLarge',
    f.entries === n
      ? `the manifest list ${list} has ${n} entries, ${flag}`
      : `the manifest list ${list}, nested in another, brings the entries followed to ${f.entries}, ${flag}`,
  );
}

/** The Image for one fetched manifest (schema 2 / OCI / schema 1, an artifact, a list), metadata derived as on create. */
async function imageFor(f: Fetch, m: FetchedManifest): Promise<Image> {
  const text = m.body.toString('utf8');
  const parsed = parseManifest(text, m.mediaType);
  if (!parsed) throw new EntryError('InternalError', 500, `unsupported image manifest type: ${m.mediaType || 'unknown'} (the manifest ${m.digest})`);
  let config: string | undefined;
  if (parsed.kind === 'schema2' && !parsed.artifactType) {
    try {
      config = (await f.client.getBlob(f.repo, parsed.config.digest)).toString('utf8');
    } catch (e) {
      if (e instanceof RegistryError && e.kind === 'NotFound')
        throw new EntryError('NotFound', 404, `the image ${m.digest} names the config ${parsed.config.digest}, which the registry does not have`);
      throw e;
    }
  }
  const derived = deriveMetadata(m.digest, text, config, rfc3339(f.now), { contentType: m.mediaType });
  if ('error' in derived) throw new EntryError('InternalError', 500, `the image ${m.digest}: ${derived.error}`);
  const before = Buffer.byteLength(JSON.stringify(derived.metadata));
  const dropped = limitMetadata(derived.metadata, f.limits.maxConfigBytes);
  if (dropped.length > 0)
    f.warnings.push({
      reason: 'MetadataTruncated',
      message: `the image ${m.digest} has ${before} bytes of metadata from its config${parsed.kind === 'schema2' ? ` ${parsed.config.digest}` : ''}, more than the ${f.limits.maxConfigBytes} an Image keeps (--image-import-max-config-bytes); not stored: ${dropped.join(', ')}`,
    });
  const artifactType = parsed.kind === 'schema1' ? undefined : parsed.artifactType;
  const image: Image = {
    metadata: {
      name: m.digest,
      annotations: { [LAYERS_ORDER_ANNOTATION]: 'ascending', ...(artifactType ? { [ARTIFACT_TYPE_ANNOTATION]: artifactType } : {}) },
    },
    dockerImageReference: exact({ ...f.ref, tag: '', id: m.digest }),
    dockerImageManifest: text,
    dockerImageManifestMediaType: derived.manifestMediaType,
    dockerImageMetadata: derived.metadata,
    dockerImageMetadataVersion: '1.0',
    dockerImageLayers: derived.layers,
    ...(config ? { dockerImageConfig: config } : {}),
    ...(derived.manifests ? { dockerImageManifests: derived.manifests } : {}),
  };
  return image;
}

export interface Fetched {
  image: Image;
  manifests?: Image[];
}

/**
 * PreserveOriginal: every manifest the list names, and those of lists nested in it (each once),
 * attestations and artifacts included: the list keeps them all.
 */
async function descendants(f: Fetch, list: FetchedManifest, parsed: ParsedList, depth: number, seen: Set<string>): Promise<Image[]> {
  countEntries(f, list.digest, parsed.manifests.length);
  const out: Image[] = [];
  for (const d of parsed.manifests) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    const c = await child(f, d.digest, list.digest);
    const image = await imageFor(f, c);
    const nested = parseManifest(c.body.toString('utf8'), c.mediaType);
    if (nested?.kind === 'list') {
      if (depth + 1 >= MAX_NESTING) throw new EntryError('InternalError', 500, `the manifest list ${list.digest} nests lists more than ${MAX_NESTING} deep`);
      out.push(...(await descendants(f, c, nested, depth + 1, seen)));
    }
    out.push(image);
  }
  return out;
}

/**
 * Legacy: the entries of the list and of the lists nested in it, without fetching nested lists
 * that are attestations, artifacts or for another OS. An entry without a platform takes that of
 * the nested list that names it.
 */
async function flatten(f: Fetch, list: FetchedManifest, parsed: ParsedList, prefer: Platform, depth: number): Promise<Entry[]> {
  countEntries(f, list.digest, parsed.manifests.length);
  const out: Entry[] = [];
  for (const d of parsed.manifests) {
    if (!isListType(d.mediaType) || isAttestation(d) || otherOs(d, prefer)) {
      out.push({ descriptor: d, list: list.digest });
      continue;
    }
    if (depth + 1 >= MAX_NESTING) throw new EntryError('InternalError', 500, `the manifest list ${list.digest} nests lists more than ${MAX_NESTING} deep`);
    const c = await child(f, d.digest, list.digest);
    const nested = parseManifest(c.body.toString('utf8'), c.mediaType);
    if (nested?.kind !== 'list') {
      out.push({ descriptor: { ...d, mediaType: nested?.mediaType ?? c.mediaType }, list: list.digest });
      continue;
    }
    for (const e of await flatten(f, c, nested, prefer, depth + 1))
      out.push(e.descriptor.platform?.os || !d.platform ? e : { ...e, descriptor: { ...e.descriptor, platform: d.platform } });
  }
  return out;
}

/** What a config says the image runs on. */
function configPlatform(config: string | undefined): { os: string; architecture: string } {
  try {
    const c = JSON.parse(config ?? '{}') as { os?: unknown; architecture?: unknown };
    return { os: typeof c.os === 'string' ? c.os : '', architecture: typeof c.architecture === 'string' ? c.architecture : '' };
  } catch {
    return { os: '', architecture: '' };
  }
}

/** Legacy: the one runnable image of the list for the preferred platform (platform.ts says which). */
async function chooseFromList(f: Fetch, list: FetchedManifest, parsed: ParsedList, prefer: Platform): Promise<Image> {
  const ranking = rankEntries(await flatten(f, list, parsed, prefer, 0), prefer);
  const skipped = { attestations: ranking.attestations, artifacts: ranking.artifacts, otherPlatforms: [...ranking.otherPlatforms] };
  const wanted = `${prefer.os}/${prefer.arch}`;
  for (const c of ranking.candidates) {
    const m = await child(f, c.descriptor.digest, c.list);
    const p = parseManifest(m.body.toString('utf8'), m.mediaType);
    // What the list did not say: the manifest itself is an artifact, or not an image at all.
    if (!p || p.kind === 'list' || (p.kind === 'schema2' && p.artifactType)) {
      skipped.artifacts++;
      continue;
    }
    const image = await imageFor(f, m);
    if (c.platformless) {
      const runs = configPlatform(image.dockerImageConfig);
      if (runs.os !== prefer.os) {
        if (runs.os === 'unknown') skipped.attestations++;
        else skipped.otherPlatforms.push(`${runs.os || '(none)'}/${runs.architecture || '(none)'}`);
        continue;
      }
      f.warnings.push({
        reason: 'PlatformFallback',
        message: `the manifest list ${list.digest} has no ${wanted} entry; imported ${m.digest}, which it names without a platform and whose config says ${runs.os}/${runs.architecture}`,
      });
    } else if (c.fallback) {
      f.warnings.push({
        reason: 'PlatformFallback',
        message: `the manifest list ${list.digest} has no ${wanted} image; imported ${platformText(c.descriptor.platform)} (${m.digest}) instead`,
      });
    }
    return image;
  }
  if (parsed.manifests.length === 0) throw new EntryError('NotFound', 404, `the manifest list ${list.digest} is empty`);
  const hint =
    skipped.otherPlatforms.length > 0
      ? `set the tag's ${PREFER_OS_ANNOTATION} annotation to choose one, or import the list with importMode PreserveOriginal`
      : 'import it with importMode PreserveOriginal to keep it';
  throw new EntryError('NoRunnableImage', 404, `the manifest list ${list.digest} has no image for ${prefer.os} (it holds ${passedOver(skipped)}); ${hint}`);
}

type ParsedList = Extract<ParsedManifest, { kind: 'list' }>;

export async function fetchImage(f: Fetch, reference: string, mode: string, prefer: { arch?: string; os?: string }): Promise<Fetched> {
  const m = await f.client.getManifest(f.repo, reference);
  const parsed = parseManifest(m.body.toString('utf8'), m.mediaType);
  if (parsed?.kind !== 'list') return { image: await imageFor(f, m) };
  if (mode === 'PreserveOriginal') {
    const list = await imageFor(f, m);
    return { image: list, manifests: await descendants(f, m, parsed, 0, new Set([m.digest])) };
  }
  return { image: await chooseFromList(f, m, parsed, { arch: prefer.arch || nodeArch(), os: prefer.os || 'linux' }) };
}

/** The Images an entry produced must be storable: an entry that cannot be stored fails on its own. */
export function checkStorable(images: readonly Image[]): void {
  for (const image of images) {
    const errs = validateImage(image);
    if (errs.length > 0)
      throw new EntryError('Invalid', 422, `the image ${image.metadata.name ?? ''} cannot be stored: ${errs.map(fieldErrorMessage).join(', ')}`);
  }
}
