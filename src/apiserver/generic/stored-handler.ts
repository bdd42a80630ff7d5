/**
 * The ResourceHandler of a stored kind: decodes request bodies against the kind's schema, applies
 * patches inside the store's compare-and-swap loop, and delegates everything else to the
 * ResourceStore. Status subresources are the same handler over a store view with other rules.
 */
import type { TSchema } from '@sinclair/typebox';
import { badRequest, conflict, notFound, OBJECT_MODIFIED, type Status } from '../../api/errors.js';
import type { RequestContext } from '../../api/strategy.js';
import type { TableColumn } from '../../api/table-column.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceHandler, PatchRequest, WriteRequest, WriteResult } from './handler.js';
import type { DeleteOptions, ListOptions, ResourceStore } from './resource-store.js';
import { applyPatchDocument } from './apply-patch.js';
import { decodeBody } from './decode-body.js';

export interface StoredHandlerOptions<T extends KubeObject> {
  readonly store: ResourceStore<T>;
  readonly schema: TSchema;
  readonly columns?: readonly TableColumn<T>[];
  /** A subresource view (`status`): get, update and patch only. */
  readonly subresource?: string;
  /** Verbs to leave out of the main resource (e.g. no create for singletons managed by the server). */
  readonly without?: ReadonlySet<'create' | 'delete' | 'deletecollection'>;
}

export function createStoredHandler<T extends KubeObject>(opts: StoredHandlerOptions<T>): ResourceHandler<T> {
  const { store, schema } = opts;
  const expected = {
    apiVersion: store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version,
    kind: store.info.kind,
  };

  const decode = (body: unknown, ctx: RequestContext, req: WriteRequest): T => decodeBody<T>(body, schema, expected, ctx, req);

  const get = (ctx: RequestContext, name: string) => store.get(ctx, name);

  const update = async (ctx: RequestContext, name: string, body: unknown, req: WriteRequest): Promise<WriteResult<T>> => {
    const obj = decode(body, ctx, req);
    return store.update(ctx, name, obj, writeOptions(req));
  };

  const patch = async (ctx: RequestContext, name: string, req: PatchRequest): Promise<WriteResult<T>> => {
    if (req.type === 'apply' && !req.fieldManager)
      throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    return store.guaranteedUpdate(
      ctx,
      name,
      (current) => {
        if (!current && req.type !== 'apply') throw notFound(store.gr, name);
        const patched = applyPatchDocument({
          current,
          req,
          schema,
          expected,
          now: ctx.now,
          subresource: opts.subresource,
        });
        const obj = decode(patched, ctx, { ...req, rawBody: undefined });
        const rv = obj.metadata?.resourceVersion;
        if (current && rv && rv !== current.metadata.resourceVersion) throw conflict(store.gr, name, OBJECT_MODIFIED);
        return obj;
      },
      { ...writeOptions(req), allowCreate: req.type === 'apply' && !opts.subresource, managedFieldsComputed: req.type === 'apply' },
    );
  };

  if (opts.subresource) {
    return { info: store.info, subresource: opts.subresource, get, update, patch, ...(opts.columns ? { columns: opts.columns } : {}) };
  }

  const handler: ResourceHandler<T> = {
    info: store.info,
    get,
    update,
    patch,
    list: (ctx: RequestContext, listOpts: ListOptions) => store.list(ctx, listOpts),
    getJson: (ctx: RequestContext, name: string) => store.getJson(ctx, name),
    listJson: (ctx: RequestContext, listOpts: ListOptions) => store.listJson(ctx, listOpts),
    watchJsonInto: (ctx, watchOpts, signal, sink) => store.watchJsonInto(ctx, watchOpts, signal, sink),
    getShared: (ctx: RequestContext, name: string) => store.getShared(ctx, name),
    listShared: (ctx: RequestContext, listOpts: ListOptions) => store.listShared(ctx, listOpts),
    watch: (ctx, watchOpts, signal) => store.watch(ctx, watchOpts, signal),
    ...(opts.columns ? { columns: opts.columns } : {}),
  };
  const without = opts.without ?? new Set();
  if (!without.has('create'))
    handler.create = (ctx: RequestContext, body: unknown, req: WriteRequest) => store.create(ctx, decode(body, ctx, req), writeOptions(req));
  if (!without.has('delete'))
    handler.delete = async (ctx: RequestContext, name: string, delOpts: DeleteOptions) => deleted(store, await store.delete(ctx, name, delOpts));
  if (!without.has('deletecollection')) handler.deleteCollection = (ctx, listOpts, delOpts) => store.deleteCollection(ctx, listOpts, delOpts);
  return handler;
}

/**
 * What a delete answers, as kube-apiserver's generic store does once the object is gone: a Success
 * Status naming it (name, group, the resource as kind, uid), not the object.
 */
function deleted<T extends KubeObject>(store: ResourceStore<T>, obj: T): Omit<Status, 'code'> {
  const { name, uid } = obj.metadata;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: name ?? '', ...(store.info.group ? { group: store.info.group } : {}), kind: store.info.resource, ...(uid ? { uid } : {}) },
  };
}

function writeOptions(req: WriteRequest) {
  return { dryRun: req.dryRun, ...(req.fieldManager !== undefined ? { fieldManager: req.fieldManager } : {}) };
}
