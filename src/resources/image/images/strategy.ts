/**
 * The Image strategy: metadata, layers and manifest lists derived from the manifest
 * on create; on update the derived data is immutable and a new manifest or config is accepted only
 * when it matches the image's digest.
 */
import { LAYERS_ORDER_ANNOTATION, MANIFEST_BLOB_STORED_ANNOTATION } from '../../../apis/image/annotations.js';
import type { Strategy } from '../../../api/strategy.js';
import { rfc3339 } from '../../../api/object-meta.js';
import { validateImage, validateImageUpdate } from '../../../apis/image/image-validation.js';
import { deriveMetadata, manifestDigest, MEDIA, parseManifest, sha256Digest } from '../../../apis/image/manifest.js';
import type { Image } from '../../../apis/image/schema.js';

export const MANAGED_SIGNATURE_ANNOTATION = 'image.openshift.io/managed-signature';

/** Stored layers are always oldest first; older writers stored schema 2 layers newest first. */
function normalizeLayerOrder(image: Image): void {
  const layers = image.dockerImageLayers;
  if (!layers || layers.length === 0) return;
  const annotations = (image.metadata.annotations ??= {});
  const order = annotations[LAYERS_ORDER_ANNOTATION];
  if (order === 'ascending') return;
  const mediaType = image.dockerImageManifestMediaType ?? parseManifest(image.dockerImageManifest ?? '')?.mediaType;
  const descending = order === 'descending' || (order === undefined && mediaType !== undefined && mediaType !== MEDIA.dockerV1);
  if (descending) image.dockerImageLayers = [...layers].reverse();
  annotations[LAYERS_ORDER_ANNOTATION] = 'ascending';
}

function fillMetadata(image: Image, now: Date): void {
  if (!image.dockerImageManifest) return;
  normalizeLayerOrder(image);
  // A manifest that names no media type of its own is of the type the Image says, if its shape agrees.
  const derived = deriveMetadata(image.metadata.name ?? '', image.dockerImageManifest, image.dockerImageConfig, rfc3339(now), {
    ...(image.dockerImageManifestMediaType ? { contentType: image.dockerImageManifestMediaType } : {}),
  });
  if ('error' in derived) return; // openshift-apiserver only logs this; the create still succeeds
  if (derived.manifests) image.dockerImageManifests = derived.manifests;
  const complete = (image.dockerImageLayers?.length ?? 0) > 0 && image.dockerImageManifestMediaType && image.dockerImageMetadata;
  if (complete) return;
  image.dockerImageMetadata = derived.metadata;
  image.dockerImageLayers = derived.layers;
  image.dockerImageManifestMediaType = derived.manifestMediaType;
  if (derived.layers.length > 0) (image.metadata.annotations ??= {})[LAYERS_ORDER_ANNOTATION] = 'ascending';
}

function finish(image: Image): void {
  image.dockerImageMetadataVersion ||= '1.0';
  if (image.metadata.annotations?.[MANIFEST_BLOB_STORED_ANNOTATION] === 'true') {
    delete image.dockerImageManifest;
    delete image.dockerImageConfig;
  }
  for (const s of image.signatures ?? []) {
    if (s.metadata?.annotations) {
      delete s.metadata.annotations[MANAGED_SIGNATURE_ANNOTATION];
      if (Object.keys(s.metadata.annotations).length === 0) delete s.metadata.annotations;
    }
  }
}

export function createImageStrategy(): Strategy<Image> {
  return {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    prepareForCreate(image, ctx) {
      fillMetadata(image, ctx.now);
      finish(image);
    },
    validate: (image) => validateImage(image),
    prepareForUpdate(image, old, ctx) {
      image.dockerImageMetadata = old.dockerImageMetadata;
      image.dockerImageMetadataVersion = old.dockerImageMetadataVersion;
      image.dockerImageLayers = old.dockerImageLayers;
      if (old.dockerImageSignatures !== undefined) image.dockerImageSignatures = old.dockerImageSignatures;
      else delete image.dockerImageSignatures;
      for (const k of ['dockerImageMetadata', 'dockerImageMetadataVersion', 'dockerImageLayers'] as const) if (old[k] === undefined) delete image[k];
      // A manifest may be cleared, or set only to the one this image is named after.
      const manifest = image.dockerImageManifest;
      if (manifest && manifest !== old.dockerImageManifest) {
        const mediaType = old.dockerImageManifestMediaType;
        if (manifestDigest(manifest, mediaType) !== image.metadata.name) {
          if (old.dockerImageManifest === undefined) delete image.dockerImageManifest;
          else image.dockerImageManifest = old.dockerImageManifest;
        }
      }
      const config = image.dockerImageConfig;
      if (config && config !== old.dockerImageConfig) {
        const parsed = parseManifest(image.dockerImageManifest ?? old.dockerImageManifest ?? '');
        if (parsed?.kind !== 'schema2' || parsed.config.digest !== sha256Digest(config)) {
          if (old.dockerImageConfig === undefined) delete image.dockerImageConfig;
          else image.dockerImageConfig = old.dockerImageConfig;
        }
      }
      fillMetadata(image, ctx.now);
      finish(image);
    },
    validateUpdate: (image, old) => validateImageUpdate(image, old),
  };
}
