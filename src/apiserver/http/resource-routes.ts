/**
 * Dispatches a resource request (already parsed by request-info) to its handler: decodes the body
 * by content type, negotiates the response format, and writes objects, lists, tables or a watch.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import YAML from 'yaml';
import { badRequest, methodNotAllowed, notFound, pathNotFound, tooManyRequests, unsupportedMediaType, type Status } from '../../api/errors.js';
import { apiVersionOf, presenceOf } from '../../api/resource-info.js';
import type { ResourceRequest } from './request-info.js';
import type { RequestContext, UserInfo } from '../../api/strategy.js';
import type { PatchKind, ResourceHandler, WriteRequest } from '../generic/handler.js';
import type { ListResult } from '../generic/resource-store.js';
import { pumpWatch, type WatchSink } from '../generic/watch-sink.js';
import type { TSchema } from '@sinclair/typebox';
import type { KubeObject } from '../../api/meta.js';
import { applyPresence } from '../../api/presence.js';
import { negotiate, type ResponseFormat } from './negotiate.js';
import { defaultFieldManager, parseDryRun, parseFieldManager, parseFieldValidation, parseForce, parseWatchOptions, queryInt } from './query.js';
import { toTable } from './table.js';
import { WRITE_MEDIA_TYPES } from './to-status.js';
import { streamWatch } from './watch-stream.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf.js';

const PATCH_TYPES: Record<string, PatchKind> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export interface ResourceRouterOptions {
  /** Looks up `group/version/resource[/subresource]`. */
  readonly lookup: (group: string, version: string, resource: string, subresource?: string) => ResourceHandler | undefined;
  readonly watchTimeoutMs: (requestedSeconds: number | undefined) => number;
  readonly bookmarkIntervalMs: number;
  /** Tracks live watches so shutdown can end them. */
  readonly watches: Set<AbortController>;
  readonly onUnexpectedError: (err: unknown) => void;
  /** Counts open watches (metrics). */
  readonly onWatchChange?: (delta: 1 | -1) => void;
  readonly maxWatchesPerUser: number;
  /** The socket inactivity timeout a watch suspends while it owns the socket. */
  readonly socketIdleTimeoutMs: number;
}

export interface RequestState {
  /** Who the request runs as (the impersonated user, when there is one). */
  user: UserInfo;
  /** Who authenticated, when they act as `user`. */
  impersonator?: UserInfo;
  /** Aborted when nobody waits for the answer any more (the deadline passed, the client left). */
  signal?: AbortSignal;
  warnings: string[];
  resource?: ResourceRequest;
}

function mediaType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseBody(raw: unknown, type: string): unknown {
  const text = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
  if (text.trim() === '') throw badRequest('the request body is empty: an object is required');
  if (type === 'yaml') {
    let parsed: unknown;
    try {
      // maxAliasCount bounds "billion laughs" expansion.
      parsed = YAML.parse(text, { version: '1.1', maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    checkDepth(parsed);
    return parsed;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  checkDepth(parsed);
  return parsed;
}

const MAX_DEPTH = 100;

/** Bodies nested deeper than any object we serve are refused before anything walks them. */
function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_DEPTH) throw badRequest(`the request body is nested too deeply (more than ${MAX_DEPTH} levels)`);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

function decodeWriteBody(req: FastifyRequest, handler: ResourceHandler): unknown {
  const mt = mediaType(req);
  if (mt === 'application/json' || mt === '') return parseBody(req.body, 'json');
  if (mt === 'application/yaml') return parseBody(req.body, 'yaml');
  if (mt === PROTOBUF_MEDIA_TYPE && Buffer.isBuffer(req.body)) return decodeKubernetesProtobuf(req.body, handler.protobuf);
  throw unsupportedMediaType(WRITE_MEDIA_TYPES);
}

function decodePatchBody(req: FastifyRequest): { type: PatchKind; patch: unknown } {
  const type = PATCH_TYPES[mediaType(req)];
  if (!type) throw unsupportedMediaType(Object.keys(PATCH_TYPES));
  // apply-patch+yaml is YAML (JSON is valid YAML); the other three are JSON.
  return { type, patch: parseBody(req.body, type === 'apply' ? 'yaml' : 'json') };
}

function rawText(req: FastifyRequest): string | undefined {
  return typeof req.body === 'string' ? req.body : undefined;
}

function describePath(r: ResourceRequest): string {
  return r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
}

export function createResourceRouter(o: ResourceRouterOptions) {
  const watchesByUser = new Map<string, number>();
  return async function handleResource(req: FastifyRequest, reply: FastifyReply, r: ResourceRequest, state: RequestState, q: URLSearchParams): Promise<void> {
    const handler = o.lookup(r.group, r.version, r.resource, r.subresource);
    if (!handler || (handler.info.namespaced === false && r.namespace !== undefined && r.resource !== 'namespaces')) {
      throw pathNotFound();
    }
    if (handler.info.namespaced && r.namespace === undefined && r.name !== undefined) {
      throw notFound({ group: r.group, resource: describePath(r) }, r.name);
    }
    // A namespaced kind's all-namespaces path serves list and watch only, as kube-apiserver's: a
    // create there would land in whatever namespace the body names, a collection delete would empty
    // every namespace at once.
    if (handler.info.namespaced && r.namespace === undefined && r.verb !== 'list' && r.verb !== 'watch') {
      throw methodNotAllowed(req.method, describePath(r));
    }
    const ctx: RequestContext = {
      user: state.user,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      dryRun: false,
      warnings: state.warnings,
      now: new Date(),
      ...(state.signal ? { signal: state.signal } : {}),
    };
    const format = (): ResponseFormat => negotiate(req.headers.accept, q.get('includeObject') ?? undefined, true);
    const send = (code: number, obj: KubeObject | Status, fmt: ResponseFormat) => {
      if (obj.kind === 'Status') return sendObject(reply, (obj as Status).code || code, obj, fmt.kind === 'table' ? { kind: 'json' } : fmt);
      if (fmt.kind === 'table') {
        reply.code(code).type(`application/json;as=Table;v=${fmt.version};g=meta.k8s.io`);
        return reply.send(JSON.stringify(toTable(handler.columns, [obj as KubeObject], fmt, ctx.now)));
      }
      // Views build their objects in their handlers; whichever built it, an answer has the fields Go would send.
      applyPresence(schemaOf(handler), obj, presenceOf(handler.info));
      return sendObject(reply, code, obj, fmt);
    };
    const writeReq = (): WriteRequest => {
      const fm = parseFieldManager(q);
      return {
        dryRun: parseDryRun(q),
        fieldManager: fm ?? defaultFieldManager(req.headers['user-agent']),
        fieldValidation: parseFieldValidation(q),
        ...(rawText(req) !== undefined ? { rawBody: rawText(req) as string } : {}),
      };
    };
    const unsupported = () => methodNotAllowed(req.method, describePath(r));

    switch (r.verb) {
      case 'get': {
        if (!handler.get) throw unsupported();
        const fmt = format();
        // A subresource that answers with a list (imagestreams/secrets) takes list options too.
        const listOpts = handler.subresource ? parseWatchOptions(q, selectable(handler)) : undefined;
        if (fmt.kind === 'json' && handler.getJson && !listOpts) {
          return reply
            .code(200)
            .type('application/json')
            .send(await handler.getJson(ctx, r.name as string));
        }
        // A table is printed from the object, never changing it: the shared one serves.
        if (fmt.kind === 'table' && handler.getShared && !listOpts) return send(200, await handler.getShared(ctx, r.name as string), fmt);
        return send(200, await handler.get(ctx, r.name as string, listOpts), fmt);
      }
      case 'list': {
        if (!handler.list) throw unsupported();
        const fmt = format();
        const opts = parseWatchOptions(q, selectable(handler));
        if (fmt.kind === 'json' && handler.listJson) {
          const encoded = await handler.listJson(ctx, opts);
          return reply
            .code(200)
            .type('application/json')
            .send(listText(handler, listMetaOf(encoded), encoded.items));
        }
        const result = fmt.kind === 'table' && handler.listShared ? await handler.listShared(ctx, opts) : await handler.list(ctx, opts);
        const listMeta = listMetaOf(result);
        if (fmt.kind === 'table') {
          reply.code(200).type(`application/json;as=Table;v=${fmt.version};g=meta.k8s.io`);
          return reply.send(JSON.stringify(toTable(handler.columns, result.items, { ...fmt, listMeta }, ctx.now)));
        }
        for (const item of result.items) applyPresence(schemaOf(handler), item, presenceOf(handler.info));
        const list = {
          kind: handler.info.listKind,
          apiVersion: apiVersionOf(handler.info),
          metadata: listMeta,
          items: result.items,
        };
        return sendObject(reply, 200, list, fmt);
      }
      case 'watch': {
        if (!handler.watch) throw unsupported();
        const fmt = format();
        const parsed = parseWatchOptions(q, selectable(handler));
        // A watch on one object is a watch on the collection narrowed to that name.
        const opts = r.name === undefined ? parsed : { ...parsed, fieldSelector: { matches: (f: Record<string, string>) => f['metadata.name'] === r.name } };
        const contentType = fmt.kind === 'table' ? `application/json;as=Table;v=${fmt.version};g=meta.k8s.io` : 'application/json';
        // HEAD asks for the headers alone: a stream it never reads would hold its connection (the
        // client's next request on it unanswered) and a watch slot until the watch timed out.
        if (req.method === 'HEAD') return reply.code(200).type(contentType).send();
        const userWatches = watchesByUser.get(state.user.name) ?? 0;
        if (userWatches >= o.maxWatchesPerUser)
          throw tooManyRequests(`too many open watches for user "${state.user.name}" (at most ${o.maxWatchesPerUser})`, 1);
        watchesByUser.set(state.user.name, userWatches + 1);
        const abort = new AbortController();
        o.watches.add(abort);
        o.onWatchChange?.(1);
        req.raw.on('close', () => abort.abort());
        reply.hijack();
        // A quiet watch sends nothing for minutes: its own deadline owns the socket meanwhile.
        const socket = req.raw.socket;
        socket.setTimeout(0);
        const watchOf = <T>(produce: (sink: WatchSink<T>) => Promise<void>, encode: (obj: T) => string | Buffer) =>
          streamWatch({
            res: reply.raw,
            contentType,
            produce,
            encode,
            bookmarkType: { apiVersion: apiVersionOf(handler.info), kind: handler.info.kind },
            allowBookmarks: opts.allowWatchBookmarks ?? false,
            bookmarkIntervalMs: o.bookmarkIntervalMs,
            timeoutMs: o.watchTimeoutMs(opts.timeoutSeconds),
            abort,
            onUnexpectedError: o.onUnexpectedError,
          });
        try {
          const watchJsonInto = handler.watchJsonInto?.bind(handler);
          if (fmt.kind === 'json' && watchJsonInto)
            await watchOf<Buffer>(
              (sink) => watchJsonInto(ctx, opts, abort.signal, sink),
              (json) => json,
            );
          else {
            const events = handler.watch(ctx, opts, abort.signal);
            await watchOf<KubeObject>(
              (sink) => pumpWatch(events, sink),
              (obj) => {
                if (fmt.kind === 'table') return JSON.stringify(toTable(handler.columns, [obj], fmt, new Date()));
                applyPresence(schemaOf(handler), obj, presenceOf(handler.info));
                return JSON.stringify(obj);
              },
            );
          }
        } finally {
          // The idle timer owns the socket again: a client that never reads the rest loses it.
          socket.setTimeout(o.socketIdleTimeoutMs);
          o.watches.delete(abort);
          o.onWatchChange?.(-1);
          const left = (watchesByUser.get(state.user.name) ?? 1) - 1;
          if (left > 0) watchesByUser.set(state.user.name, left);
          else watchesByUser.delete(state.user.name);
        }
        return;
      }
      case 'create': {
        if (!handler.create || r.name !== undefined) throw unsupported();
        const body = decodeWriteBody(req, handler);
        const w = writeReq();
        const fmt = format();
        const created = await handler.create({ ...ctx, dryRun: w.dryRun }, body, w);
        return send(201, created, fmt);
      }
      case 'update': {
        if (!handler.update || r.name === undefined) throw unsupported();
        const body = decodeWriteBody(req, handler);
        const w = writeReq();
        const fmt = format();
        const result = await handler.update({ ...ctx, dryRun: w.dryRun }, r.name, body, w);
        return send(result.created ? 201 : 200, result.object, fmt);
      }
      case 'patch': {
        if (!handler.patch || r.name === undefined) throw unsupported();
        const { type, patch } = decodePatchBody(req);
        const w = writeReq();
        const fmt = format();
        const fm = parseFieldManager(q);
        const result = await handler.patch({ ...ctx, dryRun: w.dryRun }, r.name, {
          ...w,
          ...(type === 'apply' ? (fm !== undefined ? { fieldManager: fm } : { fieldManager: '' }) : {}),
          type,
          patch,
          force: parseForce(q),
        });
        return send(result.created ? 201 : 200, result.object, fmt);
      }
      case 'delete': {
        if (!handler.delete || r.name === undefined) throw unsupported();
        const opts = deleteOptions(req, q, apiVersionOf(r));
        const fmt = format();
        const gone = await handler.delete({ ...ctx, dryRun: opts.dryRun }, r.name, opts);
        return send(200, gone, fmt);
      }
      case 'deletecollection': {
        if (!handler.deleteCollection) throw unsupported();
        const listOpts = parseWatchOptions(q, selectable(handler));
        const opts = deleteOptions(req, q, apiVersionOf(r));
        const fmt = format();
        const result = await handler.deleteCollection({ ...ctx, dryRun: opts.dryRun }, listOpts, opts);
        const list = {
          kind: handler.info.listKind,
          apiVersion: apiVersionOf(handler.info),
          metadata: { resourceVersion: result.resourceVersion },
          items: result.items,
        };
        return sendObject(reply, 200, list, fmt.kind === 'table' ? { kind: 'json' } : fmt);
      }
      default:
        throw unsupported();
    }
  };
}

/** The schema of what a handler answers: its kind's, or its subresource's. */
function schemaOf(handler: ResourceHandler): TSchema {
  return (handler.subresource && handler.info.subresources.find((s) => s.name === handler.subresource)?.schema) || handler.info.schema;
}

function selectable(handler: ResourceHandler): ReadonlySet<string> {
  const fields = ['metadata.name'];
  if (handler.info.namespaced) fields.push('metadata.namespace');
  const own = handler.subresource ? handler.info.subresources.find((s) => s.name === handler.subresource)?.selectableFields : handler.info.selectableFields;
  return new Set([...fields, ...(own ?? [])]);
}

/** Where DeleteOptions is registered besides every served group version: meta.k8s.io, and the core group. */
const DELETE_OPTIONS_VERSIONS = new Set(['meta.k8s.io/v1', 'v1']);

function deleteOptions(req: FastifyRequest, q: URLSearchParams, groupVersion: string) {
  let body: Record<string, unknown> = {};
  const text = rawText(req);
  if (text && text.trim() !== '') {
    const parsed = parseBody(text, mediaType(req) === 'application/yaml' ? 'yaml' : 'json');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('DeleteOptions must be a JSON object');
    body = parsed as Record<string, unknown>;
  }
  // Another kind is not read as DeleteOptions: its fields would be dropped and the delete would run
  // without the options its sender meant.
  const kind = body['kind'];
  const apiVersion = body['apiVersion'];
  if (
    (kind !== undefined && kind !== 'DeleteOptions') ||
    (apiVersion !== undefined && apiVersion !== groupVersion && !DELETE_OPTIONS_VERSIONS.has(String(apiVersion)))
  )
    throw badRequest(
      `the body of a delete must be a DeleteOptions (apiVersion meta.k8s.io/v1, v1 or ${groupVersion}), not kind ${JSON.stringify(kind ?? '')} of apiVersion ${JSON.stringify(apiVersion ?? '')}`,
    );
  // A field of the wrong type is refused (as Go's decoder refuses it), not ignored: a dryRun or a
  // precondition dropped for its type would turn into a real, unconditional delete.
  const mistyped = (field: string, v: unknown, want: string, ok: boolean) => {
    if (v !== undefined && v !== null && !ok)
      throw badRequest(
        `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v} into Go struct field DeleteOptions.${field} of type ${want}`,
      );
  };
  mistyped('dryRun', body['dryRun'], '[]string', Array.isArray(body['dryRun']));
  const dryRunBody = Array.isArray(body['dryRun']) ? (body['dryRun'] as unknown[]) : [];
  for (const v of dryRunBody) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  const rawPre = body['preconditions'];
  mistyped('preconditions', rawPre, 'v1.Preconditions', typeof rawPre === 'object' && !Array.isArray(rawPre));
  const pre = (rawPre ?? {}) as { uid?: unknown; resourceVersion?: unknown };
  mistyped('preconditions.uid', pre.uid, 'types.UID', typeof pre.uid === 'string');
  mistyped('preconditions.resourceVersion', pre.resourceVersion, 'string', typeof pre.resourceVersion === 'string');
  const preconditions: { uid?: string; resourceVersion?: string } = {};
  if (typeof pre.uid === 'string' && pre.uid) preconditions.uid = pre.uid;
  if (typeof pre.resourceVersion === 'string' && pre.resourceVersion) preconditions.resourceVersion = pre.resourceVersion;
  // Objects here have no graceful deletion; the period is still decoded as kube-apiserver decodes it.
  queryInt(q, 'gracePeriodSeconds');
  mistyped('gracePeriodSeconds', body['gracePeriodSeconds'], 'int64', Number.isInteger(body['gracePeriodSeconds']));
  const policy = body['propagationPolicy'] ?? q.get('propagationPolicy') ?? undefined;
  if (policy !== undefined && policy !== null && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground')
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
  return { dryRun: parseDryRun(q) || dryRunBody.length > 0, preconditions };
}

function listMetaOf(result: ListResult<unknown>): { resourceVersion: string; continue?: string; remainingItemCount?: number } {
  return {
    resourceVersion: result.resourceVersion,
    ...(result.continue ? { continue: result.continue } : {}),
    ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
  };
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

/** The list document around items already encoded: the same bytes JSON.stringify makes of the list. */
function listText(handler: ResourceHandler, metadata: ReturnType<typeof listMetaOf>, items: readonly Buffer[]): Buffer {
  const head = JSON.stringify({ kind: handler.info.listKind, apiVersion: apiVersionOf(handler.info), metadata });
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  });
  parts.push(LIST_END);
  return Buffer.concat(parts);
}

export function sendObject(reply: FastifyReply, code: number, obj: unknown, fmt: ResponseFormat): FastifyReply {
  if (fmt.kind === 'yaml') {
    return reply.code(code).type('application/yaml').send(YAML.stringify(obj));
  }
  return reply.code(code).type('application/json').send(JSON.stringify(obj));
}
