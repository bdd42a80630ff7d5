/**
 * The generic resource store: the create/get/list/watch/update/delete algorithm written once for
 * every stored kind, as kube-apiserver's generic registry Store does it. Per-kind rules come from a
 * Strategy; persistence from a kind-agnostic Store. Objects are stored as JSON without
 * resourceVersion, which is the storage revision and is filled in on every read.
 */
import { randomUUID } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { isDeepStrictEqual } from 'node:util';
import {
  badRequest,
  conflict,
  expired,
  fieldErr,
  forbidden,
  invalid,
  isApiError,
  notFound,
  OBJECT_MODIFIED,
  type ApiError,
  type GroupResource,
} from '../../api/errors.js';
import { fieldValue, presenceOf, type ResourceInfo } from '../../api/resource-info.js';
import type { RequestContext, Strategy } from '../../api/strategy.js';
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.js';
import { applyPresence, type PresenceTable } from '../../api/presence.js';
import { isStorageError, StorageError, type KeyValue, type StorageEvent, type Store } from '../../storage/store.js';
import { isPushable } from '../../util/sink.js';
import { iterateWatch, type WatchSink } from './watch-sink.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type { EncodedObjectCache } from './encoded-cache.js';
import { interpretStorageError } from './interpret-storage-error.js';
import { KeyedQueue } from '../../util/keyed-queue.js';
import { generateNameSuffix, rfc3339 } from '../../api/object-meta.js';

export interface Matcher<F> {
  matches(fields: F): boolean;
}

export interface ListOptions {
  readonly labelSelector?: Matcher<Record<string, string>>;
  readonly fieldSelector?: Matcher<Record<string, string>>;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface WatchOptions extends ListOptions {
  readonly sendInitialEvents?: boolean;
  readonly allowWatchBookmarks?: boolean;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; revision: number }
  /** The stream has delivered everything up to `revision`; `initialEventsEnd` marks the end of the initial list. */
  | { type: 'BOOKMARK'; revision: number; initialEventsEnd?: boolean };

/** One stored event and the watch event made of it, shared by the watchers that take the same. */
interface SharedEvent<I> {
  stored?: StorageEvent;
  event?: WatchEvent<I> | undefined;
}

export interface WriteOptions {
  readonly dryRun: boolean;
  readonly fieldManager?: string;
  /** Set when the caller (server-side apply) already computed managedFields. */
  readonly managedFieldsComputed?: boolean;
}

export interface DeleteOptions {
  readonly dryRun: boolean;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
}

export type ManagedFieldsTracker = (args: {
  live: KubeObject | undefined;
  next: KubeObject;
  manager: string;
  apiVersion: string;
  subresource?: string;
  now: Date;
  schema: TSchema;
}) => ManagedFieldsEntry[];

/** The state of a namespace as far as writes into it are concerned. */
export type NamespacePhase = 'Active' | 'Terminating' | undefined;

export interface ResourceStoreOptions<T extends KubeObject> {
  readonly info: ResourceInfo;
  readonly strategy: Strategy<T>;
  readonly store: Store;
  /** Subresource this view writes through (`status`), for managedFields and messages. */
  readonly subresource?: string;
  /** For namespaced kinds: the phase of a namespace (undefined: it does not exist). */
  readonly namespacePhase?: (namespace: string) => Promise<NamespacePhase>;
  readonly trackManagedFields?: ManagedFieldsTracker;
  /** Retries of a read-modify-write on conflicts the caller did not precondition. */
  readonly maxConflictRetries?: number;
  /** Client JSON of objects already encoded (shared by every kind: keys are storage keys). */
  readonly encodedCache?: EncodedObjectCache;
}

export interface UpdateResult<T> {
  object: T;
  created: boolean;
}

/** Returns the desired object given the current one (undefined when absent). Throw to abort. */
export type TryUpdate<T> = (current: T | undefined) => T | Promise<T>;

/**
 * Where an object lives in the Store: `/registry/<group or core>/<resource>/[<namespace>/]<name>`.
 * Exported for tools that write a store directly (benchmarks seeding data, crash-recovery tests).
 */
export function objectKey(info: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  const root = resourcePrefix(info);
  return info.namespaced ? `${root}${namespace ?? ''}/${name}` : `${root}${name}`;
}

/** Where a stored resource's objects live in the key space: what a watch cache caches as one. */
export function resourcePrefix(info: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return `/registry/${info.group || 'core'}/${info.resource}/`;
}

/** The largest page a list with `limit` answers (kubectl pages by 500). */
export const MAX_LIST_PAGE = 1000;
/** The shared encoded-object cache, with the decoration inputs of the read at hand. */
interface CacheUse {
  readonly cache: EncodedObjectCache;
  readonly inputs: unknown;
}

/** Objects read at a time for a watch's initial ADDED events. */
const INITIAL_EVENTS_PAGE = 250;

export class ResourceStore<T extends KubeObject> {
  /** Which fields its answers carry (ObjectMeta's and the group's presence rules). */
  private readonly presence: PresenceTable;
  /**
   * The JSON watch event of the stored event last fanned out, made once for all the watchers
   * without selectors: a live event reaches them one after the other in one pass, so one slot is
   * enough, and it holds no event the watch cache's window keeps for longer.
   */
  private readonly jsonEvents: SharedEvent<Buffer> = {};
  readonly info: ResourceInfo;
  readonly strategy: Strategy<T>;
  readonly gr: GroupResource;
  private readonly store: Store;
  private readonly root: string;
  private readonly apiVersion: string;

  constructor(
    private readonly opts: ResourceStoreOptions<T>,
    /** Shared with the views of the same objects (withStrategy). */
    private readonly writers = new KeyedQueue(),
  ) {
    this.info = opts.info;
    this.presence = presenceOf(opts.info);
    this.strategy = opts.strategy;
    this.store = opts.store;
    this.gr = { group: opts.info.group, resource: opts.info.resource };
    this.root = resourcePrefix(opts.info);
    this.apiVersion = opts.info.group ? `${opts.info.group}/${opts.info.version}` : opts.info.version;
  }

  /** A view of the same objects with other rules (a status subresource). */
  withStrategy(strategy: Strategy<T>, subresource: string): ResourceStore<T> {
    // Its objects may be decorated otherwise: it keeps no encoded copies under the main kind's keys.
    const { encodedCache: _shared, ...opts } = this.opts;
    return new ResourceStore({ ...opts, strategy, subresource }, this.writers);
  }

  keyFor(namespace: string | undefined, name: string): string {
    return objectKey(this.opts.info, namespace, name);
  }

  private prefixFor(namespace: string | undefined): string {
    return this.opts.info.namespaced && namespace ? `${this.root}${namespace}/` : this.root;
  }

  private kindRef() {
    return { group: this.info.group, kind: this.info.kind };
  }

  /** Storage bytes → object as clients see it (defaults applied, resourceVersion filled). */
  private decode(kv: KeyValue, revision = kv.modRevision): T {
    const obj = JSON.parse(kv.value) as T;
    obj.metadata.resourceVersion = String(revision);
    this.strategy.default?.(obj);
    return obj;
  }

  private encode(obj: T): string {
    applyPresence(this.info.schema, obj, this.presence);
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return JSON.stringify({ ...obj, apiVersion: this.apiVersion, kind: this.info.kind, metadata });
  }

  /** Applies read-time derived fields; call on every object handed to a client. */
  present(obj: T): T {
    applyPresence(this.info.schema, obj, this.presence);
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    this.strategy.decorate?.(obj);
    return obj;
  }

  /** The encoded cache and what decoration reads now; none when decoration cannot be told apart. */
  private encodedCache(): CacheUse | undefined {
    const cache = this.opts.encodedCache;
    if (!cache || (this.strategy.decorate && !this.strategy.decorationInputs)) return undefined;
    return { cache, inputs: this.strategy.decorationInputs?.() };
  }

  /** The object at this revision as a client receives it, in JSON: the same text as get's. */
  private encodeForClient(kv: KeyValue, c: CacheUse | undefined, decoded?: T): Buffer {
    const make = () => JSON.stringify(this.present(decoded ?? this.decode(kv)));
    return c ? c.cache.json(kv.key, kv.modRevision, c.inputs, kv.value.length, make) : Buffer.from(make(), 'utf8');
  }

  /** The object at this revision as a client receives it, shared with other readers and frozen. */
  private sharedForClient(kv: KeyValue, c: CacheUse | undefined, decoded?: T): T {
    const make = () => this.present(decoded ?? this.decode(kv));
    return c ? c.cache.object(kv.key, kv.modRevision, c.inputs, kv.value.length, make) : make();
  }

  private namespaceOf(ctx: RequestContext): string | undefined {
    return this.info.namespaced ? ctx.namespace : undefined;
  }

  async get(ctx: RequestContext, name: string): Promise<T> {
    return this.present(this.decode(await this.read(ctx, name)));
  }

  /** What get answers, already encoded as JSON. */
  async getJson(ctx: RequestContext, name: string): Promise<Buffer> {
    return this.encodeForClient(await this.read(ctx, name), this.encodedCache());
  }

  /** What get answers, as an object shared with other readers: frozen, never to be changed. */
  async getShared(ctx: RequestContext, name: string): Promise<T> {
    return this.sharedForClient(await this.read(ctx, name), this.encodedCache());
  }

  private async read(ctx: RequestContext, name: string): Promise<KeyValue> {
    const kv = await this.store
      .get(this.keyFor(this.namespaceOf(ctx), name))
      .catch((e: unknown) => Promise.reject(interpretStorageError(e, 'get', this.gr, name)));
    if (!kv) throw notFound(this.gr, name);
    return kv;
  }

  /** Like get, but absent ⇒ undefined, and no decoration (for read-modify-write callers). */
  async getRaw(namespace: string | undefined, name: string): Promise<{ obj: T; kv: KeyValue } | undefined> {
    const kv = await this.store.get(this.keyFor(namespace, name)).catch((e: unknown) => Promise.reject(interpretStorageError(e, 'get', this.gr, name)));
    return kv ? { obj: this.decode(kv), kv } : undefined;
  }

  private fieldsOf(obj: T): Record<string, string> {
    const base: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
    if (this.info.namespaced) base['metadata.namespace'] = obj.metadata.namespace ?? '';
    for (const path of this.info.selectableFields ?? []) base[path] = fieldValue(obj, path);
    return base;
  }

  private matches(obj: T, opts: ListOptions): boolean {
    if (opts.labelSelector && !opts.labelSelector.matches(obj.metadata.labels ?? {})) return false;
    if (opts.fieldSelector && !opts.fieldSelector.matches(this.fieldsOf(obj))) return false;
    return true;
  }

  /** Which revision a list reads at, per resourceVersion/resourceVersionMatch semantics. */
  private async listRevision(opts: ListOptions): Promise<number | undefined> {
    const rv = opts.resourceVersion;
    if (!rv || rv === '0') return undefined;
    const n = parseResourceVersion(rv);
    if (opts.resourceVersionMatch === 'Exact') return n;
    // NotOlderThan (the default for a non-zero RV): the current state is never older than n,
    // unless n is from the future.
    const current = await this.store.currentRevision();
    if (n > current) throw interpretStorageError(futureRevision(n), 'list', this.gr, '');
    return undefined;
  }

  async list(ctx: RequestContext, opts: ListOptions): Promise<ListResult<T>> {
    return this.listWith(ctx, opts, this.objectItems(opts));
  }

  /** What list answers, each item already encoded as JSON. */
  async listJson(ctx: RequestContext, opts: ListOptions): Promise<ListResult<Buffer>> {
    return this.listWith(ctx, opts, this.jsonItems(opts));
  }

  /** What list answers, as objects shared with other readers: frozen, never to be changed. */
  async listShared(ctx: RequestContext, opts: ListOptions): Promise<ListResult<T>> {
    return this.listWith(
      ctx,
      opts,
      this.cachedItems(opts, (kv, c, decoded) => this.sharedForClient(kv, c, decoded)),
    );
  }

  /** List items as objects; undefined for a non-match. */
  private objectItems(opts: ListOptions): (kv: KeyValue) => T | undefined {
    return (kv) => {
      const obj = this.decode(kv);
      return this.matches(obj, opts) ? this.present(obj) : undefined;
    };
  }

  /** List items as client JSON; undefined for a non-match. */
  private jsonItems(opts: ListOptions): (kv: KeyValue) => Buffer | undefined {
    return this.cachedItems(opts, (kv, c, decoded) => this.encodeForClient(kv, c, decoded));
  }

  /**
   * List items in a cached form. Selectors match the stored object, before decoration, as every
   * list does; an object decoded for them is handed on so a cache miss does not decode it again.
   */
  private cachedItems<I>(opts: ListOptions, form: (kv: KeyValue, c: CacheUse | undefined, decoded?: T) => I): (kv: KeyValue) => I | undefined {
    const c = this.encodedCache();
    if (!opts.labelSelector && !opts.fieldSelector) return (kv) => form(kv, c);
    return (kv) => {
      const obj = this.decode(kv);
      return this.matches(obj, opts) ? form(kv, c, obj) : undefined;
    };
  }

  /**
   * One list algorithm for objects and for their encodings: `item` answers undefined for a
   * non-match. countRemaining false spares the store counting what lies beyond the page.
   */
  private async listWith<I>(ctx: RequestContext, opts: ListOptions, item: (kv: KeyValue) => I | undefined, countRemaining = true): Promise<ListResult<I>> {
    const prefix = this.prefixFor(this.namespaceOf(ctx));
    // A page is at most MAX_LIST_PAGE objects, however large a limit the client asked for: the
    // server may always answer fewer items with a continue token, and one request then cannot make
    // it hold an unbounded page in memory. A list without a limit is whole, as in Kubernetes.
    const limit = opts.limit && opts.limit > 0 ? Math.min(opts.limit, MAX_LIST_PAGE) : 0;
    let after: string | undefined;
    let revision: number | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      after = prefix + token.start;
      revision = token.rv;
    } else {
      if (opts.resourceVersionMatch && !opts.resourceVersion)
        throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
          fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'),
        ]);
      revision = await this.listRevision(opts);
    }
    const filtering = Boolean(opts.labelSelector || opts.fieldSelector);
    const items: I[] = [];
    let readAt = revision;
    let more = false;
    let remaining: number | undefined;
    let lastKey: string | undefined;
    try {
      for (;;) {
        const want = limit ? limit - items.length : 0;
        // Over-read when filtering so one page of matches needs few round trips.
        const page = await this.store.list(prefix, {
          // resourceVersion=0 takes any state, as kube-apiserver serves it from its watch cache.
          ...(readAt ? { revision: readAt } : opts.resourceVersion === '0' && !opts.continue ? { minRevision: 0 } : {}),
          ...(want ? { limit: filtering ? Math.max(want * 2, 100) : want } : {}),
          ...(after ? { after } : {}),
          ...(countRemaining ? {} : { countRemaining: false }),
        });
        readAt = page.revision;
        for (const kv of page.items) {
          if (limit && items.length >= limit) {
            more = true;
            break;
          }
          lastKey = kv.key;
          const built = item(kv);
          if (built !== undefined) items.push(built);
        }
        if (limit && items.length >= limit) {
          more = more || page.more;
          if (more && !filtering) remaining = page.remaining;
          break;
        }
        if (!page.more || page.items.length === 0) break;
        after = page.items[page.items.length - 1]?.key;
      }
    } catch (e) {
      if (isStorageError(e, 'Compacted') && opts.continue) {
        throw expiredContinue();
      }
      throw interpretStorageError(e, 'list', this.gr, '');
    }
    const result: ListResult<I> = { items, resourceVersion: String(readAt ?? (await this.store.currentRevision())) };
    if (more && lastKey !== undefined) {
      result.continue = encodeContinue({ rv: readAt ?? 0, start: lastKey.slice(prefix.length) });
      if (remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  /** Prepares system fields for a new object and runs the create rules (no write). */
  private async admitCreate(ctx: RequestContext, obj: T, opts: WriteOptions): Promise<T> {
    const meta = (obj.metadata ??= {});
    if (this.info.namespaced) {
      if (meta.namespace && ctx.namespace && meta.namespace !== ctx.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if (ctx.namespace) meta.namespace = ctx.namespace;
    } else if (meta.namespace) {
      delete meta.namespace;
    }
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateNameSuffix()}`;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(ctx.now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    this.strategy.default?.(obj);
    this.strategy.prepareForCreate(obj, ctx);
    await this.strategy.admit?.(obj, undefined, ctx);
    const errs = await this.strategy.validate(obj, ctx);
    if (errs.length) throw invalid(this.kindRef(), obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
    if (this.info.namespaced && obj.metadata.namespace) await this.checkNamespace(obj.metadata.namespace, obj.metadata.name ?? '');
    if (this.opts.trackManagedFields && opts.fieldManager !== undefined && !opts.managedFieldsComputed) {
      obj.metadata.managedFields = this.opts.trackManagedFields(this.trackArgs(undefined, obj, opts.fieldManager, ctx));
    }
    return obj;
  }

  private trackArgs(live: T | undefined, next: T, manager: string, ctx: RequestContext) {
    return {
      live,
      next,
      manager,
      apiVersion: this.apiVersion,
      ...(this.opts.subresource ? { subresource: this.opts.subresource } : {}),
      now: ctx.now,
      schema: this.info.schema,
    };
  }

  private async checkNamespace(namespace: string, name: string): Promise<void> {
    if (!this.opts.namespacePhase) return;
    const phase = await this.opts.namespacePhase(namespace);
    if (phase === undefined) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (phase === 'Terminating') throw forbidden(this.gr, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  }

  async create(ctx: RequestContext, obj: T, opts: WriteOptions): Promise<T> {
    const admitted = await this.admitCreate(ctx, obj, opts);
    const name = admitted.metadata.name ?? '';
    if (opts.dryRun) {
      const existing = await this.getRaw(admitted.metadata.namespace, name);
      if (existing) throw interpretStorageError(keyExists(), 'create', this.gr, name);
      return this.present(admitted);
    }
    try {
      const kv = await this.store.create(this.keyFor(admitted.metadata.namespace, name), this.encode(admitted));
      admitted.metadata.resourceVersion = String(kv.modRevision);
      return this.present(admitted);
    } catch (e) {
      throw interpretStorageError(e, 'create', this.gr, name);
    }
  }

  /**
   * Read-modify-write with compare-and-swap, retried on conflicts (k8s GuaranteedUpdate).
   * `tryUpdate` sees the current object (undefined if absent) and returns the desired one; it must
   * throw itself when a caller-supplied precondition fails, so that retries stay correct.
   */
  async guaranteedUpdate(ctx: RequestContext, name: string, tryUpdate: TryUpdate<T>, opts: WriteOptions & { allowCreate?: boolean }): Promise<UpdateResult<T>> {
    const key = this.keyFor(this.namespaceOf(ctx), name);
    // Writers of one object in this replica take turns: with group commit, all of them would read
    // the same revision, and all but one would conflict and compute their change again, round
    // after round. Other replicas' writes still conflict and are retried below.
    return this.writers.run(key, () => this.readModifyWrite(ctx, name, key, tryUpdate, opts));
  }

  private async readModifyWrite(
    ctx: RequestContext,
    name: string,
    key: string,
    tryUpdate: TryUpdate<T>,
    opts: WriteOptions & { allowCreate?: boolean },
  ): Promise<UpdateResult<T>> {
    const namespace = this.namespaceOf(ctx);
    const retries = this.opts.maxConflictRetries ?? 10;
    for (let attempt = 0; ; attempt++) {
      const current = await this.getRaw(namespace, name);
      const desired = await tryUpdate(current ? structuredClone(current.obj) : undefined);
      if (!current) {
        if (!(opts.allowCreate ?? this.strategy.allowCreateOnUpdate)) throw notFound(this.gr, name);
        desired.metadata ??= {};
        delete desired.metadata.resourceVersion;
        desired.metadata.name = name;
        try {
          return { object: await this.create(ctx, desired, opts), created: true };
        } catch (e) {
          // Someone created it first: go round again and update it instead.
          if (attempt < retries && (e as ApiError).status?.reason === 'AlreadyExists') continue;
          throw e;
        }
      }
      const next = await this.admitUpdate(ctx, name, desired, current.obj, opts);
      if (isDeepStrictEqual(next, current.obj)) return { object: this.present(current.obj), created: false };
      if (opts.dryRun) return { object: this.present(next), created: false };
      try {
        const kv = await this.store.update(key, this.encode(next), current.kv.modRevision);
        next.metadata.resourceVersion = String(kv.modRevision);
        return { object: this.present(next), created: false };
      } catch (e) {
        if (isStorageError(e, 'Conflict') && attempt < retries) continue;
        throw interpretStorageError(e, 'update', this.gr, name);
      }
    }
  }

  /** System fields that never change on update, then the kind's update rules. */
  private async admitUpdate(ctx: RequestContext, name: string, obj: T, old: T, opts: WriteOptions): Promise<T> {
    const meta = (obj.metadata ??= {});
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
    if (this.info.namespaced) {
      if (meta.namespace && meta.namespace !== old.metadata.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = old.metadata.namespace ?? '';
    }
    if (meta.uid && meta.uid !== old.metadata.uid)
      throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    meta.uid = old.metadata.uid ?? '';
    meta.creationTimestamp = old.metadata.creationTimestamp ?? '';
    if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    else delete meta.generation;
    meta.resourceVersion = old.metadata.resourceVersion ?? '';
    delete meta.selfLink;
    this.strategy.default?.(obj);
    this.strategy.prepareForUpdate(obj, old, ctx);
    await this.strategy.admit?.(obj, old, ctx);
    const errs = await this.strategy.validateUpdate(obj, old, ctx);
    if (errs.length) throw invalid(this.kindRef(), name, errs);
    // The strategy may have replaced obj.metadata: always write through obj.
    if (this.opts.trackManagedFields && opts.fieldManager !== undefined && !opts.managedFieldsComputed) {
      obj.metadata.managedFields = this.opts.trackManagedFields(this.trackArgs(old, obj, opts.fieldManager, ctx));
    } else if (!opts.managedFieldsComputed && obj.metadata.managedFields === undefined && old.metadata.managedFields) {
      obj.metadata.managedFields = old.metadata.managedFields;
    }
    return obj;
  }

  /** PUT: replace the object, honouring metadata.resourceVersion as a precondition. */
  async update(ctx: RequestContext, name: string, obj: T, opts: WriteOptions): Promise<UpdateResult<T>> {
    const rv = obj.metadata?.resourceVersion;
    return this.guaranteedUpdate(
      ctx,
      name,
      (current) => {
        if (!current) {
          if (rv) throw notFound(this.gr, name);
          return structuredClone(obj);
        }
        if (!rv) {
          if (!this.strategy.allowUnconditionalUpdate)
            throw invalid(this.kindRef(), name, [fieldErr.invalid('metadata.resourceVersion', 0, 'must be specified for an update')]);
        } else if (rv !== current.metadata.resourceVersion) {
          throw conflict(this.gr, name, OBJECT_MODIFIED);
        }
        return structuredClone(obj);
      },
      opts,
    );
  }

  async delete(ctx: RequestContext, name: string, opts: DeleteOptions): Promise<T> {
    const namespace = this.namespaceOf(ctx);
    const key = this.keyFor(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.getRaw(namespace, name);
      if (!current) throw notFound(this.gr, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.obj.metadata.uid)
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.obj.metadata.uid ?? ''}`);
      if (pre?.resourceVersion && pre.resourceVersion !== current.obj.metadata.resourceVersion)
        throw conflict(
          this.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.obj.metadata.resourceVersion ?? ''}`,
        );
      if (opts.dryRun) return this.present(current.obj);
      try {
        const kv = await this.store.delete(key, current.kv.modRevision);
        const gone = this.decode(kv, kv.modRevision);
        return this.present(gone);
      } catch (e) {
        if (isStorageError(e, 'Conflict') && attempt < 10) continue;
        throw interpretStorageError(e, 'delete', this.gr, name);
      }
    }
  }

  /** Deletes every object the list options select; returns what was deleted. */
  async deleteCollection(ctx: RequestContext, listOpts: ListOptions, opts: DeleteOptions): Promise<ListResult<T>> {
    const listed = await this.list(ctx, { ...listOpts, limit: 0 });
    const deleted: T[] = [];
    for (const item of listed.items) {
      const itemCtx = { ...ctx, ...(item.metadata.namespace ? { namespace: item.metadata.namespace } : {}) };
      try {
        deleted.push(await this.delete(itemCtx, item.metadata.name ?? '', { dryRun: opts.dryRun }));
      } catch (e) {
        if ((e as ApiError).status?.reason !== 'NotFound') throw e;
      }
    }
    return { items: deleted, resourceVersion: String(await this.store.currentRevision()) };
  }

  /**
   * Events after the requested resource version. Without one (or "0"), or with sendInitialEvents,
   * the current objects come first as ADDED events, as kube-apiserver does.
   */
  watch(ctx: RequestContext, opts: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    return iterateWatch(
      (sink, stop) =>
        this.watchInto(
          ctx,
          opts,
          stop,
          sink,
          (o) => this.listWith(ctx, o, this.objectItems(o), false),
          (kv, decoded) => this.present(decoded ?? this.decode(kv)),
        ),
      signal,
    );
  }

  /** What watch sends, each object already encoded as JSON: watchers of one event share one encoding. */
  watchJsonInto(ctx: RequestContext, opts: WatchOptions, signal: AbortSignal, sink: WatchSink<Buffer>): Promise<void> {
    return this.watchInto(
      ctx,
      opts,
      signal,
      sink,
      (o) => this.listWith(ctx, o, this.jsonItems(o), false),
      // The decoration inputs are read per event: a configuration change during a long watch is
      // then shared with every other reader instead of splitting the cache between old and new.
      (kv, decoded) => this.encodeForClient(kv, this.encodedCache(), decoded),
      this.jsonEvents,
    );
  }

  /**
   * One watch algorithm for objects and for their encodings. `item` makes an event's object from the
   * stored value (given it decoded when selectors needed the object already). The initial events
   * wait for the sink to drain; live events are pushed to it in the store's own call when the store
   * can push (a watch cache fanning one event out to thousands of watchers), and a watcher that
   * cannot keep up with them is dropped, to re-watch. Watches without selectors make the same event
   * of a stored one: with `shared`, the first makes it and the others take it.
   */
  private async watchInto<I>(
    ctx: RequestContext,
    opts: WatchOptions,
    signal: AbortSignal,
    sink: WatchSink<I>,
    initialPage: (o: ListOptions) => Promise<ListResult<I>>,
    item: (kv: KeyValue, decoded: T | undefined) => I,
    shared?: SharedEvent<I>,
  ): Promise<void> {
    const prefix = this.prefixFor(this.namespaceOf(ctx));
    let from: number;
    const rv = opts.resourceVersion;
    if (!rv || rv === '0' || opts.sendInitialEvents) {
      // The initial state is the current one (never older than a given resourceVersion), read in
      // pages of one snapshot: a watcher of every stream in a large store then holds one page in
      // memory, not the whole store at once, and a slow reader slows the reading.
      let token: string | undefined;
      let snapshot: number | undefined;
      do {
        const page = await initialPage({
          ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
          limit: INITIAL_EVENTS_PAGE,
          ...(token ? { continue: token } : {}),
        }).catch((e: unknown) => {
          // The snapshot was compacted between pages: the client sent no continue token, so it is
          // told what a watch is told, and starts again.
          if (token && isApiError(e, 'Expired')) throw expired(`too old resource version: ${snapshot ?? 0}`);
          throw e;
        });
        snapshot ??= Number(page.resourceVersion);
        for (const object of page.items) {
          sink.event({ type: 'ADDED', object, revision: snapshot });
          if (sink.saturated) await sink.drained();
        }
        if (signal.aborted) return;
        token = page.continue;
      } while (token);
      from = snapshot;
      if (opts.sendInitialEvents) sink.event({ type: 'BOOKMARK', revision: from, initialEventsEnd: true });
    } else {
      from = parseResourceVersion(rv);
    }
    // Without selectors every event matches: nothing needs decoding to tell its type.
    const filtering = Boolean(opts.labelSelector || opts.fieldSelector);
    const makeEvent = (ev: StorageEvent): WatchEvent<I> | undefined => {
      const obj = filtering ? this.decode(ev.kv, ev.kv.modRevision) : undefined;
      const matchesNow = !obj || this.matches(obj, opts);
      const before = ev.prev !== undefined && (!filtering || this.matches(this.decode(ev.prev), opts));
      const type =
        ev.type === 'delete' ? (before || matchesNow ? 'DELETED' : undefined) : matchesNow ? (before ? 'MODIFIED' : 'ADDED') : before ? 'DELETED' : undefined;
      return type && { type, object: item(ev.kv, obj), revision: ev.kv.modRevision };
    };
    const memo = filtering ? undefined : shared;
    const toEvent = memo
      ? (ev: StorageEvent): WatchEvent<I> | undefined => {
          if (memo.stored !== ev) {
            memo.stored = ev;
            memo.event = makeEvent(ev);
          }
          return memo.event;
        }
      : makeEvent;
    try {
      const events = this.store.watch(prefix, from, signal);
      if (isPushable(events)) {
        await new Promise<void>((resolve, reject) =>
          events.pushTo({
            push: (ev) => {
              const event = toEvent(ev);
              if (!event) return;
              sink.event(event);
              // Thrown to the store's subscription, which ends this watch with it.
              if (sink.overwhelmed) throw new StorageError('Unavailable', prefix, 'the watcher fell too far behind and was dropped');
            },
            end: (err) => (err === undefined ? resolve() : reject(err)),
          }),
        );
        return;
      }
      for await (const ev of events) {
        const event = toEvent(ev);
        if (!event) continue;
        sink.event(event);
        if (sink.saturated) await sink.drained();
      }
    } catch (e) {
      throw interpretStorageError(e, 'watch', this.gr, '');
    }
  }

  /** Names of all objects in a namespace (used to empty a namespace being deleted). */
  async namesIn(namespace: string): Promise<string[]> {
    const page = await this.store.list(this.prefixFor(namespace));
    return page.items.map((kv) => kv.key.slice(this.prefixFor(namespace).length));
  }
}

export function parseResourceVersion(rv: string): number {
  if (!/^[0-9]+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function expiredContinue(): ApiError {
  const e = badRequest(
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );
  e.status.code = 410;
  e.status.reason = 'Expired';
  return e;
}

function keyExists(): StorageError {
  return new StorageError('KeyExists', '', 'key exists');
}

function futureRevision(rev: number): StorageError {
  return new StorageError('FutureRevision', '', `revision ${rev} is in the future`, undefined, rev);
}
