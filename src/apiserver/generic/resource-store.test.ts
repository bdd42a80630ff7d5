import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { isApiError } from '../../api/errors.js';
import type { RequestContext, Strategy } from '../../api/strategy.js';
import type { ResourceInfo } from '../../api/resource-info.js';
import { objectHeader, type KubeObject } from '../../api/meta.js';
import { MemoryStore } from '../../storage/memory/memory-store.js';
import { EncodedObjectCache } from './encoded-cache.js';
import { MAX_LIST_PAGE, ResourceStore, type WatchEvent } from './resource-store.js';
import { iterateWatch, type WatchSink } from './watch-sink.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Thing extends KubeObject {
  spec?: { size?: number };
  status?: { seen?: boolean };
}

const info: ResourceInfo = {
  group: 'example.com',
  version: 'v1',
  resource: 'things',
  singular: 'thing',
  kind: 'Thing',
  listKind: 'ThingList',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'get', 'list', 'update', 'delete', 'watch'],
  subresources: [],
  schema: Type.Object({ ...objectHeader(), spec: Type.Optional(Type.Object({ size: Type.Optional(Type.Integer()) })) }),
};

const strategy: Strategy<Thing> = {
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
  prepareForCreate: (obj) => {
    delete obj.status;
    obj.metadata.generation = 1;
  },
  validate: (obj) => ((obj.spec?.size ?? 0) < 0 ? [{ type: 'FieldValueInvalid', field: 'spec.size', value: obj.spec?.size, detail: 'must be >= 0' }] : []),
  prepareForUpdate: (obj, old) => {
    if (old.status) obj.status = old.status;
    else delete obj.status;
    if (JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  },
  validateUpdate: () => [],
};

function setup() {
  const store = new MemoryStore();
  const things = new ResourceStore<Thing>({ info, strategy, store, namespacePhase: async (ns) => (ns === 'gone' ? undefined : 'Active') });
  const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date('2026-01-02T03:04:05.678Z') };
  return { store, things, ctx };
}

const thing = (name: string, size = 1, labels: Record<string, string> = {}): Thing => ({ metadata: { name, labels }, spec: { size } });

describe('ResourceStore', () => {
  it('fills uid, creationTimestamp, namespace, generation and resourceVersion on create', async () => {
    const { things, ctx } = setup();
    const t = await things.create(ctx, { ...thing('a'), status: { seen: true } }, { dryRun: false });
    assert.match(t.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(t.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(t.metadata.namespace, 'ns');
    assert.equal(t.metadata.generation, 1);
    assert.equal(t.metadata.resourceVersion, '1');
    assert.equal(t.status, undefined);
    assert.equal(t.kind, 'Thing');
    assert.equal(t.apiVersion, 'example.com/v1');
  });

  it('generates a name from generateName and rejects a client resourceVersion on create', async () => {
    const { things, ctx } = setup();
    const t = await things.create(ctx, { metadata: { generateName: 'x-' } }, { dryRun: false });
    assert.match(t.metadata.name ?? '', /^x-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    await assert.rejects(things.create(ctx, { metadata: { name: 'b', resourceVersion: '5' } }, { dryRun: false }), (e) => isApiError(e, 'BadRequest'));
  });

  it('rejects invalid objects with 422 and writes nothing', async () => {
    const { things, ctx, store } = setup();
    await assert.rejects(things.create(ctx, thing('neg', -1), { dryRun: false }), (e) => isApiError(e, 'Invalid') && /spec.size/.test(e.message));
    assert.equal(await store.currentRevision(), 0);
  });

  it('answers 404 for a missing namespace and 409 for an existing name', async () => {
    const { things, ctx } = setup();
    await assert.rejects(
      things.create({ ...ctx, namespace: 'gone' }, thing('a'), { dryRun: false }),
      (e) => isApiError(e, 'NotFound') && /namespaces "gone" not found/.test(e.message),
    );
    await things.create(ctx, thing('a'), { dryRun: false });
    await assert.rejects(things.create(ctx, thing('a'), { dryRun: false }), (e) => isApiError(e, 'AlreadyExists'));
  });

  it('enforces resourceVersion on update and skips writes that change nothing', async () => {
    const { things, ctx } = setup();
    const a = await things.create(ctx, thing('a'), { dryRun: false });
    await assert.rejects(
      things.update(ctx, 'a', thing('a', 2), { dryRun: false }),
      (e) => isApiError(e, 'Invalid') && /must be specified for an update/.test(e.message),
    );
    const same = await things.update(ctx, 'a', structuredClone(a), { dryRun: false });
    assert.equal(same.object.metadata.resourceVersion, a.metadata.resourceVersion);
    const bigger = await things.update(ctx, 'a', { ...structuredClone(a), spec: { size: 5 } }, { dryRun: false });
    assert.equal(bigger.object.metadata.generation, 2);
    assert.equal(bigger.object.metadata.uid, a.metadata.uid);
    await assert.rejects(things.update(ctx, 'a', { ...structuredClone(a), spec: { size: 6 } }, { dryRun: false }), (e) => isApiError(e, 'Conflict'));
  });

  it('does not persist dry-run writes', async () => {
    const { things, ctx, store } = setup();
    await things.create(ctx, thing('a'), { dryRun: true });
    assert.equal(await store.currentRevision(), 0);
    await assert.rejects(things.get(ctx, 'a'), (e) => isApiError(e, 'NotFound'));
  });

  it('retries a read-modify-write on a conflict nobody preconditioned', async () => {
    const { things, ctx } = setup();
    await things.create(ctx, thing('a', 0), { dryRun: false });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        things.guaranteedUpdate(ctx, 'a', (cur) => ({ ...(cur as Thing), spec: { size: ((cur as Thing).spec?.size ?? 0) + 1 } }), { dryRun: false }),
      ),
    );
    assert.equal((await things.get(ctx, 'a')).spec?.size, 10);
  });

  it('pages lists with continue tokens pinned to the first page revision, and filters by label', async () => {
    const { things, ctx } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) await things.create(ctx, thing(n, 1, { odd: String('ace'.includes(n)) }), { dryRun: false });
    const p1 = await things.list(ctx, { limit: 2 });
    assert.deepEqual(
      p1.items.map((i) => i.metadata.name),
      ['a', 'b'],
    );
    assert.equal(p1.remainingItemCount, 3);
    await things.create(ctx, thing('bb'), { dryRun: false });
    const p2 = await things.list(ctx, { limit: 2, continue: p1.continue as string });
    assert.deepEqual(
      p2.items.map((i) => i.metadata.name),
      ['c', 'd'],
    );
    assert.equal(p2.resourceVersion, p1.resourceVersion);
    const odd = await things.list(ctx, { labelSelector: { matches: (l) => l['odd'] === 'true' }, limit: 2 });
    assert.deepEqual(
      odd.items.map((i) => i.metadata.name),
      ['a', 'c'],
    );
    const rest = await things.list(ctx, { labelSelector: { matches: (l) => l['odd'] === 'true' }, limit: 2, continue: odd.continue as string });
    assert.deepEqual(
      rest.items.map((i) => i.metadata.name),
      ['e'],
    );
    assert.equal(rest.continue, undefined);
  });

  it('answers at most MAX_LIST_PAGE items for any limit, with a continue token to the rest', async () => {
    const { things, ctx } = setup();
    for (let i = 0; i < MAX_LIST_PAGE + 5; i++) await things.create(ctx, thing(`t${String(i).padStart(5, '0')}`), { dryRun: false });
    const page = await things.list(ctx, { limit: 1_000_000 });
    assert.equal(page.items.length, MAX_LIST_PAGE);
    assert.equal(page.remainingItemCount, 5);
    const rest = await things.list(ctx, { limit: 1_000_000, continue: page.continue as string });
    assert.equal(rest.items.length, 5);
    assert.equal((await things.list(ctx, {})).items.length, MAX_LIST_PAGE + 5, 'a list without a limit is whole');
  });

  it('watches from a resource version and turns label transitions into ADDED/DELETED', async () => {
    const { things, ctx } = setup();
    const a = await things.create(ctx, thing('a', 1, { app: 'x' }), { dryRun: false });
    const abort = new AbortController();
    const events: WatchEvent<Thing>[] = [];
    const done = (async () => {
      for await (const ev of things.watch(
        ctx,
        { resourceVersion: a.metadata.resourceVersion as string, labelSelector: { matches: (l) => l['app'] === 'x' } },
        abort.signal,
      )) {
        events.push(ev);
        if (events.length === 3) abort.abort();
      }
    })();
    const cur = await things.get(ctx, 'a');
    const moved = await things.update(ctx, 'a', { ...cur, metadata: { ...cur.metadata, labels: { app: 'y' } } }, { dryRun: false });
    await things.create(ctx, thing('b', 1, { app: 'x' }), { dryRun: false });
    await things.update(ctx, 'a', { ...moved.object, metadata: { ...moved.object.metadata, labels: { app: 'x' } } }, { dryRun: false });
    await done;
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.type === 'BOOKMARK' ? '' : e.object.metadata.name}`),
      ['DELETED:a', 'ADDED:b', 'ADDED:a'],
    );
  });

  it('sends the initial ADDED events of a watch from one snapshot, across pages, then the changes after it', async () => {
    const { things, ctx, store } = setup();
    const read: number[] = [];
    const counted: boolean[] = [];
    const list = store.list.bind(store);
    store.list = async (prefix, opts) => {
      const page = await list(prefix, opts);
      read.push(page.items.length);
      counted.push(opts?.countRemaining !== false);
      return page;
    };
    const names: string[] = [];
    for (let i = 0; i < 700; i++) {
      const name = `t${String(i).padStart(5, '0')}`;
      await things.create(ctx, thing(name, 1, { app: i % 3 === 0 ? 'x' : 'y' }), { dryRun: false });
      if (i % 3 === 0) names.push(name);
    }
    const abort = new AbortController();
    const events: WatchEvent<Thing>[] = [];
    const last = names[names.length - 1] as string;
    for await (const ev of things.watch(ctx, { resourceVersion: '0', labelSelector: { matches: (l) => l['app'] === 'x' } }, abort.signal)) {
      events.push(ev);
      if (events.length === 10) {
        // Written while the initial pages are still being read: seen after them, not inside them.
        const cur = await things.get(ctx, last);
        await things.update(ctx, last, { ...cur, spec: { size: 2 } }, { dryRun: false });
        await things.create(ctx, thing('zzz', 1, { app: 'x' }), { dryRun: false });
      }
      if (events.length === names.length + 2) abort.abort();
    }
    const initial = events.slice(0, names.length);
    assert.deepEqual(
      initial.map((e) => (e.type === 'BOOKMARK' ? '' : `${e.type}:${e.object.metadata.name}`)),
      names.map((n) => `ADDED:${n}`),
    );
    assert.equal(new Set(initial.map((e) => e.revision)).size, 1, 'every initial event is at the snapshot revision');
    const lastInitial = initial[initial.length - 1];
    assert.equal(lastInitial?.type !== 'BOOKMARK' && lastInitial?.object.spec?.size, 1, 'the snapshot holds the object as it was');
    assert.deepEqual(
      events.slice(names.length).map((e) => (e.type === 'BOOKMARK' ? '' : `${e.type}:${e.object.metadata.name}:${e.object.spec?.size}`)),
      [`MODIFIED:${last}:2`, 'ADDED:zzz:1'],
    );
    assert.ok(Math.max(...read) < 700, `the store was read in pages, not whole (largest read ${Math.max(...read)} objects)`);
    assert.ok(!counted.includes(true), 'the store was never asked to count what remained (a watch has no use for it)');
  });

  it('answers get and list as JSON with the same text as the objects, reused only while revision and decoration hold', async () => {
    const store = new MemoryStore();
    const cache = new EncodedObjectCache(1 << 20);
    let inputs = { suffix: 'one' };
    const decorating: Strategy<Thing> = { ...strategy, decorate: (t) => (t.status = { seen: inputs.suffix === 'two' }), decorationInputs: () => inputs };
    const things = new ResourceStore<Thing>({ info, strategy: decorating, store, encodedCache: cache });
    const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date() };
    await things.create(ctx, thing('a', 1), { dryRun: false });
    await things.create(ctx, thing('b', 2, { app: 'x' }), { dryRun: false });
    const same = async () => {
      assert.equal((await things.getJson(ctx, 'a')).toString(), JSON.stringify(await things.get(ctx, 'a')));
      const shared = await things.getShared(ctx, 'a');
      assert.deepEqual(shared, await things.get(ctx, 'a'));
      assert.ok(Object.isFrozen(shared) && Object.isFrozen(shared.metadata), 'a shared object is frozen');
      assert.deepEqual((await things.listShared(ctx, {})).items, (await things.list(ctx, {})).items);
      const listed = await things.list(ctx, {});
      assert.deepEqual(
        (await things.listJson(ctx, {})).items.map(String),
        listed.items.map((t) => JSON.stringify(t)),
      );
      const selected = await things.listJson(ctx, { labelSelector: { matches: (l) => l['app'] === 'x' } });
      assert.deepEqual(
        selected.items.map((t) => (JSON.parse(t.toString()) as Thing).metadata.name),
        ['b'],
      );
    };
    await same();
    assert.equal(cache.size.entries, 2, 'both objects are held');
    const a = await things.get(ctx, 'a');
    await things.update(ctx, 'a', { ...a, spec: { size: 7 } }, { dryRun: false });
    await same();
    assert.equal((JSON.parse((await things.getJson(ctx, 'a')).toString()) as Thing).spec?.size, 7, 'a write is seen at once');
    inputs = { suffix: 'two' };
    await same();
    assert.equal((JSON.parse((await things.getJson(ctx, 'b')).toString()) as Thing).status?.seen, true, 'new decoration inputs are applied');
    await assert.rejects(things.getJson(ctx, 'nope'), (e) => isApiError(e, 'NotFound'));
    const unused = new EncodedObjectCache(1 << 20);
    const { decorationInputs: _undeclared, ...silent } = decorating;
    await new ResourceStore<Thing>({ info, strategy: silent, store, encodedCache: unused }).getJson(ctx, 'a');
    assert.equal(unused.size.entries, 0, 'a kind that does not say what its decoration reads keeps nothing');
  });

  it('matches selectors on the stored object, before decoration, in every form of a list', async () => {
    const store = new MemoryStore();
    const decorating: Strategy<Thing> = {
      ...strategy,
      decorate: (t) => (t.metadata.labels = { ...(t.metadata.labels ?? {}), decorated: 'yes' }),
      decorationInputs: () => undefined,
    };
    const things = new ResourceStore<Thing>({ info, strategy: decorating, store, encodedCache: new EncodedObjectCache(1 << 20) });
    const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date() };
    await things.create(ctx, thing('a'), { dryRun: false });
    await things.getShared(ctx, 'a'); // held decorated
    const decorated = { labelSelector: { matches: (l: Record<string, string>) => l['decorated'] === 'yes' } };
    assert.deepEqual((await things.list(ctx, decorated)).items, []);
    assert.deepEqual((await things.listJson(ctx, decorated)).items, []);
    assert.deepEqual((await things.listShared(ctx, decorated)).items, [], 'a table lists what JSON lists');
    const all = await things.listShared(ctx, {});
    assert.equal(all.items[0]?.metadata.labels?.['decorated'], 'yes', 'what is shown is decorated');
  });

  it('ends a watch whose initial snapshot was compacted between pages as a too-old watch, not a list', async () => {
    const { things, ctx, store } = setup();
    for (let i = 0; i < 600; i++) await things.create(ctx, thing(`t${String(i).padStart(5, '0')}`), { dryRun: false });
    const abort = new AbortController();
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of things.watch(ctx, { resourceVersion: '0' }, abort.signal)) {
          if (++seen === 1) {
            await things.create(ctx, thing('later'), { dryRun: false });
            await store.compact(await store.currentRevision());
          }
        }
      })(),
      (e) => isApiError(e, 'Expired') && /too old resource version/.test(e.message) && !/continue/.test(e.message),
    );
    assert.ok(seen >= 1 && seen < 600, `the first page was sent (${seen} events)`);
  });

  it('sends the same watch events as JSON as it does as objects, with and without selectors', async () => {
    const store = new MemoryStore();
    const things = new ResourceStore<Thing>({ info, strategy, store, encodedCache: new EncodedObjectCache(1 << 20) });
    const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date() };
    await things.create(ctx, thing('old', 1, { app: 'x' }), { dryRun: false });
    const abort = new AbortController();
    const collect = async <I>(events: AsyncIterable<WatchEvent<I>>, text: (o: I) => string, count: number) => {
      const out: string[] = [];
      for await (const ev of events) {
        out.push(ev.type === 'BOOKMARK' ? 'BOOKMARK' : `${ev.type} ${ev.revision} ${text(ev.object)}`);
        if (out.length === count) break;
      }
      return out;
    };
    const x = { labelSelector: { matches: (l: Record<string, string>) => l['app'] === 'x' } };
    const watched = Promise.all([
      collect(things.watch(ctx, { resourceVersion: '0' }, abort.signal), (o) => JSON.stringify(o), 5),
      collect(
        iterateWatch<Buffer>((sink, stop) => things.watchJsonInto(ctx, { resourceVersion: '0' }, stop, sink), abort.signal),
        (t) => t.toString(),
        5,
      ),
      collect(things.watch(ctx, { resourceVersion: '0', ...x }, abort.signal), (o) => JSON.stringify(o), 4),
      collect(
        iterateWatch<Buffer>((sink, stop) => things.watchJsonInto(ctx, { resourceVersion: '0', ...x }, stop, sink), abort.signal),
        (t) => t.toString(),
        4,
      ),
    ]);
    await new Promise((r) => setImmediate(r));
    const a = await things.create(ctx, thing('a', 1, { app: 'x' }), { dryRun: false });
    const moved = await things.update(ctx, 'a', { ...a, metadata: { ...a.metadata, labels: { app: 'y' } } }, { dryRun: false });
    await things.update(ctx, 'a', { ...moved.object, spec: { size: 3 } }, { dryRun: false });
    await things.delete(ctx, 'old', { dryRun: false });
    const [objects, texts, selectedObjects, selectedTexts] = await watched;
    abort.abort();
    assert.deepEqual(texts, objects);
    assert.deepEqual(selectedTexts, selectedObjects);
    assert.deepEqual(
      objects.map((e) => e.split(' ')[0]),
      ['ADDED', 'ADDED', 'MODIFIED', 'MODIFIED', 'DELETED'],
    );
    assert.deepEqual(
      selectedObjects.map((e) => e.split(' ')[0]),
      ['ADDED', 'ADDED', 'DELETED', 'DELETED'],
    );
  });

  it('pushes live events from a store that can push: selectors applied, one shared encoding, a watcher that cannot keep up dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'push-watch-'));
    const store = openSqliteStore({ path: join(dir, 'db'), compactInterval: 0, synchronous: 'NORMAL' });
    try {
      const things = new ResourceStore<Thing>({ info, strategy, store, encodedCache: new EncodedObjectCache(1 << 20) });
      const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date() };
      const from = (await things.list(ctx, {})).resourceVersion;
      const abort = new AbortController();
      const sinkOf = (limit: number) => {
        const events: WatchEvent<Buffer>[] = [];
        const sink: WatchSink<Buffer> = {
          event: (ev) => events.push(ev),
          saturated: false,
          get overwhelmed() {
            return events.length >= limit;
          },
          drained: () => Promise.resolve(),
        };
        return { events, sink };
      };
      const all = [sinkOf(100), sinkOf(100)];
      const selected = sinkOf(100);
      const slow = sinkOf(2);
      const watches = [
        ...all.map((w) => things.watchJsonInto(ctx, { resourceVersion: from }, abort.signal, w.sink)),
        things.watchJsonInto(ctx, { resourceVersion: from, labelSelector: { matches: (l) => l['app'] === 'x' } }, abort.signal, selected.sink),
      ];
      const dropped = things.watchJsonInto(ctx, { resourceVersion: from }, abort.signal, slow.sink);
      const a = await things.create(ctx, thing('a', 1, { app: 'x' }), { dryRun: false });
      await things.update(ctx, 'a', { ...a, metadata: { ...a.metadata, labels: { app: 'y' } } }, { dryRun: false });
      await assert.rejects(dropped, (e) => isApiError(e, 'ServiceUnavailable') && /fell too far behind/.test(e.message));
      await things.create(ctx, thing('b', 1, { app: 'x' }), { dryRun: false });
      const [first, second] = all.map((w) =>
        w.events.map((e) => (e.type === 'BOOKMARK' ? e.type : `${e.type} ${JSON.parse(e.object.toString()).metadata.name}`)),
      );
      assert.deepEqual(first, ['ADDED a', 'MODIFIED a', 'ADDED b']);
      assert.deepEqual(second, first);
      assert.ok(
        all[0]?.events.every((e, i) => e === all[1]?.events[i]),
        'watchers without selectors share one event (and one encoding) per change',
      );
      assert.deepEqual(
        selected.events.map((e) => e.type),
        ['ADDED', 'DELETED', 'ADDED'],
      );
      assert.equal(slow.events.length, 2, 'nothing is pushed to a dropped watcher');
      abort.abort();
      await Promise.all(watches);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks uid and resourceVersion preconditions on delete', async () => {
    const { things, ctx } = setup();
    const a = await things.create(ctx, thing('a'), { dryRun: false });
    await assert.rejects(things.delete(ctx, 'a', { dryRun: false, preconditions: { uid: 'nope' } }), (e) => isApiError(e, 'Conflict'));
    const gone = await things.delete(ctx, 'a', { dryRun: false, preconditions: { uid: a.metadata.uid as string } });
    assert.equal(gone.metadata.name, 'a');
    await assert.rejects(things.get(ctx, 'a'), (e) => isApiError(e, 'NotFound') && e.message === 'things.example.com "a" not found');
  });
});
