import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateImage, validateSignature } from './image-validation.js';
import { fieldErrorMessage } from '../../api/errors.js';

const base = { metadata: { name: 'sha256:abc@sig' }, type: 'atomic', content: 'YWJj' };

describe('image signature validation', () => {
  const cases: { name: string; sig: Record<string, unknown>; fields: string[] }[] = [
    { name: 'accepts a minimal signature', sig: base, fields: [] },
    { name: 'needs <imageName>@<signatureName>', sig: { ...base, metadata: { name: 'nosig' } }, fields: ['.metadata.name'] },
    {
      name: 'forbids labels and annotations',
      sig: { ...base, metadata: { ...base.metadata, labels: { a: 'b' }, annotations: { a: 'b' } } },
      fields: ['.metadata.labels', '.metadata.annotations'],
    },
    { name: 'needs type and content', sig: { metadata: base.metadata }, fields: ['.type', '.content'] },
    { name: 'needs ForImage next to Trusted', sig: { ...base, conditions: [{ type: 'Trusted', status: 'True' }] }, fields: ['.conditions'] },
    {
      name: 'keeps identity fields unset for an unknown state',
      sig: { ...base, imageIdentity: 'x', issuedBy: { commonName: 'c' } },
      fields: ['.imageIdentity', '.issuedBy'],
    },
    {
      name: 'allows identity fields for a trusted signature',
      sig: {
        ...base,
        imageIdentity: 'x',
        conditions: [
          { type: 'Trusted', status: 'True' },
          { type: 'ForImage', status: 'True' },
        ],
      },
      fields: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () =>
      assert.deepEqual(
        validateSignature(c.sig as Parameters<typeof validateSignature>[0], '').map((e) => e.field),
        c.fields,
      ),
    );
  }
});

describe('manifest list entries', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const image = (entry: Record<string, unknown>) =>
    ({
      metadata: { name: digest },
      dockerImageReference: `example.com/a/b@${digest}`,
      dockerImageManifests: [{ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifestSize: 1, ...entry }],
    }) as Parameters<typeof validateImage>[0];

  it('accepts an entry with a platform, and one without (an artifact, a nested index)', () => {
    assert.deepEqual(validateImage(image({ architecture: 'amd64', os: 'linux' })), []);
    assert.deepEqual(validateImage(image({ architecture: '', os: '' })), []);
  });

  it('refuses half a platform, saying what it accepts', () => {
    const errs = validateImage(image({ architecture: '', os: 'linux' }));
    assert.deepEqual(
      errs.map((e) => fieldErrorMessage(e)),
      ['dockerImageManifests[0].architecture: Required value: architecture and os are set together, or both left empty for an entry without a platform'],
    );
    assert.deepEqual(
      validateImage(image({ architecture: 'arm64', os: '' })).map((e) => e.field),
      ['dockerImageManifests[0].os'],
    );
  });
});
