/**
 * The applier against an in-memory backend: it stands in for what a real server will not do on
 * demand, a writer that slips in between the applier's read and its conditional write. The real
 * server is exercised end to end in test/e2e/prune.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGED_ANNOTATION } from '../apis/image/annotations.js';
import { planPrune } from '../apis/image/prune-plan.js';
import type { Image, ImageStream, TagEvent } from '../apis/image/schema.js';
import { applyPrune, KEPT_CHANGED, KEPT_NEEDED, KEPT_REFERENCED } from './apply.js';
import type { PruneBackend, WriteOutcome } from './backend.js';

const d = (n: string) => `sha256:${n.padStart(64, '0')}`;
const OLD = '2020-01-01T00:00:00Z';
const opts = { keepTagRevisions: 1, keepYoungerThanMs: 0, all: false, now: new Date('2024-01-01T00:00:00Z') };
const event = (img: string, created = OLD): TagEvent => ({ created, dockerImageReference: `r/ns/app@${img}`, image: img, generation: 1 });
const image = (name: string, rv = '1', children?: string[]): Image =>
  ({
    metadata: { name, resourceVersion: rv, creationTimestamp: OLD, annotations: { [MANAGED_ANNOTATION]: 'true' } },
    dockerImageReference: `r/ns/app@${name}`,
    ...(children ? { dockerImageManifests: children.map((c) => ({ digest: c, mediaType: 'm', manifestSize: 1, architecture: 'amd64', os: 'linux' })) } : {}),
  }) as Image;

class FakeBackend implements PruneBackend {
  streams = new Map<string, ImageStream>();
  images = new Map<string, Image>();
  rv = 10;
  /** Runs once, right before the next status write is checked: another writer's turn. */
  beforeWrite: ((b: FakeBackend) => void) | undefined;
  writes = 0;
  gcCalls = 0;

  addStream(name: string, tags: Record<string, TagEvent[]>): void {
    this.streams.set(`ns/${name}`, {
      metadata: { name, namespace: 'ns', resourceVersion: String(++this.rv) },
      status: { dockerImageRepository: '', tags: Object.entries(tags).map(([tag, items]) => ({ tag, items })) },
    } as ImageStream);
  }
  /** Another writer changes the stream (and so its resourceVersion). */
  mutate(name: string, f: (s: ImageStream) => void): void {
    const s = this.streams.get(`ns/${name}`);
    if (!s) throw new Error('no stream');
    f(s);
    s.metadata.resourceVersion = String(++this.rv);
  }
  async listStreams() {
    return structuredClone([...this.streams.values()]);
  }
  async listImages() {
    return structuredClone([...this.images.values()]);
  }
  async getStream(namespace: string, name: string) {
    return structuredClone(this.streams.get(`${namespace}/${name}`));
  }
  async updateStreamStatus(stream: ImageStream): Promise<WriteOutcome> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    hook?.(this);
    const key = `${stream.metadata.namespace}/${stream.metadata.name}`;
    const current = this.streams.get(key);
    if (!current) return 'gone';
    if (current.metadata.resourceVersion !== stream.metadata.resourceVersion) return 'conflict';
    this.writes++;
    this.streams.set(key, { ...structuredClone(stream), metadata: { ...stream.metadata, resourceVersion: String(++this.rv) } });
    return 'done';
  }
  async deleteImage(name: string, resourceVersion: string | undefined): Promise<WriteOutcome> {
    const current = this.images.get(name);
    if (!current) return 'gone';
    if (resourceVersion && current.metadata.resourceVersion !== resourceVersion) return 'conflict';
    this.images.delete(name);
    return 'done';
  }
  async garbageCollect() {
    this.gcCalls++;
    return { deleted: [{ digest: d('blob'), size: 5 }], bytesFreed: 5 };
  }
  history(name: string, tag = 'latest'): string[] {
    return (this.streams.get(`ns/${name}`)?.status?.tags?.find((t) => t.tag === tag)?.items ?? []).map((i) => i.image);
  }
}

function plan(b: FakeBackend) {
  return planPrune([...b.streams.values()], [...b.images.values()], opts);
}

describe('applyPrune', () => {
  it('trims, deletes and collects garbage, and a second run finds nothing left to do', async () => {
    const b = new FakeBackend();
    for (const n of ['1', '2', '3']) b.images.set(d(n), image(d(n)));
    b.addStream('app', { latest: [event(d('3')), event(d('2')), event(d('1'))] });
    const report = await applyPrune(plan(b), b);
    assert.deepEqual(b.history('app'), [d('3')]);
    assert.deepEqual(
      report.trimmed.map((t) => t.image),
      [d('2'), d('1')],
    );
    assert.deepEqual([...report.deletedImages].sort(), [d('1'), d('2')]);
    assert.deepEqual([...b.images.keys()], [d('3')]);
    assert.deepEqual([report.blobsDeleted, report.bytesFreed, b.gcCalls], [1, 5, 1]);
    const again = await applyPrune(plan(b), b);
    assert.deepEqual([again.trimmed.length, again.deletedImages.length, again.keptImages.length], [0, 0, 0]);
  });

  it('re-reads a stream another writer changed and removes only the planned entries still there, never the newest', async () => {
    const b = new FakeBackend();
    for (const n of ['1', '2', '3', '4']) b.images.set(d(n), image(d(n)));
    b.addStream('app', { latest: [event(d('3')), event(d('2')), event(d('1'))] });
    const p = plan(b);
    // A push lands between the applier's read and its write: the write conflicts.
    b.beforeWrite = (fb) => fb.mutate('app', (s) => s.status?.tags?.[0]?.items?.unshift(event(d('4'), '2023-12-31T00:00:00Z')));
    const report = await applyPrune(p, b);
    assert.deepEqual(b.history('app'), [d('4'), d('3')], 'the pushed entry and the entry kept by the plan stay');
    assert.equal(b.writes, 1);
    assert.deepEqual([...report.deletedImages].sort(), [d('1'), d('2')]);
  });

  it('never removes the entry that has become the newest', async () => {
    const b = new FakeBackend();
    for (const n of ['1', '2']) b.images.set(d(n), image(d(n)));
    b.addStream('app', { latest: [event(d('2')), event(d('1'))] });
    const p = plan(b);
    b.mutate('app', (s) => s.status?.tags?.[0]?.items?.shift());
    const report = await applyPrune(p, b);
    assert.deepEqual(b.history('app'), [d('1')]);
    assert.deepEqual(report.trimmed, []);
    assert.deepEqual(report.keptImages, [{ name: d('1'), reason: KEPT_REFERENCED }]);
    assert.ok(b.images.has(d('1')));
  });

  it('gives a stream up after repeated conflicts, keeping the Images its history still references', async () => {
    const b = new FakeBackend();
    for (const n of ['1', '2']) b.images.set(d(n), image(d(n)));
    b.addStream('app', { latest: [event(d('2')), event(d('1'))] });
    const p = plan(b);
    const original = b.updateStreamStatus.bind(b);
    b.updateStreamStatus = async (s) => {
      b.mutate('app', () => undefined);
      return original(s);
    };
    const report = await applyPrune(p, b, { maxConflicts: 3 });
    assert.deepEqual(report.trimsGivenUp, [{ namespace: 'ns', stream: 'app' }]);
    assert.deepEqual(report.keptImages, [{ name: d('1'), reason: KEPT_REFERENCED }]);
  });

  it('keeps a planned Image a new tag references, one a staying list needs, and one pushed again since', async () => {
    const b = new FakeBackend();
    for (const n of ['a', 'b', 'c']) b.images.set(d(n), image(d(n)));
    b.addStream('app', { latest: [] });
    const p = plan(b);
    assert.deepEqual(p.images.map((i) => i.name).sort(), [d('a'), d('b'), d('c')]);
    b.addStream('other', { v1: [event(d('a'))] });
    b.images.set(d('list'), image(d('list'), '7', [d('b')]));
    b.images.set(d('c'), image(d('c'), '99'));
    const report = await applyPrune(p, b);
    assert.deepEqual(report.deletedImages, []);
    assert.deepEqual(
      [...report.keptImages].sort((x, y) => (x.name < y.name ? -1 : 1)),
      [
        { name: d('a'), reason: KEPT_REFERENCED },
        { name: d('b'), reason: KEPT_NEEDED },
        { name: d('c'), reason: KEPT_CHANGED },
      ],
    );
    assert.equal(b.images.size, 4);
  });

  it('stops between steps when aborted', async () => {
    const b = new FakeBackend();
    b.images.set(d('1'), image(d('1')));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(applyPrune(plan(b), b, { signal: controller.signal }), { name: 'AbortError' });
    assert.ok(b.images.has(d('1')));
    assert.equal(b.gcCalls, 0);
  });
});
