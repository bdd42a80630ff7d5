/**
 * The events.k8s.io/v1 handler over core/v1's event store: every object is converted on the way
 * in and out, field selectors are translated to core's names, and errors name this group.
 */
import { isApiError, notFound, invalid, type Status } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { Event } from '../../../apis/core/event.js';
import { eventFromCore, eventToCore, EventV1, FIELD_NAMES_FROM_CORE } from '../../../apis/events/event.js';
import { validateEventV1Create } from '../../../apis/events/validation.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler, WriteRequest } from '../../../apiserver/generic/handler.js';
import type { ListOptions, ListResult, ResourceStore, WatchEvent, WatchOptions } from '../../../apiserver/generic/resource-store.js';

const KIND = { group: 'events.k8s.io', kind: 'Event' };
const GR = { group: 'events.k8s.io', resource: 'events' };
const EXPECTED = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };

/** The caller's field selector, asked of core's fields under this version's names. */
function translated<O extends ListOptions>(opts: O): O {
  const outer = opts.fieldSelector;
  if (!outer) return opts;
  return {
    ...opts,
    fieldSelector: {
      matches(fields: Record<string, string>) {
        const renamed: Record<string, string> = {};
        for (const [k, v] of Object.entries(fields)) renamed[FIELD_NAMES_FROM_CORE[k] ?? k] = v;
        return outer.matches(renamed);
      },
    },
  };
}

/** Core's NotFound names core's resource; this kind's clients asked for events.events.k8s.io. */
async function named<R>(name: string, work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (err) {
    if (isApiError(err, 'NotFound')) throw notFound(GR, name);
    throw err;
  }
}

function decode(body: unknown, ctx: RequestContext, req: WriteRequest): EventV1 {
  return decodeBody<EventV1>(body, EventV1, EXPECTED, ctx, req);
}

const writeOptions = (req: WriteRequest) => ({ dryRun: req.dryRun, ...(req.fieldManager !== undefined ? { fieldManager: req.fieldManager } : {}) });

export function createEventV1Handler(info: ResourceInfo, store: ResourceStore<Event>, columns: readonly TableColumn<EventV1>[]): ResourceHandler<EventV1> {
  const listOf = (r: ListResult<Event>): ListResult<EventV1> => ({ ...r, items: r.items.map(eventFromCore) });
  return {
    info,
    columns,
    get: (ctx, name) => named(name, async () => eventFromCore(await store.get(ctx, name))),
    list: async (ctx, opts) => listOf(await store.list(ctx, translated(opts))),
    async *watch(ctx: RequestContext, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<EventV1>> {
      for await (const ev of store.watch(ctx, translated(opts), signal)) yield ev.type === 'BOOKMARK' ? ev : { ...ev, object: eventFromCore(ev.object) };
    },
    async create(ctx, body, req) {
      const e = decode(body, ctx, req);
      const errs = validateEventV1Create(e);
      if (errs.length) throw invalid(KIND, e.metadata.name ?? '', errs);
      return eventFromCore(await store.create(ctx, eventToCore(e), writeOptions(req)));
    },
    async update(ctx, name, body, req) {
      const e = decode(body, ctx, req);
      const r = await named(name, () => store.update(ctx, name, eventToCore(e), writeOptions(req)));
      return { ...r, object: eventFromCore(r.object) };
    },
    async delete(ctx, name, opts): Promise<Omit<Status, 'code'>> {
      const gone = await named(name, () => store.delete(ctx, name, opts));
      const { uid } = gone.metadata;
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: GR.group, kind: GR.resource, ...(uid ? { uid } : {}) },
      };
    },
    deleteCollection: async (ctx, listOpts, opts) => listOf(await store.deleteCollection(ctx, translated(listOpts), opts)),
  };
}
