/**
 * imagestreammappings: records that an image was pushed to a stream's tag. Creates
 * the Image if it does not exist (an existing Image is never modified), adds the tag event (and
 * updates tags tracking it) through the status rules, and answers a Status of code 201.
 */
import { MANAGED_ANNOTATION } from '../../../apis/image/annotations.js';
import type { TSchema } from '@sinclair/typebox';
import { conflict, fieldErr, invalid, isApiError, notFound, OBJECT_MODIFIED, type FieldError } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import { isDNS1123Label, validatePathSegmentName } from '../../../api/validation/object-meta.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { rfc3339 } from '../../../api/object-meta.js';
import { validateImage } from '../../../apis/image/image-validation.js';
import type { Image, ImageStream, TagEvent } from '../../../apis/image/schema.js';
import { addTagEvent, statusTag, updateTrackingTags } from '../../../apis/image/tag-events.js';
import type { ImageStreamMapping } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION, success } from '../common.js';

const KIND = { group: 'image.openshift.io', kind: 'ImageStreamMapping' };

function validateMapping(m: ImageStreamMapping): FieldError[] {
  const errs: FieldError[] = [];
  const name = m.metadata.name ?? '';
  if (!m.metadata.namespace) errs.push(fieldErr.required('metadata.namespace'));
  else for (const e of isDNS1123Label(m.metadata.namespace)) errs.push(fieldErr.invalid('metadata.namespace', m.metadata.namespace, e));
  if (!name) {
    errs.push(fieldErr.required('metadata.name'));
    errs.push(fieldErr.required('dockerImageRepository'));
  } else for (const e of validatePathSegmentName(name, false)) errs.push(fieldErr.invalid('metadata.name', name, e));
  if (!m.tag) errs.push(fieldErr.required('tag'));
  const image = (m.image ?? { metadata: {} }) as Image;
  image.metadata ??= {};
  for (const e of validateImage(image)) errs.push({ ...e, field: `image.${e.field}` });
  return errs;
}

export function createImageStreamMappingHandler(o: {
  info: ResourceInfo;
  schema: TSchema;
  streams: ResourceStore<ImageStream>;
  status: ResourceStore<ImageStream>;
  images: ResourceStore<Image>;
  internalRegistryHostname: () => string | undefined;
}): ResourceHandler<ImageStreamMapping> {
  const expected = { apiVersion: API_VERSION, kind: 'ImageStreamMapping' };
  return {
    info: o.info,
    async create(ctx: RequestContext, body, req) {
      const m = decodeBody<ImageStreamMapping>(body, o.schema, expected, ctx, req);
      m.metadata.namespace = ctx.namespace ?? m.metadata.namespace ?? '';
      const image = (m.image ?? { metadata: {} }) as Image;
      image.metadata ??= {};
      const ir = o.internalRegistryHostname();
      if (!image.dockerImageReference && ir) image.dockerImageReference = `${ir}/${m.metadata.namespace}/${m.metadata.name ?? ''}@${image.metadata.name ?? ''}`;
      delete image.signatures;
      m.image = image;
      const errs = validateMapping(m);
      if (errs.length) throw invalid(KIND, m.metadata.name ?? '', errs);
      const streamName = m.metadata.name ?? '';
      const stream = await o.streams.getRaw(ctx.namespace, streamName);
      if (!stream) throw notFound({ group: 'image.openshift.io', resource: 'imagestreams' }, streamName);
      let existed = false;
      try {
        await o.images.create({ ...ctx, namespace: undefined } as RequestContext, structuredClone(image), { dryRun: ctx.dryRun });
      } catch (e) {
        if (!isApiError(e, 'AlreadyExists')) throw e;
        existed = true;
      }
      const tag = m.tag || 'latest';
      const imageName = image.metadata.name ?? '';
      // The write goes ahead only while the tag still points where it did when the stream
      // was read above; if someone moved it meanwhile (a write that won a race, or one this write
      // waited behind), they win and we answer 409.
      const firstSeen = statusTag(stream.obj, tag)?.items?.[0];
      await o.status.guaranteedUpdate(
        ctx,
        streamName,
        (current) => {
          if (!current) throw notFound({ group: 'image.openshift.io', resource: 'imagestreams' }, streamName);
          if (!sameTagEvent(firstSeen, statusTag(current, tag)?.items?.[0]))
            throw conflict({ group: 'image.openshift.io', resource: 'imagestreams' }, streamName, OBJECT_MODIFIED);
          let ref = image.dockerImageReference ?? '';
          if (existed && image.metadata.annotations?.[MANAGED_ANNOTATION] === 'true') {
            const repo = current.status?.dockerImageRepository || current.spec?.dockerImageRepository;
            if (repo) ref = `${repo}@${imageName}`;
          }
          const event = { created: rfc3339(ctx.now), dockerImageReference: ref, image: imageName, generation: current.metadata.generation ?? 0 };
          if (addTagEvent(current, tag, event)) updateTrackingTags(current, tag, event);
          return current;
        },
        { dryRun: ctx.dryRun },
      );
      return success(201);
    },
  };
}

/** Whether two newest events point at the same image the same way (their time and generation aside). */
function sameTagEvent(a: TagEvent | undefined, b: TagEvent | undefined): boolean {
  if (!a || !b) return a === b;
  return a.image === b.image && a.dockerImageReference === b.dockerImageReference;
}
