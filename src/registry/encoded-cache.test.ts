import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EncodedObjectCache } from './encoded-cache.js';

describe('EncodedObjectCache', () => {
  it('answers only for the revision and the decoration inputs it was given', () => {
    const cache = new EncodedObjectCache(1024);
    const inputs = { host: 'a' };
    cache.set('/k', 5, inputs, '{"v":5}');
    assert.equal(cache.get('/k', 5, inputs), '{"v":5}');
    assert.equal(cache.get('/k', 6, inputs), undefined, 'another revision');
    assert.equal(cache.get('/k', 5, { host: 'a' }), undefined, 'equal but not the same inputs');
    assert.equal(cache.get('/other', 5, inputs), undefined);
    cache.set('/k', 6, inputs, '{"v":6}');
    assert.equal(cache.get('/k', 5, inputs), undefined, 'a newer revision replaces the older');
    assert.deepEqual(cache.size, { entries: 1, bytes: 14 });
  });

  it('keeps within its byte budget by dropping the least recently used', () => {
    const cache = new EncodedObjectCache(60); // three 10-character texts (20 bytes each)
    for (const k of ['a', 'b', 'c']) cache.set(k, 1, undefined, k.repeat(10));
    assert.ok(cache.get('a', 1, undefined), 'a is now the most recently used');
    cache.set('d', 1, undefined, 'd'.repeat(10));
    assert.equal(cache.get('b', 1, undefined), undefined, 'b was the least recently used');
    assert.ok(cache.get('a', 1, undefined) && cache.get('c', 1, undefined) && cache.get('d', 1, undefined));
    assert.ok(cache.size.bytes <= 60);
    cache.set('huge', 1, undefined, 'x'.repeat(100));
    assert.equal(cache.get('huge', 1, undefined), undefined, 'a text larger than the budget is not kept');
    assert.equal(cache.size.entries, 3, 'and evicts nothing');
  });
});
