import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../api/errors.js';
import { decodeContinue, encodeContinue } from './continue-token.js';

describe('continue tokens', () => {
  it('round-trips the revision and the start key in kube-apiserver format', () => {
    const t = encodeContinue({ rv: 42, start: 'ns/name' });
    assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'ns/name' });
    assert.deepEqual(decodeContinue(t), { rv: 42, start: 'ns/name' });
  });
  it('answers 400 for tokens that are not ours, malformed, or try to escape the prefix', () => {
    const bad = [
      'not base64 json',
      Buffer.from(JSON.stringify({ v: 'other', rv: 1, start: 'a' })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 3, start: '../secrets/x' })).toString('base64url'),
    ];
    for (const t of bad)
      assert.throws(
        () => decodeContinue(t),
        (e) => isApiError(e, 'BadRequest'),
        t,
      );
  });
});
