import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveMetadata, MEDIA, normalizeCreated, parseManifest } from './manifest.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const image = (extra: Record<string, unknown> = {}, configType: string = MEDIA.ociConfig) =>
  JSON.stringify({ schemaVersion: 2, config: { mediaType: configType, digest: d('c'), size: 7 }, layers: [{ digest: d('1'), size: 10 }], ...extra });
const index = (extra: Record<string, unknown> = {}) => JSON.stringify({ schemaVersion: 2, manifests: [{ digest: d('a'), size: 1 }], ...extra });

describe('the media type of a manifest', () => {
  it('is the one the document names', () => {
    assert.equal(parseManifest(image({ mediaType: MEDIA.dockerV2 }), MEDIA.ociManifest)?.mediaType, MEDIA.dockerV2);
  });

  it('comes from the Content-Type when the document names none and the type fits its shape', () => {
    assert.equal(parseManifest(image(), `${MEDIA.ociManifest}; charset=utf-8`)?.mediaType, MEDIA.ociManifest);
    assert.equal(parseManifest(index(), MEDIA.dockerList)?.mediaType, MEDIA.dockerList);
    // A Helm chart's config is not an image config: without a Content-Type it is still an OCI manifest.
    assert.equal(parseManifest(image({}, 'application/vnd.cncf.helm.config.v1+json'))?.mediaType, MEDIA.ociManifest);
  });

  it('ignores a Content-Type of another shape or no manifest type, and falls back on the shape', () => {
    assert.equal(parseManifest(image(), MEDIA.ociIndex)?.mediaType, MEDIA.ociManifest);
    assert.equal(parseManifest(index(), MEDIA.ociManifest)?.mediaType, MEDIA.ociIndex);
    assert.equal(parseManifest(image(), 'application/json')?.mediaType, MEDIA.ociManifest);
    assert.equal(parseManifest(image({}, MEDIA.dockerConfig), 'application/octet-stream')?.mediaType, MEDIA.dockerV2);
  });

  it('refuses a document that names a known type of another shape', () => {
    assert.equal(parseManifest(image({ mediaType: MEDIA.ociIndex })), undefined);
    assert.equal(parseManifest(index({ mediaType: MEDIA.dockerV2 })), undefined);
  });
});

describe('artifacts', () => {
  it('are told by artifactType, or by a config that is not an image config', () => {
    const p = parseManifest(image({ artifactType: 'application/vnd.example.sbom' }, 'application/vnd.oci.empty.v1+json'));
    assert.equal(p?.kind === 'schema2' && p.artifactType, 'application/vnd.example.sbom');
    const chart = parseManifest(image({}, 'application/vnd.cncf.helm.config.v1+json'));
    assert.equal(chart?.kind === 'schema2' && chart.artifactType, 'application/vnd.cncf.helm.config.v1+json');
    const img = parseManifest(image());
    assert.equal(img?.kind === 'schema2' && img.artifactType, undefined);
  });

  it('derive metadata without their config: its digest and size, the layers, the created annotation', () => {
    const m = image({ annotations: { 'org.opencontainers.image.created': '2024-05-06T07:08:09.5+01:00' } }, 'application/vnd.cncf.helm.config.v1+json');
    const derived = deriveMetadata(d('f'), m, undefined, '2025-01-01T00:00:00Z');
    assert.ok(!('error' in derived));
    assert.equal(derived.metadata['Id'], d('c'));
    assert.equal(derived.metadata['Size'], 17);
    assert.equal(derived.metadata['Created'], '2024-05-06T06:08:09Z');
    assert.equal(derived.metadata['Config'], undefined);
  });

  it('keep the annotations and artifactType of list entries', () => {
    const p = parseManifest(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ digest: d('a'), size: 1, artifactType: 'x/y', annotations: { 'vnd.docker.reference.type': 'attestation-manifest', n: 5 } }],
      }),
    );
    assert.deepEqual(p?.kind === 'list' && p.manifests[0], {
      digest: d('a'),
      size: 1,
      artifactType: 'x/y',
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  });
});

describe('Created', () => {
  it('is stored in UTC, in whole seconds (cut, not rounded)', () => {
    assert.equal(normalizeCreated('2024-03-05T10:11:12.987654321+02:00'), '2024-03-05T08:11:12Z');
    assert.equal(normalizeCreated('2024-03-05T23:30:00-01:00'), '2024-03-06T00:30:00Z');
    assert.equal(normalizeCreated('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00Z');
  });

  it('is null for the zero time, a missing time and what is not an RFC 3339 time', () => {
    assert.equal(normalizeCreated('0001-01-01T00:00:00Z'), null);
    assert.equal(normalizeCreated(undefined), null);
    for (const bad of ['yesterday', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T24:00:00Z', 5])
      assert.equal(normalizeCreated(bad), null, String(bad));
  });

  it('is normalised in the metadata derived from a config', () => {
    const derived = deriveMetadata(d('f'), image(), JSON.stringify({ created: '0001-01-01T00:00:00Z', architecture: 'amd64' }), 'now');
    assert.ok(!('error' in derived));
    assert.equal(derived.metadata['Created'], null);
    assert.ok('Created' in derived.metadata);
  });
});
