import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../api/strategy.js';
import { createImageStrategy } from './strategy.js';
import { MEDIA, sha256Digest } from '../../../apis/image/manifest.js';
import type { Image } from '../../../apis/image/schema.js';
import * as schema1 from '../../../apis/image/schema1-fixtures.js';

const ctx: RequestContext = { user: { name: 'u', groups: [] }, dryRun: false, warnings: [], now: new Date('2026-01-01T00:00:00Z') };
const strategy = createImageStrategy();

const config = JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2025-01-01T00:00:00Z', config: { Cmd: ['/app'], Env: ['FOO=bar'] } });
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: MEDIA.ociManifest,
  config: { mediaType: MEDIA.ociConfig, digest: sha256Digest(config), size: config.length },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 100 },
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'2'.repeat(64)}`, size: 50 },
  ],
});
const digest = sha256Digest(manifest);

function image(extra: Partial<Image> = {}): Image {
  return { metadata: { name: digest }, dockerImageReference: `quay.io/a/b@${digest}`, dockerImageManifest: manifest, dockerImageConfig: config, ...extra };
}

describe('Image strategy', () => {
  it('derives layers, metadata and size from an OCI manifest and its config', async () => {
    const img = image();
    strategy.prepareForCreate(img, ctx);
    assert.deepEqual(await strategy.validate(img, ctx), []);
    assert.deepEqual(
      img.dockerImageLayers?.map((l) => l.size),
      [100, 50],
    );
    assert.equal(img.dockerImageManifestMediaType, MEDIA.ociManifest);
    const meta = img.dockerImageMetadata as Record<string, unknown>;
    assert.equal(meta['Id'], sha256Digest(config));
    assert.equal(meta['Size'], config.length + 150);
    assert.deepEqual((meta['Config'] as Record<string, unknown>)['Cmd'], ['/app']);
    assert.equal(img.metadata.annotations?.['image.openshift.io/dockerLayersOrder'], 'ascending');
  });

  it('expands a manifest list into dockerImageManifests', () => {
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [{ mediaType: MEDIA.ociManifest, digest, size: manifest.length, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }],
    });
    const img: Image = { metadata: { name: sha256Digest(list) }, dockerImageReference: 'quay.io/a/b', dockerImageManifest: list };
    strategy.prepareForCreate(img, ctx);
    assert.deepEqual(img.dockerImageManifests, [
      { digest, mediaType: MEDIA.ociManifest, manifestSize: manifest.length, architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
    assert.equal((img.dockerImageMetadata as Record<string, unknown>)['Id'], img.metadata.name);
  });

  it('keeps derived metadata immutable and refuses a manifest that does not match the name', async () => {
    const old = image();
    strategy.prepareForCreate(old, ctx);
    const next: Image = { ...structuredClone(old), dockerImageMetadata: { Id: 'forged' }, dockerImageManifest: '{"schemaVersion":2}' };
    next.metadata.labels = { ok: 'yes' };
    strategy.prepareForUpdate(next, old, ctx);
    assert.deepEqual(next.dockerImageMetadata, old.dockerImageMetadata);
    assert.equal(next.dockerImageManifest, old.dockerImageManifest);
    assert.deepEqual(next.metadata.labels, { ok: 'yes' });
    assert.deepEqual(await strategy.validateUpdate(next, old, ctx), []);
  });

  it('requires a parseable dockerImageReference and strips manifests when the blob is stored', async () => {
    const bad = image({ dockerImageReference: 'Not A Ref' });
    strategy.prepareForCreate(bad, ctx);
    const errs = await strategy.validate(bad, ctx);
    assert.equal(errs[0]?.field, 'dockerImageReference');
    const stored = image();
    stored.metadata.annotations = { 'image.openshift.io/manifestBlobStored': 'true' };
    strategy.prepareForCreate(stored, ctx);
    assert.equal(stored.dockerImageManifest, undefined);
    assert.equal(stored.dockerImageConfig, undefined);
    assert.equal(stored.dockerImageLayers?.length, 2);
  });
});

describe('Image updates and schema 1 manifests', () => {
  it('so an Image update keeps its manifest rather than take a forged one named after it', () => {
    const real = schema1.signed(schema1.manifest('/real', 'b'));
    const forged = schema1.signed(schema1.manifest('/real', 'b'), { between: ',\n   "history": []' });
    const strategy = createImageStrategy();
    const ctx = { user: { name: 'u', groups: [] }, dryRun: false, warnings: [], now: new Date('2026-01-01T00:00:00Z') } as unknown as RequestContext;
    const old: Image = {
      metadata: { name: schema1.sha(real.payload), resourceVersion: '1' },
      dockerImageReference: `example.com/old/app@${schema1.sha(real.payload)}`,
      dockerImageManifestMediaType: MEDIA.dockerV1,
    };
    const withForged: Image = { ...structuredClone(old), dockerImageManifest: forged.body.toString() };
    strategy.prepareForUpdate(withForged, old, ctx);
    assert.equal(withForged.dockerImageManifest, undefined);
    const withReal: Image = { ...structuredClone(old), dockerImageManifest: real.body.toString() };
    strategy.prepareForUpdate(withReal, old, ctx);
    assert.equal(withReal.dockerImageManifest, real.body.toString());
  });
});
