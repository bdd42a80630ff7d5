/**
 * imagestreamtags: one tag of a stream seen as the image it points at. Reads join
 * the stream's newest tag event with the Image; writes edit the stream's spec tag (creating the
 * stream when needed) through the internal strategy, retried on conflicts.
 */
import type { TSchema } from '@sinclair/typebox';
import { badRequest, fieldErr, invalid, notFound, type GroupResource } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { TableColumn } from '../../../api/table-column.js';
import { applyPatchDocument } from '../../../apiserver/generic/apply-patch.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { PatchRequest, ResourceHandler, WriteRequest } from '../../../apiserver/generic/handler.js';
import type { ListOptions, ResourceStore } from '../../../apiserver/generic/resource-store.js';
import type { Image, ImageStream, TagReference } from '../../../apis/image/schema.js';
import { latestEvent, statusTag } from '../../../apis/image/tag-events.js';
import type { ImageStreamTag } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION, checkTagWrite, deleteTag, imageView, parseStreamTag, resolveReference } from '../common.js';

export interface StreamViews {
  /** Reads (decorated) and creates of streams. */
  readonly streams: ResourceStore<ImageStream>;
  /** Spec and status written together (the internal strategy). */
  readonly internal: ResourceStore<ImageStream>;
  readonly images: ResourceStore<Image>;
}

const GR: GroupResource = { group: 'image.openshift.io', resource: 'imagestreamtags' };
const SINGULAR: GroupResource = { group: 'image.openshift.io', resource: 'imagestreamtag' };
const KIND = { group: 'image.openshift.io', kind: 'ImageStreamTag' };

export function buildImageStreamTag(stream: ImageStream, tag: string, image: Image | undefined, allowEmpty: boolean): ImageStreamTag | undefined {
  const event = latestEvent(stream, tag);
  if (!allowEmpty && !event?.image) return undefined;
  const spec = stream.spec?.tags?.find((t) => t.name === tag);
  const conditions = statusTag(stream, tag)?.conditions;
  const annotations = spec?.annotations ?? {};
  const ist: ImageStreamTag = {
    apiVersion: API_VERSION,
    kind: 'ImageStreamTag',
    metadata: {
      name: `${stream.metadata.name ?? ''}:${tag}`,
      namespace: stream.metadata.namespace ?? '',
      uid: stream.metadata.uid ?? '',
      resourceVersion: stream.metadata.resourceVersion ?? '',
      creationTimestamp: event?.created ?? stream.metadata.creationTimestamp ?? '',
      annotations: { ...annotations },
      ...(stream.metadata.labels ? { labels: { ...stream.metadata.labels } } : {}),
    },
    tag: spec ? structuredClone(spec) : null,
    generation: event?.generation ?? 0,
    lookupPolicy: stream.spec?.lookupPolicy ?? { local: false },
    ...(conditions?.length ? { conditions: structuredClone(conditions) } : {}),
    image: { metadata: {}, dockerImageReference: '' },
  };
  if (event) {
    const ref = resolveReference(stream, tag, event);
    ist.image = image ? { ...imageView(image, annotations), dockerImageReference: ref } : { metadata: { name: event.image }, dockerImageReference: ref };
  }
  return ist;
}

export function createImageStreamTagHandler(
  o: StreamViews & { info: ResourceInfo; schema: TSchema; columns: readonly TableColumn<ImageStreamTag>[] },
): ResourceHandler<ImageStreamTag> {
  const expected = { apiVersion: API_VERSION, kind: 'ImageStreamTag' };

  const read = async (ctx: RequestContext, name: string): Promise<ImageStreamTag> => {
    const { stream: sName, tag } = parseStreamTag(name, 'ImageStreamTags');
    const stream = await o.streams.get(ctx, sName);
    const event = latestEvent(stream, tag);
    if (!event?.image) throw notFound(GR, name);
    const image = await o.images.getRaw(undefined, event.image);
    if (!image) throw notFound({ group: 'image.openshift.io', resource: 'images' }, event.image);
    return buildImageStreamTag(stream, tag, image.obj, false) as ImageStreamTag;
  };

  /** The view after a write (the image may not exist yet: before an import it is empty). */
  const view = async (stream: ImageStream, tag: string): Promise<ImageStreamTag> => {
    const image = latestEvent(stream, tag)?.image;
    const found = image ? await o.images.getRaw(undefined, image) : undefined;
    return buildImageStreamTag(stream, tag, found?.obj, true) as ImageStreamTag;
  };

  const upsert = async (ctx: RequestContext, name: string, ist: ImageStreamTag, mode: 'create' | 'update') => {
    const { stream: sName, tag } = parseStreamTag(name, 'ImageStreamTags');
    if (ist.metadata.name && ist.metadata.name !== name)
      throw badRequest(`the name of the object (${ist.metadata.name}) does not match the name on the URL (${name})`);
    const rv = ist.metadata.resourceVersion;
    let hadSpecTag = false;
    const result = await o.internal.guaranteedUpdate(
      ctx,
      sName,
      (current) => {
        const specTag = current?.spec?.tags?.find((t) => t.name === tag);
        hadSpecTag = specTag !== undefined;
        checkTagWrite(mode, current, hadSpecTag, rv, { gr: GR, existsAs: SINGULAR, name });
        if (mode === 'update') {
          if (!specTag && !ist.tag)
            throw badRequest(`imagestreamtag ${tag} is not a spec tag in imagestream ${ctx.namespace ?? ''}/${sName}, cannot be updated`);
          // The labels are the stream's (empty ones are taken to mean them); only annotations and the tag may change here.
          const labels = ist.metadata.labels ?? {};
          if (current && Object.keys(labels).length > 0 && JSON.stringify(labels) !== JSON.stringify(current.metadata.labels ?? {}))
            throw invalid(KIND, name, [fieldErr.invalid('metadata', '', 'may not update fields other than metadata.annotations')]);
        }
        const stream: ImageStream = current ?? {
          apiVersion: API_VERSION,
          kind: 'ImageStream',
          metadata: { name: sName, namespace: ctx.namespace ?? '' },
          spec: {},
        };
        if (ist.tag || mode === 'update') {
          const next: TagReference = { ...(ist.tag ?? specTag ?? { name: tag }), name: tag };
          // On update the object's annotations are the tag's; on create the tag brings its own.
          if (mode === 'update') next.annotations = ist.metadata.annotations ?? null;
          const tags = (stream.spec ??= {}).tags ?? [];
          stream.spec.tags = [...tags.filter((t) => t.name !== tag), next];
        }
        return stream;
      },
      { dryRun: ctx.dryRun, allowCreate: true },
    );
    // A write that adds the spec tag creates the ImageStreamTag (201), whether or not the stream existed.
    return { object: await view(result.object, tag), created: !hadSpecTag };
  };

  const decode = (body: unknown, ctx: RequestContext, req: WriteRequest) => decodeBody<ImageStreamTag>(body, o.schema, expected, ctx, req);

  return {
    info: o.info,
    columns: o.columns,
    get: read,
    async list(ctx: RequestContext, opts: ListOptions) {
      const streams = await o.streams.list(ctx, {
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      const items: ImageStreamTag[] = [];
      for (const s of streams.items) {
        for (const t of s.status?.tags ?? []) {
          const ist = buildImageStreamTag(s, t.tag, undefined, false);
          if (ist) items.push(ist);
        }
      }
      return { items, resourceVersion: streams.resourceVersion };
    },
    async create(ctx, body, req) {
      const ist = decode(body, ctx, req);
      const name = ist.metadata.name ?? '';
      parseStreamTag(name, 'ImageStreamTags');
      if (ist.tag) ist.tag.name = name.split(':')[1] ?? '';
      return (await upsert(ctx, name, ist, 'create')).object;
    },
    async update(ctx, name, body, req) {
      return upsert(ctx, name, decode(body, ctx, req), 'update');
    },
    async patch(ctx, name, req: PatchRequest) {
      if (req.type === 'apply') throw badRequest('server-side apply is not supported for imagestreamtags; use a merge, strategic merge or JSON patch');
      const { stream: sName, tag } = parseStreamTag(name, 'ImageStreamTags');
      const current = await o.streams.getRaw(ctx.namespace, sName);
      const base = current ? await view(current.obj, tag) : undefined;
      if (!base) throw notFound(GR, name);
      const patched = applyPatchDocument({ current: base, req, schema: o.schema, expected, now: ctx.now, subresource: undefined });
      const ist = decode(patched, ctx, { ...req });
      return upsert(ctx, name, ist, 'update');
    },
    async delete(ctx, name, opts) {
      const { stream, tag } = parseStreamTag(name, 'ImageStreamTags');
      return deleteTag(o.internal, ctx, { gr: GR, name, stream, tag }, opts);
    },
  };
}
