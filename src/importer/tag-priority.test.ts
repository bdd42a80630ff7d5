import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prioritizeTags } from './tag-priority.js';

describe('prioritizeTags', () => {
  it('orders as the reference example: latest, minors, full versions, then the rest', () => {
    assert.deepEqual(prioritizeTags(['v1', 'other', 'v2', '3', '3.1', 'abc']).slice(0, 5), ['3.1', '3', 'abc', 'other', 'v1']);
    assert.deepEqual(prioritizeTags(['1.0.0', 'latest', '1.2', '2.0.1', 'v1.3', 'x']), ['latest', 'v1.3', '1.2', '2.0.1', '1.0.0', 'x']);
  });
});
