import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGED_ANNOTATION, SUBJECT_ANNOTATION } from './annotations.js';
import { imageBlobs, keepDependents, planPrune, streamReferences, type PruneOptions } from './prune-plan.js';
import type { Image, ImageStream, TagEvent } from './schema.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');
const d = (n: string) => `sha256:${n.padStart(64, '0')}`;

function image(
  name: string,
  o: { layers?: [string, number][]; config?: string; managed?: boolean; age?: number; children?: string[]; subject?: string; rv?: string } = {},
): Image {
  const annotations: Record<string, string> = {};
  if (o.managed ?? true) annotations[MANAGED_ANNOTATION] = 'true';
  if (o.subject) annotations[SUBJECT_ANNOTATION] = o.subject;
  return {
    metadata: { name, creationTimestamp: ago(o.age ?? 48), annotations, ...(o.rv ? { resourceVersion: o.rv } : {}) },
    dockerImageReference: `registry/ns/app@${name}`,
    dockerImageMetadata: o.config ? ({ Id: o.config } as Image['dockerImageMetadata']) : undefined,
    dockerImageLayers: (o.layers ?? []).map(([l, size]) => ({ name: l, size, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
    ...(o.children
      ? {
          dockerImageManifests: o.children.map((c) => ({
            digest: c,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            manifestSize: 100,
            architecture: 'amd64',
            os: 'linux',
          })),
        }
      : {}),
  } as Image;
}

const event = (img: string, hoursAgo: number): TagEvent => ({
  created: ago(hoursAgo),
  dockerImageReference: `registry/ns/app@${img}`,
  image: img,
  generation: 1,
});

function stream(name: string, tags: Record<string, TagEvent[]>, spec: { name: string; from: { kind: string; name: string } }[] = []): ImageStream {
  return {
    metadata: { name, namespace: 'ns' },
    spec: { tags: spec.map((s) => ({ name: s.name, from: s.from })) },
    status: { dockerImageRepository: '', tags: Object.entries(tags).map(([tag, items]) => ({ tag, items })) },
  } as ImageStream;
}

const opts = (o: Partial<PruneOptions> = {}): PruneOptions => ({ keepTagRevisions: 3, keepYoungerThanMs: HOUR, all: false, now: NOW, ...o });
const names = (plan: { images: readonly { name: string }[] }) => plan.images.map((i) => i.name).sort();

describe('planPrune', () => {
  it('trims history beyond the newest N entries and deletes the Images only those entries referenced', () => {
    const imgs = ['1', '2', '3', '4', '5'].map((n) => image(d(n), { layers: [[d(`l${n}`), 10]] }));
    const s = stream('app', { latest: ['5', '4', '3', '2', '1'].map((n, i) => event(d(n), 10 + i)) });
    const plan = planPrune([s], imgs, opts());
    assert.equal(plan.trims.length, 1);
    assert.deepEqual(
      plan.trims[0]?.remove.map((e) => e.image),
      [d('2'), d('1')],
    );
    assert.deepEqual(names(plan), [d('1'), d('2')]);
  });

  it('keeps entries and Images younger than the age, whatever their rank', () => {
    const imgs = [image(d('1'), { age: 48 }), image(d('2'), { age: 0.5 }), image(d('3'), { age: 48 })];
    // Entry for 2 is old, but its Image is young; entry for 3 is beyond N but young.
    const s = stream('app', { latest: [event(d('9'), 1), event(d('3'), 0.5), event(d('2'), 48), event(d('1'), 48)] });
    const plan = planPrune([s, stream('other', { x: [event(d('9'), 1)] })], [...imgs, image(d('9'))], opts({ keepTagRevisions: 1 }));
    assert.deepEqual(
      plan.trims[0]?.remove.map((e) => e.image),
      [d('2'), d('1')],
    );
    assert.deepEqual(names(plan), [d('1')], 'the young Image 2 stays although no entry references it any more');
  });

  it('never removes a tag’s newest entry, even with keepTagRevisions 0', () => {
    const s = stream('app', { latest: [event(d('2'), 48), event(d('1'), 48)] });
    const plan = planPrune([s], [image(d('1')), image(d('2'))], opts({ keepTagRevisions: 0 }));
    assert.deepEqual(
      plan.trims[0]?.remove.map((e) => e.image),
      [d('1')],
    );
    assert.deepEqual(names(plan), [d('1')]);
  });

  it('deletes only Images the registry manages, unless all', () => {
    const imgs = [image(d('1')), image(d('2'), { managed: false })];
    assert.deepEqual(names(planPrune([], imgs, opts())), [d('1')]);
    assert.deepEqual(names(planPrune([], imgs, opts({ all: true }))), [d('1'), d('2')]);
  });

  it('keeps Images a spec tag names by digest (DockerImage and ImageStreamImage), before any history', () => {
    const s = stream('app', {}, [
      { name: 'pinned', from: { kind: 'DockerImage', name: `registry/ns/app@${d('1')}` } },
      { name: 'alias', from: { kind: 'ImageStreamImage', name: `app@${d('2')}` } },
      { name: 'tracking', from: { kind: 'ImageStreamTag', name: 'app:latest' } },
    ]);
    assert.deepEqual(names(planPrune([s], [image(d('1')), image(d('2')), image(d('3'))], opts())), [d('3')]);
    assert.deepEqual([...streamReferences([s])].sort(), [d('1'), d('2')]);
  });

  it('keeps the children of a staying manifest list, referenced or merely young', () => {
    const list = image(d('a'), { children: [d('c1'), d('c2')] });
    const youngList = image(d('b'), { children: [d('c3')], age: 0.1 });
    const children = ['c1', 'c2', 'c3'].map((c) => image(d(c), { layers: [[d(`l${c}`), 5]] }));
    const s = stream('app', { latest: [event(d('a'), 48)] });
    assert.deepEqual(names(planPrune([s], [list, youngList, ...children], opts())), []);
    // The list gone from history: the list and its children go together.
    const plan = planPrune([], [list, ...children], opts());
    assert.deepEqual(names(plan), [d('a'), d('c1'), d('c2'), d('c3')].sort());
  });

  it('keeps a referrer while its subject stays, and lets it go with its subject', () => {
    const subject = image(d('s'));
    const signature = image(d('sig'), { subject: d('s') });
    const sigOfSig = image(d('sig2'), { subject: d('sig') });
    const tagged = stream('app', { latest: [event(d('s'), 48)] });
    assert.deepEqual(names(planPrune([tagged], [subject, signature, sigOfSig], opts())), []);
    assert.deepEqual(names(planPrune([], [subject, signature, sigOfSig], opts())), [d('s'), d('sig'), d('sig2')]);
    // An unmanaged subject stays without --all, and so do its referrers.
    assert.deepEqual(names(planPrune([], [image(d('s'), { managed: false }), signature], opts())), []);
    // A referrer of a subject that no longer exists is garbage.
    assert.deepEqual(names(planPrune([], [signature], opts())), [d('sig')]);
  });

  it('counts blobs a staying Image shares as not freed, and each freed blob once', () => {
    const base: [string, number] = [d('base'), 1000];
    const kept = image(d('k'), { layers: [base, [d('lk'), 7]], config: d('ck') });
    const a = image(d('a'), { layers: [base, [d('la'), 100], [d('shared-doomed'), 50]], config: d('ca') });
    const b = image(d('b'), { layers: [base, [d('lb'), 200], [d('shared-doomed'), 50]], config: d('cb') });
    const s = stream('app', { latest: [event(d('k'), 1)] });
    const plan = planPrune([s], [kept, a, b], opts());
    assert.deepEqual(names(plan), [d('a'), d('b')]);
    const blobs = plan.blobs.map((x) => x.digest).sort();
    assert.deepEqual(blobs, [d('a'), d('b'), d('ca'), d('cb'), d('la'), d('lb'), d('shared-doomed')].sort());
    assert.ok(!blobs.includes(d('base')), 'the layer a staying image uses is not freed');
    assert.equal(plan.bytes, 100 + 200 + 50);
    assert.deepEqual(
      plan.images.map((i) => i.size),
      [150, 200],
      'a blob two deleted Images share counts for the first',
    );
  });

  it('carries each planned Image’s resourceVersion, the precondition of its deletion', () => {
    const plan = planPrune([], [image(d('1'), { rv: '42' })], opts());
    assert.deepEqual(plan.images, [{ name: d('1'), size: 0, resourceVersion: '42' }]);
  });

  it('treats entries without a creation time as old', () => {
    const s = stream('app', { latest: [event(d('2'), 48), { ...event(d('1'), 0), created: null }] });
    const plan = planPrune([s], [image(d('1')), image(d('2'))], opts({ keepTagRevisions: 1 }));
    assert.deepEqual(
      plan.trims[0]?.remove.map((e) => e.image),
      [d('1')],
    );
  });
});

describe('imageBlobs and keepDependents', () => {
  it('names the manifest, the config, the layers and a list’s children', () => {
    assert.deepEqual(
      imageBlobs(image(d('m'), { config: d('c'), layers: [[d('l'), 3]] })).map((b) => b.digest),
      [d('m'), d('c'), d('l')],
    );
    assert.deepEqual(imageBlobs(image(d('list'), { children: [d('x')] })), [
      { digest: d('list'), size: 0 },
      { digest: d('x'), size: 100 },
    ]);
  });

  it('takes out of the doomed set what a staying image needs, transitively', () => {
    const imgs = [image(d('top'), { children: [d('mid')] }), image(d('mid'), { children: [d('leaf')] }), image(d('leaf'))];
    const doomed = new Set([d('mid'), d('leaf')]);
    keepDependents(imgs, doomed);
    assert.deepEqual([...doomed], []);
    const all = new Set([d('top'), d('mid'), d('leaf')]);
    keepDependents(imgs, all);
    assert.equal(all.size, 3);
  });
});
