/**
 * Image and embedded ImageSignature validation. An image needs a parseable dockerImageReference and,
 * for a manifest list, well-formed sub-manifests (a platform of both architecture and os, or none)
 * and no layers. A signature is named
 * `<imageName>@<signatureName>`, has no labels or annotations, needs type and content, carries
 * `Trusted` and `ForImage` conditions together, and leaves its identity fields unset while its trust
 * is unknown (no `Trusted` condition, or status Unknown).
 * Pure.
 */
import { GoValue } from '../../api/go-syntax.js';
import { GO_IMAGE_LAYERS, GO_SIGNATURE_CONDITIONS } from './go-types.js';
import { fieldErr, type FieldError } from '../../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate, validatePathSegmentName } from '../../api/validation/object-meta.js';
import { parseDockerImageReference } from './reference.js';
import type { Image, ImageSignature } from './schema.js';

const DIGEST = /[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}/;
const MEDIA_TYPE = /^ *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})\/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *$/;

export function validateSignature(sig: Omit<ImageSignature, 'metadata'> & { metadata?: ImageSignature['metadata'] }, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = sig.metadata?.name ?? '';
  for (const m of validatePathSegmentName(name, false)) errs.push(fieldErr.invalid(`${path}.metadata.name`, name, m));
  const parts = name.split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    errs.push(fieldErr.invalid(`${path}.metadata.name`, name, 'name must be of format <imageName>@<signatureName>'));
  if (Object.keys(sig.metadata?.labels ?? {}).length > 0) errs.push(fieldErr.forbidden(`${path}.metadata.labels`, 'signature labels cannot be set'));
  if (Object.keys(sig.metadata?.annotations ?? {}).length > 0)
    errs.push(fieldErr.forbidden(`${path}.metadata.annotations`, 'signature annotations cannot be set'));
  if (!sig.type) errs.push(fieldErr.required(`${path}.type`));
  if (!sig.content) errs.push(fieldErr.required(`${path}.content`));
  const newest = (t: string) =>
    (sig.conditions ?? []).filter((c) => c.type === t).sort((a, b) => (b.lastProbeTime ?? '').localeCompare(a.lastProbeTime ?? ''))[0];
  const trusted = newest('Trusted');
  const forImage = newest('ForImage');
  if (trusted && !forImage)
    errs.push(fieldErr.invalid(`${path}.conditions`, new GoValue(GO_SIGNATURE_CONDITIONS, sig.conditions), 'missing "ForImage" condition type'));
  if (forImage && !trusted)
    errs.push(fieldErr.invalid(`${path}.conditions`, new GoValue(GO_SIGNATURE_CONDITIONS, sig.conditions), 'missing "Trusted" condition type'));
  if (!trusted || trusted.status === 'Unknown') {
    for (const f of ['imageIdentity', 'signedClaims', 'issuedBy', 'issuedTo'] as const) {
      if (sig[f] !== undefined && !(f === 'imageIdentity' && sig[f] === ''))
        errs.push(fieldErr.invalid(`${path}.${f}`, sig[f], 'must be unset for unknown signature state'));
    }
  }
  return errs;
}

const PLATFORM_RULE = 'architecture and os are set together, or both left empty for an entry without a platform';

function validateImageFields(image: Image): FieldError[] {
  const errs: FieldError[] = [];
  if (!image.dockerImageReference) errs.push(fieldErr.required('dockerImageReference'));
  else {
    try {
      parseDockerImageReference(image.dockerImageReference);
    } catch (e) {
      errs.push(fieldErr.invalid('dockerImageReference', image.dockerImageReference, (e as Error).message));
    }
  }
  (image.signatures ?? []).forEach((s, i) => errs.push(...validateSignature(s, `signatures[${i}]`)));
  const manifests = image.dockerImageManifests ?? [];
  manifests.forEach((m, i) => {
    const p = `dockerImageManifests[${i}]`;
    if (!DIGEST.test(m.digest)) errs.push(fieldErr.invalid(`${p}.digest`, m.digest, 'digest does not conform with OCI image specification'));
    if (!MEDIA_TYPE.test(m.mediaType)) errs.push(fieldErr.invalid(`${p}.mediaType`, m.mediaType, 'media type does not conform to RFC6838'));
    // An entry without a platform (an artifact, a signature, a nested index) has neither; one with a
    // platform has both.
    if (!m.architecture && m.os) errs.push(fieldErr.required(`${p}.architecture`, PLATFORM_RULE));
    if (!m.os && m.architecture) errs.push(fieldErr.required(`${p}.os`, PLATFORM_RULE));
    if (m.manifestSize < 0) errs.push(fieldErr.invalid(`${p}.size`, m.manifestSize, 'manifest size cannot be negative'));
  });
  if (manifests.length > 0 && (image.dockerImageLayers ?? []).length > 0)
    errs.push(
      fieldErr.invalid(
        'dockerImageLayers',
        new GoValue(GO_IMAGE_LAYERS, image.dockerImageLayers),
        'dockerImageLayers should not be set when dockerImageManifests is set',
      ),
    );
  return errs;
}

const meta = { namespaced: false, validateName: validatePathSegmentName } as const;

export function validateImage(image: Image): FieldError[] {
  return [...validateObjectMeta(image.metadata, meta), ...validateImageFields(image)];
}

export function validateImageUpdate(image: Image, old: Image): FieldError[] {
  return [...validateObjectMetaUpdate(image.metadata, old.metadata), ...validateImageFields(image)];
}
