/**
 * What the HTTP layer dispatches to for one resource (or subresource). Stored kinds get theirs from
 * createStoredHandler; virtual kinds implement it by hand. Discovery verbs come from which
 * methods exist, so a handler cannot advertise what it does not do.
 */
import type { Status } from '../../api/errors.js';
import type { ResourceInfo, Verb } from '../../api/resource-info.js';
import type { RequestContext } from '../../api/strategy.js';
import type { TableColumn } from '../../api/table-column.js';
import type { KubeObject } from '../../api/meta.js';
import type { DeleteOptions, ListOptions, ListResult, WatchEvent, WatchOptions } from './resource-store.js';
import type { WatchSink } from './watch-sink.js';
import type { ProtobufDecoder } from '../http/protobuf.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteRequest {
  readonly dryRun: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation: FieldValidation;
  /** The raw request body text, for duplicate-field detection. */
  readonly rawBody?: string;
}

export interface PatchRequest extends WriteRequest {
  readonly type: PatchKind;
  /** Parsed patch document. */
  readonly patch: unknown;
  readonly force: boolean;
}

export interface WriteResult<T> {
  readonly object: T;
  readonly created: boolean;
}

export interface ResourceHandler<T extends KubeObject = KubeObject> {
  readonly info: ResourceInfo;
  readonly subresource?: string;
  /** Kind-specific table columns after NAME; absent ⇒ NAME and AGE only. */
  /** Decodes the kind's protobuf message, for kinds kubectl's typed commands send that way. */
  readonly protobuf?: ProtobufDecoder;
  readonly columns?: readonly TableColumn<T>[];
  /** Applies read-time derived fields (used when converting watch events). */
  /** `opts` carries list options for subresources that are lists (imagestreams/{name}/secrets). */
  get?(ctx: RequestContext, name: string, opts?: ListOptions): Promise<T>;
  list?(ctx: RequestContext, opts: ListOptions): Promise<ListResult<T>>;
  /** get, list and watch answered as UTF-8 JSON already made (stored kinds reuse their encodings). */
  getJson?(ctx: RequestContext, name: string): Promise<Buffer>;
  listJson?(ctx: RequestContext, opts: ListOptions): Promise<ListResult<Buffer>>;
  watchJsonInto?(ctx: RequestContext, opts: WatchOptions, signal: AbortSignal, sink: WatchSink<Buffer>): Promise<void>;
  /** get and list answered with objects shared by all readers (frozen): for printing tables. */
  getShared?(ctx: RequestContext, name: string): Promise<T>;
  listShared?(ctx: RequestContext, opts: ListOptions): Promise<ListResult<T>>;
  watch?(ctx: RequestContext, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
  /** Most kinds answer the created object; RPC-like ones (mappings) a Status. */
  create?(ctx: RequestContext, body: unknown, req: WriteRequest): Promise<T | Status>;
  update?(ctx: RequestContext, name: string, body: unknown, req: WriteRequest): Promise<WriteResult<T>>;
  patch?(ctx: RequestContext, name: string, req: PatchRequest): Promise<WriteResult<T>>;
  /** The object still being deleted (finalizers), or a Success Status once it is gone. */
  delete?(ctx: RequestContext, name: string, opts: DeleteOptions): Promise<T | Status | Omit<Status, 'code'>>;
  deleteCollection?(ctx: RequestContext, listOpts: ListOptions, opts: DeleteOptions): Promise<ListResult<T>>;
}

export function verbsOf(h: ResourceHandler): Verb[] {
  const verbs: Verb[] = [];
  if (h.create) verbs.push('create');
  if (h.delete) verbs.push('delete');
  if (h.deleteCollection) verbs.push('deletecollection');
  if (h.get) verbs.push('get');
  if (h.list) verbs.push('list');
  if (h.patch) verbs.push('patch');
  if (h.update) verbs.push('update');
  if (h.watch) verbs.push('watch');
  return verbs;
}
