import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequestBudget } from './request-budget.js';

describe('per-registry request budget', () => {
  it('lets a burst through, then spaces requests to the rate, per registry', async () => {
    const waits: string[] = [];
    const budget = createRequestBudget({ perSecond: 20, burst: 2, onWait: (r) => waits.push(r) });
    const results = await Promise.all([1, 2, 3, 4].map(() => budget.take('a')));
    assert.deepEqual(results.slice(0, 2), [0, 0]);
    assert.ok((results[2] ?? 0) > 0 && (results[3] ?? 0) > 0);
    assert.deepEqual(waits, ['a', 'a']);
    assert.equal(await budget.take('b'), 0);
  });
});
