import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateSignature } from './image-validation.js';

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
