import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Descriptor } from '../apis/image/manifest.js';
import { passedOver, rankEntries } from './platform.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
let n = 0;
const entry = (platform?: Descriptor['platform'], extra: Partial<Descriptor> = {}) => ({
  descriptor: { mediaType: OCI, digest: `sha256:${String(++n).padStart(64, '0')}`, size: 1, ...(platform ? { platform } : {}), ...extra },
  list: 'sha256:list',
});
const linux = (architecture: string, variant?: string) => entry({ os: 'linux', architecture, ...(variant ? { variant } : {}) });
const order = (r: ReturnType<typeof rankEntries>) =>
  r.candidates.map((c) => `${c.descriptor.platform?.os ?? '-'}/${c.descriptor.platform?.architecture ?? '-'}`);

describe('platform ranking under Legacy', () => {
  it('never offers attestations, artifacts or images for another OS', () => {
    const r = rankEntries(
      [
        entry({ os: 'windows', architecture: 'amd64' }),
        entry({ os: 'unknown', architecture: 'unknown' }),
        entry({ os: 'linux', architecture: 'amd64' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
        entry(undefined, { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }),
        entry(undefined, { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }),
        linux('arm64', 'v8'),
      ],
      { os: 'linux', arch: 'amd64' },
    );
    assert.deepEqual(order(r), ['linux/arm64']);
    assert.equal(r.candidates[0]?.fallback, true);
    assert.equal(passedOver(r), 'images for windows/amd64, 2 attestation manifests, 2 artifacts');
  });

  it('offers the preferred architecture, then amd64, then the others, then entries without a platform', () => {
    const r = rankEntries([entry(), linux('s390x'), linux('amd64'), linux('arm64')], { os: 'linux', arch: 'arm64' });
    assert.deepEqual(order(r), ['linux/arm64', 'linux/amd64', 'linux/s390x', '-/-']);
    assert.deepEqual(
      r.candidates.map((c) => [c.fallback, c.platformless]),
      [
        [false, false],
        [true, false],
        [true, false],
        [false, true],
      ],
    );
  });

  it('honours a preferred OS', () => {
    const r = rankEntries([linux('amd64'), entry({ os: 'windows', architecture: 'amd64' })], { os: 'windows', arch: 'amd64' });
    assert.deepEqual(order(r), ['windows/amd64']);
  });

  it('says what it passed over when nothing is left', () => {
    const r = rankEntries([entry(undefined, { artifactType: 'a/b' })], { os: 'linux', arch: 'amd64' });
    assert.deepEqual(r.candidates, []);
    assert.equal(passedOver(r), 'an artifact');
    assert.equal(passedOver({ attestations: 0, artifacts: 0, otherPlatforms: [] }), 'no entries');
  });
});
