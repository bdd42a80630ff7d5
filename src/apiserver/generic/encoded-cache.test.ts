import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EncodedObjectCache } from './encoded-cache.js';

/** A maker that records how often it was called. */
function counting<T>(value: () => T): { make: () => T; calls: () => number } {
  let n = 0;
  return {
    make: () => {
      n++;
      return value();
    },
    calls: () => n,
  };
}

describe('EncodedObjectCache', () => {
  it('reuses a JSON text only for the revision and the decoration inputs it was made with', () => {
    const cache = new EncodedObjectCache(1024);
    const inputs = { host: 'a' };
    const v5 = counting(() => '{"v":5}');
    assert.equal(cache.json('/k', 5, inputs, 7, v5.make).toString(), '{"v":5}');
    assert.equal(cache.json('/k', 5, inputs, 7, v5.make).toString(), '{"v":5}');
    assert.equal(v5.calls(), 1, 'the second read reused the first');
    cache.json('/k', 6, inputs, 7, v5.make);
    cache.json('/k', 6, { host: 'a' }, 7, v5.make);
    assert.equal(v5.calls(), 3, 'another revision and equal but other inputs are made again');
    assert.deepEqual(cache.size, { entries: 1, bytes: 7 }, 'a newer entry replaces the older one for its key');
  });

  it('shares one frozen object per revision, charged with the text to the same entry', () => {
    const cache = new EncodedObjectCache(1 << 20);
    const made = counting(() => ({ metadata: { name: 'a', labels: { x: '1' } }, spec: { tags: [{ name: 't' }] } }));
    const one = cache.object('/k', 1, undefined, 60, made.make);
    const two = cache.object('/k', 1, undefined, 60, made.make);
    assert.equal(one, two);
    assert.equal(made.calls(), 1);
    assert.ok(Object.isFrozen(one) && Object.isFrozen(one.metadata.labels) && Object.isFrozen(one.spec.tags[0]), 'frozen all the way down');
    assert.throws(() => {
      (one.metadata.labels as Record<string, string>)['x'] = '2';
    }, TypeError);
    cache.json('/k', 1, undefined, 60, () => '{}');
    assert.equal(cache.size.entries, 1);
    assert.ok(cache.size.bytes > 360, 'the entry holds both forms');
  });

  it('keeps within its byte budget by dropping the least recently used', () => {
    const cache = new EncodedObjectCache(30); // three 10-byte texts
    for (const k of ['a', 'b', 'c']) cache.json(k, 1, undefined, 10, () => k.repeat(10));
    cache.json('a', 1, undefined, 10, () => 'stale'); // a read: a becomes the most recently used
    cache.json('d', 1, undefined, 10, () => 'd'.repeat(10));
    const again = counting(() => 'b'.repeat(10));
    cache.json('b', 1, undefined, 10, again.make);
    assert.equal(again.calls(), 1, 'b, the least recently used, had been dropped');
    assert.ok(cache.size.bytes <= 30);
    const huge = counting(() => 'x'.repeat(100));
    cache.json('huge', 1, undefined, 100, huge.make);
    cache.json('huge', 1, undefined, 100, huge.make);
    assert.equal(huge.calls(), 2, 'a text larger than the budget is not kept');
  });
});
