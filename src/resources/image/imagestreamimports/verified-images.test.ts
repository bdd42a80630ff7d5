import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../api/strategy.js';
import { EncodedObjectCache } from '../../../apiserver/generic/encoded-cache.js';
import { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { imagesInfo } from '../images/definition.js';
import { MemoryStore } from '../../../storage/memory/memory-store.js';
import { LAYERS_ORDER_ANNOTATION } from '../../../apis/image/annotations.js';
import { createImageStrategy } from '../images/strategy.js';
import { MEDIA } from '../../../apis/image/manifest.js';
import type { Image } from '../../../apis/image/schema.js';
import { sameImageContent, storeVerifiedImage, toStore, withVerifiedContent } from './verified-images.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const CONFIG = `sha256:${'c'.repeat(64)}`;
const layer = (c: string, size: number) => ({ name: `sha256:${c.repeat(64)}`, size, mediaType: MEDIA.dockerLayer });

/** An Image as the importer makes it (manifest and config blobs included). */
const verified = (): Image => ({
  metadata: { name: DIGEST, annotations: { [LAYERS_ORDER_ANNOTATION]: 'ascending' } },
  dockerImageReference: `registry.example.com/team/app@${DIGEST}`,
  dockerImageManifest: '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}',
  dockerImageManifestMediaType: MEDIA.dockerV2,
  dockerImageMetadata: {
    kind: 'DockerImage',
    apiVersion: 'image.openshift.io/1.0',
    Id: CONFIG,
    Created: '2024-01-01T00:00:00Z',
    Config: { Cmd: ['/real'], Env: ['A=1'], Labels: undefined },
    Architecture: 'amd64',
    Size: 123,
  },
  dockerImageMetadataVersion: '1.0',
  dockerImageLayers: [layer('1', 10), layer('2', 20)],
  dockerImageConfig: '{"config":{"Cmd":["/real"]}}',
});

/** What a tenant may write through an ImageStreamMapping under the same name. */
const forged = (): Image => ({
  metadata: { name: DIGEST, labels: { team: 'x' }, annotations: { note: 'mine', [LAYERS_ORDER_ANNOTATION]: 'descending' } },
  dockerImageReference: `evil.example.com/x@${DIGEST}`,
  dockerImageManifest: '{"schemaVersion":2,"forged":true}',
  dockerImageConfig: '{"forged":true}',
  dockerImageManifestMediaType: MEDIA.dockerV2,
  dockerImageMetadata: { kind: 'DockerImage', apiVersion: 'image.openshift.io/1.0', Id: CONFIG, Config: { Cmd: ['/forged'] } },
  dockerImageMetadataVersion: '1.0',
  dockerImageLayers: [layer('6', 66)],
  dockerImageSignatures: ['c2ln'],
  signatures: [{ metadata: { name: `${DIGEST}@sig1` }, type: 'atomic', content: 'c2ln' }],
});

describe('sameImageContent', () => {
  it('is true for a stored copy of the verified Image, whatever the blobs, Created, Size or pull spec', () => {
    const stored: Image = JSON.parse(JSON.stringify(toStore(verified()))) as Image;
    stored.dockerImageReference = `elsewhere.example.com/a/b@${DIGEST}`;
    stored.dockerImageMetadata = { ...(stored.dockerImageMetadata as object), Created: '2030-01-01T00:00:00Z', Size: 1 };
    stored.metadata.annotations = { other: 'x' };
    assert.equal(sameImageContent(stored, verified()), true);
  });

  it('reads absent lists and media types as empty', () => {
    const a: Image = { metadata: { name: DIGEST }, dockerImageMetadata: { Id: DIGEST } };
    const b: Image = {
      metadata: { name: DIGEST },
      dockerImageMetadata: { Id: DIGEST },
      dockerImageLayers: [],
      dockerImageManifests: [],
      dockerImageManifestMediaType: '',
    };
    assert.equal(sameImageContent(a, b), true);
  });

  it('is false when layers, manifest list entries, media type, image ID or config differ', () => {
    const v = verified();
    const changes: ((i: Image) => void)[] = [
      (i) => (i.dockerImageLayers = [layer('6', 66)]),
      (i) => (i.dockerImageLayers = [...(i.dockerImageLayers ?? [])].reverse()),
      (i) => (i.dockerImageLayers = [{ ...layer('1', 10), size: 11 }, layer('2', 20)]),
      (i) => (i.dockerImageLayers = []),
      (i) => (i.dockerImageManifests = [{ digest: DIGEST, mediaType: MEDIA.dockerV2, manifestSize: 1, architecture: 'amd64', os: 'linux' }]),
      (i) => (i.dockerImageManifestMediaType = MEDIA.ociManifest),
      (i) => (i.dockerImageMetadata = { ...(i.dockerImageMetadata as object), Id: `sha256:${'e'.repeat(64)}` }),
      (i) => (i.dockerImageMetadata = { ...(i.dockerImageMetadata as object), Config: { Cmd: ['/forged'], Env: ['A=1'] } }),
      (i) => delete i.dockerImageMetadata,
    ];
    for (const change of changes) {
      const stored = toStore(verified());
      change(stored);
      assert.equal(sameImageContent(stored, v), false, JSON.stringify(stored));
    }
  });

  it('compares list Images by their entries, not by when they were imported', () => {
    const entry = { digest: DIGEST, mediaType: MEDIA.dockerV2, manifestSize: 100, architecture: 'amd64', os: 'linux' };
    const list = (created: string, entries = [entry]): Image => ({
      metadata: { name: `sha256:${'f'.repeat(64)}` },
      dockerImageManifestMediaType: MEDIA.ociIndex,
      dockerImageMetadata: { Id: `sha256:${'f'.repeat(64)}`, Created: created },
      dockerImageLayers: [],
      dockerImageManifests: entries,
    });
    assert.equal(sameImageContent(list('2024-01-01T00:00:00Z'), list('2025-01-01T00:00:00Z')), true);
    assert.equal(sameImageContent(list('2024-01-01T00:00:00Z', [{ ...entry, architecture: 'arm64' }]), list('2024-01-01T00:00:00Z')), false);
  });
});

describe('withVerifiedContent', () => {
  it('takes the verified content and keeps the object metadata and signatures', () => {
    const current: Image = { ...forged(), metadata: { ...forged().metadata, uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' } };
    const next = withVerifiedContent(current, verified());
    const v = toStore(verified());
    assert.deepEqual(next.dockerImageLayers, v.dockerImageLayers);
    assert.deepEqual(next.dockerImageMetadata, v.dockerImageMetadata);
    assert.equal(next.dockerImageManifestMediaType, v.dockerImageManifestMediaType);
    assert.equal(next.dockerImageReference, v.dockerImageReference);
    assert.equal(next.dockerImageManifests, undefined);
    // Blobs that are not the verified ones go.
    assert.equal(next.dockerImageManifest, undefined);
    assert.equal(next.dockerImageConfig, undefined);
    // Object metadata and signatures stay; the layer order is the verified layers'.
    assert.deepEqual(next.metadata, { ...current.metadata, annotations: { note: 'mine', [LAYERS_ORDER_ANNOTATION]: 'ascending' } });
    assert.deepEqual(next.signatures, current.signatures);
    assert.deepEqual(next.dockerImageSignatures, current.dockerImageSignatures);
    // Pure.
    assert.deepEqual(current.dockerImageLayers, forged().dockerImageLayers);
  });

  it('keeps stored blobs that are the verified bytes', () => {
    const current: Image = { ...forged(), dockerImageManifest: verified().dockerImageManifest ?? '', dockerImageConfig: verified().dockerImageConfig ?? '' };
    const next = withVerifiedContent(current, verified());
    assert.equal(next.dockerImageManifest, verified().dockerImageManifest);
    assert.equal(next.dockerImageConfig, verified().dockerImageConfig);
  });
});

function setup() {
  const store = new MemoryStore();
  const images = new ResourceStore<Image>({ info: imagesInfo, strategy: createImageStrategy(), store, encodedCache: new EncodedObjectCache(2 ** 20) });
  const ctx: RequestContext = { user: { name: 'u', groups: [] }, dryRun: false, warnings: [], now: new Date('2026-01-02T03:04:05Z') };
  return { images, ctx };
}

describe('storeVerifiedImage', () => {
  it('creates a missing Image without its blobs or signatures, then reuses it without writing', async () => {
    const { images, ctx } = setup();
    assert.equal(await storeVerifiedImage(images, ctx, verified(), { dryRun: false }), 'created');
    const stored = await images.get(ctx, DIGEST);
    assert.equal(stored.dockerImageManifest, undefined);
    assert.equal(stored.dockerImageConfig, undefined);
    assert.deepEqual(stored.dockerImageLayers, verified().dockerImageLayers);
    assert.equal(await storeVerifiedImage(images, ctx, verified(), { dryRun: false }), 'reused');
    assert.equal((await images.get(ctx, DIGEST)).metadata.resourceVersion, stored.metadata.resourceVersion);
    assert.deepEqual(ctx.warnings, []);
  });

  it('replaces forged content stored under the digest, keeping the object, its labels, annotations and signatures', async () => {
    const { images, ctx } = setup();
    await images.create(ctx, forged(), { dryRun: false });
    const before = await images.get(ctx, DIGEST); // also fills the encoded cache
    await images.getJson(ctx, DIGEST);
    assert.deepEqual(before.dockerImageLayers, forged().dockerImageLayers);
    assert.equal(await storeVerifiedImage(images, ctx, verified(), { dryRun: false }), 'replaced');
    const after = await images.get(ctx, DIGEST);
    assert.deepEqual(after.dockerImageLayers, verified().dockerImageLayers);
    assert.deepEqual((after.dockerImageMetadata as { Config?: unknown }).Config, { Cmd: ['/real'], Env: ['A=1'] });
    assert.equal(after.dockerImageReference, verified().dockerImageReference);
    assert.equal(after.dockerImageManifest, undefined);
    assert.equal(after.dockerImageConfig, undefined);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp);
    assert.deepEqual(after.metadata.labels, { team: 'x' });
    assert.deepEqual(after.metadata.annotations, { note: 'mine', [LAYERS_ORDER_ANNOTATION]: 'ascending' });
    assert.deepEqual(after.signatures, before.signatures);
    assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
    const json = JSON.parse((await images.getJson(ctx, DIGEST)).toString()) as Image;
    assert.deepEqual(json.dockerImageLayers, verified().dockerImageLayers);
    // Once replaced, the next import reuses it.
    assert.equal(await storeVerifiedImage(images, ctx, verified(), { dryRun: false }), 'reused');
    assert.equal((await images.get(ctx, DIGEST)).metadata.resourceVersion, after.metadata.resourceVersion);
    assert.deepEqual(ctx.warnings, []);
  });

  it('writes nothing on a dry run', async () => {
    const { images, ctx } = setup();
    await images.create(ctx, forged(), { dryRun: false });
    const before = await images.get(ctx, DIGEST);
    assert.equal(await storeVerifiedImage(images, { ...ctx, dryRun: true }, verified(), { dryRun: true }), 'replaced');
    assert.deepEqual(await images.get(ctx, DIGEST), before);
  });

  it('the Image API itself still keeps derived content immutable', async () => {
    const { images, ctx } = setup();
    await images.create(ctx, forged(), { dryRun: false });
    const current = await images.get(ctx, DIGEST);
    const { object } = await images.update(ctx, DIGEST, { ...current, dockerImageLayers: verified().dockerImageLayers ?? [] }, { dryRun: false });
    assert.deepEqual(object.dockerImageLayers, forged().dockerImageLayers);
  });
});
