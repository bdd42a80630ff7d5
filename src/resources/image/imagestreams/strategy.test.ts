import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../api/strategy.js';
import { createImageStreamStrategies, type RegistryConfig } from './strategy.js';
import type { ImageStream, TagReference } from '../../../apis/image/schema.js';
import { createWhitelister } from '../../../apis/image/whitelist.js';

const ctx: RequestContext = { user: { name: 'u', groups: [] }, namespace: 'ns', dryRun: false, warnings: [], now: new Date('2026-01-01T00:00:00Z') };

function setup(cfg: Partial<RegistryConfig> = {}, others: Record<string, ImageStream> = {}) {
  const config: RegistryConfig = { externalRegistryHostnames: [], whitelister: createWhitelister(undefined), ...cfg };
  return createImageStreamStrategies({ registryConfig: () => config, getImageStream: async (ns, name) => others[`${ns}/${name}`] });
}

const tag = (name: string, from?: Partial<NonNullable<TagReference['from']>>, extra: Partial<TagReference> = {}): TagReference => ({
  name,
  ...(from ? { from: { kind: 'DockerImage', ...from } } : {}),
  ...extra,
});

function stream(tags: TagReference[], name = 's'): ImageStream {
  return { metadata: { name, namespace: 'ns' }, spec: { tags } };
}

async function create(s: ReturnType<typeof setup>, obj: ImageStream): Promise<ImageStream> {
  s.main.default?.(obj);
  s.main.prepareForCreate(obj, ctx);
  const errs = await s.main.validate(obj, ctx);
  assert.deepEqual(errs, []);
  return obj;
}

async function update(s: ReturnType<typeof setup>, obj: ImageStream, old: ImageStream) {
  s.main.default?.(obj);
  s.main.prepareForUpdate(obj, old, ctx);
  return { obj, errs: await s.main.validateUpdate(obj, old, ctx) };
}

describe('ImageStream strategy', () => {
  it('starts at generation 1, ignores client status, and turns reference tags into status events', async () => {
    const s = setup();
    const obj = stream([tag('ref', { name: 'quay.io/a/b:1' }, { reference: true }), tag('imp', { name: 'quay.io/a/b:2' })]);
    obj.status = { dockerImageRepository: 'bogus', tags: [{ tag: 'x', items: [] }] };
    await create(s, obj);
    assert.equal(obj.metadata.generation, 1);
    assert.deepEqual(
      obj.spec?.tags?.map((t) => t.generation),
      [1, 1],
    );
    assert.deepEqual(
      obj.status?.tags?.map((t) => t.tag),
      ['ref'],
    );
    assert.equal(obj.status?.tags?.[0]?.items?.[0]?.dockerImageReference, 'quay.io/a/b:1');
    assert.equal(obj.spec?.tags?.[0]?.referencePolicy?.type, 'Source');
  });

  it('bumps the stream generation on spec changes only, and gives the new generation only to changed tags', async () => {
    const s = setup();
    const v1 = await create(s, stream([tag('a', { name: 'quay.io/a:1' }), tag('b', { name: 'quay.io/b:1' })]));
    const labels = structuredClone(v1);
    labels.metadata.labels = { x: 'y' };
    assert.equal((await update(s, labels, v1)).obj.metadata.generation, 1);
    const changed = structuredClone(v1);
    (changed.spec?.tags?.[1] as TagReference).from = { kind: 'DockerImage', name: 'quay.io/b:2' };
    const { obj } = await update(s, changed, v1);
    assert.equal(obj.metadata.generation, 2);
    assert.deepEqual(
      obj.spec?.tags?.map((t) => t.generation),
      [1, 2],
    );
    const retrigger = structuredClone(obj);
    (retrigger.spec?.tags?.[0] as TagReference).generation = 0;
    const again = (await update(s, retrigger, obj)).obj;
    assert.equal(again.metadata.generation, 3);
    assert.deepEqual(
      again.spec?.tags?.map((t) => t.generation),
      [3, 2],
    );
  });

  it('keeps the stored status on a main-resource update', async () => {
    const s = setup();
    const v1 = await create(s, stream([tag('r', { name: 'quay.io/a:1' }, { reference: true })]));
    const next = structuredClone(v1);
    next.status = { dockerImageRepository: '', tags: [] };
    assert.equal((await update(s, next, v1)).obj.status?.tags?.length, 1);
  });

  it('copies a same-stream ImageStreamTag source and follows it when it moves', async () => {
    const s = setup();
    const v1 = await create(s, stream([tag('src', { name: 'quay.io/a:1' }, { reference: true }), tag('follow', { kind: 'ImageStreamTag', name: 'src' })]));
    assert.equal(v1.status?.tags?.find((t) => t.tag === 'follow')?.items?.[0]?.dockerImageReference, 'quay.io/a:1');
    const next = structuredClone(v1);
    (next.spec?.tags?.find((t) => t.name === 'src') as TagReference).from = { kind: 'DockerImage', name: 'quay.io/a:2' };
    const { obj } = await update(s, next, v1);
    assert.equal(obj.status?.tags?.find((t) => t.tag === 'follow')?.items?.[0]?.dockerImageReference, 'quay.io/a:2');
  });

  it('reports a missing source stream as an internal error wrapped at field []', async () => {
    const s = setup();
    const obj = stream([tag('prod', { kind: 'ImageStreamTag', name: 'cart:prod' })], 'cart2');
    s.main.default?.(obj);
    s.main.prepareForCreate(obj, ctx);
    const errs = await s.main.validate(obj, ctx);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, '[]');
    assert.equal(errs[0]?.type, 'InternalError');
    assert.equal(errs[0]?.detail, 'imagestreams "cart2" is invalid: spec.tags[prod].from.name: Not found: "cart:prod"');
  });

  it('rejects bad names, a generateName ending in a separator, and disallowed registries', async () => {
    const s = setup({ whitelister: createWhitelister([{ domainName: 'quay.io' }]) });
    for (const [meta, field] of [
      [{ name: 'Bad' }, 'metadata.name'],
      [{ generateName: 'foo-' }, 'metadata.generateName'],
    ] as const) {
      const obj: ImageStream = { metadata: { ...meta, namespace: 'ns' } };
      s.main.default?.(obj);
      s.main.prepareForCreate(obj, ctx);
      const errs = await s.main.validate(obj, ctx);
      assert.ok(
        errs.some((e) => e.field === field),
        JSON.stringify(errs),
      );
    }
    const denied = stream([tag('x', { name: 'docker.io/library/busybox:1' })]);
    s.main.default?.(denied);
    s.main.prepareForCreate(denied, ctx);
    const errs = await s.main.validate(denied, ctx);
    assert.equal(errs[0]?.field, 'spec.tags[x].from.name');
    assert.equal(errs[0]?.type, 'FieldValueForbidden');
    assert.match(errs[0]?.detail ?? '', /not allowed by whitelist: "quay.io:443"/);
  });

  it('derives the repository fields from the registry config on every read', () => {
    const s = setup({ internalRegistryHostname: 'ir:5000', externalRegistryHostnames: ['pub.example.com'] });
    const obj = stream([]);
    s.main.decorate?.(obj);
    assert.equal(obj.status?.dockerImageRepository, 'ir:5000/ns/s');
    assert.equal(obj.status?.publicDockerImageRepository, 'pub.example.com/ns/s');
  });

  it('sorts spec tags by name and lets the last duplicate win', () => {
    const s = setup();
    const obj = stream([tag('b', { name: 'q/b:1' }), tag('a', { name: 'q/a:1' }), tag('b', { name: 'q/b:2' })]);
    s.main.default?.(obj);
    assert.deepEqual(
      obj.spec?.tags?.map((t) => `${t.name}=${t.from?.name}`),
      ['a=q/a:1', 'b=q/b:2'],
    );
  });
});
