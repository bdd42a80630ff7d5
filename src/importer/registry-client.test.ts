import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifest, sha, signed } from '../apis/image/schema1-fixtures.js';
import { RegistryError, schema1Digest } from './registry-client.js';

describe('the registry client refuses what it cannot name (schema1Digest)', () => {
  it('names a signed manifest by its payload, an unsigned one by its bytes', () => {
    const s = signed(manifest('/real', 'b'));
    assert.equal(schema1Digest(s.body), sha(s.payload));
    const unsigned = JSON.stringify(manifest('/real', 'b'));
    assert.equal(schema1Digest(Buffer.from(unsigned)), sha(unsigned));
  });

  it('throws a content integrity error naming the digest for content outside the payload', () => {
    const s = signed(manifest('/real', 'b'), { between: ',\n   "fsLayers": []' });
    assert.throws(
      () => schema1Digest(s.body),
      (e: unknown) =>
        e instanceof RegistryError && e.kind === 'Internal' && e.message.startsWith(`content integrity error: signed schema 1 manifest ${sha(s.payload)}:`),
    );
  });
});
