/**
 * Storing the Images an import verified. An Image is named by the digest of its manifest, but who
 * creates one first decides what is stored under that name: an editor of any namespace may create
 * ImageStreamMappings, and a mapping creates the Image with whatever layers and metadata it was
 * given. An import has fetched the manifest by that digest and checked it, so its content is the
 * truth: an existing Image is reused only when it holds that content, and otherwise the verified
 * content replaces what is stored (annotations, labels and signatures stay the existing object's).
 */
import { isDeepStrictEqual } from 'node:util';
import { isApiError } from '../../../api/errors.js';
import type { RequestContext, Strategy } from '../../../api/strategy.js';
import type { ResourceStore, WriteOptions } from '../../../apiserver/generic/resource-store.js';
import { LAYERS_ORDER_ANNOTATION } from '../../../apis/image/annotations.js';
import type { Image } from '../../../apis/image/schema.js';
import { ARTIFACT_TYPE_ANNOTATION } from '../../../apis/image/annotations.js';

/** As stored: JSON drops undefined members, and absent lists and strings read as empty. */
const normal = (v: unknown): unknown => (v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown));
const list = (v: readonly unknown[] | null | undefined): unknown => normal(v ?? []);
const meta = (i: Image) => (i.dockerImageMetadata ?? {}) as Record<string, unknown>;

/**
 * Whether a stored Image holds the content an import verified: the same layers, manifest list
 * entries, manifest media type, image ID and config, and artifact type. Stored Images carry no manifest or config
 * blobs, and a list's metadata.Created is when it was imported, so those are not compared.
 */
export function sameImageContent(stored: Image, verified: Image): boolean {
  return (
    isDeepStrictEqual(list(stored.dockerImageLayers), list(verified.dockerImageLayers)) &&
    isDeepStrictEqual(list(stored.dockerImageManifests), list(verified.dockerImageManifests)) &&
    (stored.dockerImageManifestMediaType ?? '') === (verified.dockerImageManifestMediaType ?? '') &&
    isDeepStrictEqual(normal(meta(stored)['Id']), normal(meta(verified)['Id'])) &&
    isDeepStrictEqual(normal(meta(stored)['Config']), normal(meta(verified)['Config'])) &&
    stored.metadata.annotations?.[ARTIFACT_TYPE_ANNOTATION] === verified.metadata.annotations?.[ARTIFACT_TYPE_ANNOTATION]
  );
}

/** What an import stores of an Image it verified: no manifest or config blobs, no signatures. */
export function toStore(verified: Image): Image {
  const stored = structuredClone(verified);
  delete stored.dockerImageManifest;
  delete stored.dockerImageConfig;
  delete stored.signatures;
  return stored;
}

/**
 * `current` with the verified content in place of its own: layers, manifest list entries, media
 * type, metadata and the pull spec come from the import; object metadata (annotations, labels),
 * signatures and dockerImageSignatures stay, but for the annotations that describe the content
 * (layer order, artifact type). Stored manifest and config blobs stay only when they
 * are the verified bytes. Pure.
 */
export function withVerifiedContent(current: Image, verified: Image): Image {
  const next = structuredClone(current);
  const v = toStore(verified);
  const take = <
    K extends
      | 'dockerImageReference'
      | 'dockerImageLayers'
      | 'dockerImageManifests'
      | 'dockerImageManifestMediaType'
      | 'dockerImageMetadata'
      | 'dockerImageMetadataVersion',
  >(
    k: K,
  ) => {
    if (v[k] === undefined) delete next[k];
    else next[k] = structuredClone(v[k]);
  };
  take('dockerImageReference');
  take('dockerImageLayers');
  take('dockerImageManifests');
  take('dockerImageManifestMediaType');
  take('dockerImageMetadata');
  take('dockerImageMetadataVersion');
  if (next.dockerImageManifest !== undefined && next.dockerImageManifest !== verified.dockerImageManifest) delete next.dockerImageManifest;
  if (next.dockerImageConfig !== undefined && next.dockerImageConfig !== verified.dockerImageConfig) delete next.dockerImageConfig;
  const annotations = next.metadata.annotations ?? {};
  // Annotations that describe the content are the content's.
  for (const key of [LAYERS_ORDER_ANNOTATION, ARTIFACT_TYPE_ANNOTATION]) {
    const value = verified.metadata.annotations?.[key];
    if (value !== undefined) annotations[key] = value;
    else delete annotations[key];
  }
  if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  return next;
}

/**
 * The Image rules, except that an update takes the object as given: the Image strategy keeps the
 * derived content of an existing Image immutable, and this view exists only to replace it with
 * verified content (storeVerifiedImage computes the whole object from the current one).
 */
function contentStrategy(base: Strategy<Image>): Strategy<Image> {
  return { ...base, prepareForUpdate: () => {} };
}

const views = new WeakMap<ResourceStore<Image>, ResourceStore<Image>>();

function contentView(images: ResourceStore<Image>): ResourceStore<Image> {
  let view = views.get(images);
  if (!view) {
    view = images.withStrategy(contentStrategy(images.strategy), '');
    views.set(images, view);
  }
  return view;
}

export type StoreOutcome = 'created' | 'reused' | 'replaced';

/**
 * Stores an Image an import verified (`ctx` without a namespace): creates it when missing, reuses
 * it when it holds the verified content, and otherwise replaces its content with the verified one.
 * `onCreated` hears of an Image this call created (with its uid), for a caller that may have to
 * take it back.
 */
export async function storeVerifiedImage(
  images: ResourceStore<Image>,
  ctx: RequestContext,
  verified: Image,
  opts: WriteOptions,
  onCreated?: (stored: Image) => void,
): Promise<StoreOutcome> {
  const name = verified.metadata.name ?? '';
  const existing = (await images.getRaw(undefined, name))?.obj;
  if (existing && sameImageContent(existing, verified)) return 'reused';
  if (!existing) {
    try {
      const stored = await images.create(ctx, toStore(verified), opts);
      if (!opts.dryRun) onCreated?.(stored);
      return 'created';
    } catch (e) {
      if (!isApiError(e, 'AlreadyExists')) throw e;
    }
  }
  let outcome: StoreOutcome = 'reused';
  const result = await contentView(images).guaranteedUpdate(
    ctx,
    name,
    (current) => {
      if (!current) {
        outcome = 'created';
        return toStore(verified);
      }
      if (sameImageContent(current, verified)) {
        outcome = 'reused';
        return current;
      }
      outcome = 'replaced';
      return withVerifiedContent(current, verified);
    },
    { ...opts, allowCreate: true },
  );
  if ((outcome as StoreOutcome) === 'created' && !opts.dryRun) onCreated?.(result.object);
  return outcome;
}
