/**
 * imagetags: the whole of one tag — its spec, its status history and the image it
 * points at. `spec: null` on update removes the spec tag and leaves the history.
 */
import type { TSchema } from '@sinclair/typebox';
import { badRequest, fieldErr, invalid, notFound, type GroupResource } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { TableColumn } from '../../../api/table-column.js';
import { applyPatchDocument } from '../../../apiserver/generic/apply-patch.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler, WriteRequest } from '../../../apiserver/generic/handler.js';
import type { ListOptions } from '../../../apiserver/generic/resource-store.js';
import type { ImageStream } from '../../../apis/image/schema.js';
import { latestEvent, statusTag } from '../../../apis/image/tag-events.js';
import type { ImageTag } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION, checkTagWrite, deleteTag, imageView, parseStreamTag, resolveReference } from '../common.js';
import type { StreamViews } from '../imagestreamtags/rest.js';

const GR: GroupResource = { group: 'image.openshift.io', resource: 'imagetags' };
const KIND = { group: 'image.openshift.io', kind: 'ImageTag' };

export function imageTagNames(stream: ImageStream): string[] {
  const names = new Set([...(stream.spec?.tags ?? []).map((t) => t.name), ...(stream.status?.tags ?? []).map((t) => t.tag)]);
  return [...names].sort();
}

export function createImageTagHandler(
  o: StreamViews & { info: ResourceInfo; schema: TSchema; columns: readonly TableColumn<ImageTag>[] },
): ResourceHandler<ImageTag> {
  const expected = { apiVersion: API_VERSION, kind: 'ImageTag' };

  const build = async (stream: ImageStream, tag: string, withImage: boolean): Promise<ImageTag> => {
    const spec = stream.spec?.tags?.find((t) => t.name === tag);
    const status = statusTag(stream, tag);
    const event = latestEvent(stream, tag);
    let image: ImageTag['image'] = null;
    if (withImage && event?.image) {
      const found = await o.images.getRaw(undefined, event.image);
      if (found) image = { ...imageView(found.obj), dockerImageReference: resolveReference(stream, tag, event) };
    }
    return {
      apiVersion: API_VERSION,
      kind: 'ImageTag',
      metadata: { ...structuredClone(stream.metadata), name: `${stream.metadata.name ?? ''}:${tag}` },
      spec: spec ? structuredClone(spec) : null,
      status: status
        ? { tag, items: structuredClone(status.items ?? null), ...(status.conditions ? { conditions: structuredClone(status.conditions) } : {}) }
        : null,
      image,
    };
  };

  const read = async (ctx: RequestContext, name: string) => {
    const { stream: sName, tag } = parseStreamTag(name, 'ImageTags');
    const stream = await o.streams.get(ctx, sName);
    if (!imageTagNames(stream).includes(tag)) throw notFound(GR, name);
    return build(stream, tag, true);
  };

  const decode = (body: unknown, ctx: RequestContext, req: WriteRequest) => decodeBody<ImageTag>(body, o.schema, expected, ctx, req);

  const write = async (ctx: RequestContext, name: string, itag: ImageTag, mode: 'create' | 'update') => {
    const { stream: sName, tag } = parseStreamTag(name, 'ImageTags');
    if (mode === 'create' && !itag.spec) throw invalid(KIND, name, [fieldErr.required('spec', 'spec is a required field during creation')]);
    if (itag.spec) {
      if (mode === 'create' && !itag.spec.name) itag.spec.name = tag;
      if (itag.spec.name !== tag) throw invalid(KIND, name, [fieldErr.invalid('spec.name', itag.spec.name, 'must match image tag name')]);
    }
    const rv = itag.metadata.resourceVersion;
    let existed = false;
    const result = await o.internal.guaranteedUpdate(
      ctx,
      sName,
      (current) => {
        const specTag = current?.spec?.tags?.find((t) => t.name === tag);
        existed = specTag !== undefined;
        checkTagWrite(mode, current, existed, rv, { gr: GR, existsAs: GR, name });
        if (mode === 'update') {
          if (current && itag.status !== undefined) {
            const now = statusTag(current, tag);
            const same =
              JSON.stringify(itag.status ?? null) ===
              JSON.stringify(now ? { tag, items: now.items ?? null, ...(now.conditions ? { conditions: now.conditions } : {}) } : null);
            if (!same) throw invalid(KIND, name, [fieldErr.invalid('status', '', 'may not update fields other than spec')]);
          }
          // The metadata is the stream's: labels and annotations are changed on the stream, not here.
          const sameMeta = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
            JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
          if (current && (!sameMeta(itag.metadata.labels, current.metadata.labels) || !sameMeta(itag.metadata.annotations, current.metadata.annotations)))
            throw invalid(KIND, name, [fieldErr.invalid('metadata', '', 'may not update fields other than spec')]);
        }
        const stream: ImageStream = current ?? {
          apiVersion: API_VERSION,
          kind: 'ImageStream',
          metadata: { name: sName, namespace: ctx.namespace ?? '' },
          spec: {},
        };
        const tags = ((stream.spec ??= {}).tags ?? []).filter((t) => t.name !== tag);
        stream.spec.tags = itag.spec ? [...tags, { ...itag.spec, name: tag }] : tags;
        return stream;
      },
      { dryRun: ctx.dryRun, allowCreate: true },
    );
    return { object: await build(result.object, tag, true), created: !existed };
  };

  return {
    info: o.info,
    columns: o.columns,
    get: read,
    async list(ctx: RequestContext, opts: ListOptions) {
      const streams = await o.streams.list(ctx, {
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      const items: ImageTag[] = [];
      for (const s of streams.items) for (const t of imageTagNames(s)) items.push(await build(s, t, false));
      return { items, resourceVersion: streams.resourceVersion };
    },
    async create(ctx, body, req) {
      const itag = decode(body, ctx, req);
      const name = itag.metadata.name ?? '';
      parseStreamTag(name, 'ImageTags');
      return (await write(ctx, name, itag, 'create')).object;
    },
    async update(ctx, name, body, req) {
      const itag = decode(body, ctx, req);
      if (itag.metadata.name && itag.metadata.name !== name)
        throw badRequest(`the name of the object (${itag.metadata.name}) does not match the name on the URL (${name})`);
      return write(ctx, name, itag, 'update');
    },
    async patch(ctx, name, req) {
      if (req.type === 'apply') throw badRequest('server-side apply is not supported for imagetags; use a merge, strategic merge or JSON patch');
      const current = await read(ctx, name);
      const patched = applyPatchDocument({ current, req, schema: o.schema, expected, now: ctx.now, subresource: undefined });
      return write(ctx, name, decode(patched, ctx, req), 'update');
    },
    async delete(ctx, name, opts) {
      const { stream, tag } = parseStreamTag(name, 'ImageTags');
      return deleteTag(o.internal, ctx, { gr: GR, name, stream, tag }, opts);
    },
  };
}
