import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from './keyed-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedQueue', () => {
  it('runs work on one key one at a time in order, other keys alongside, failures not blocking', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const job =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([q.run('a', job('a1', true)), q.run('a', job('a2')), q.run('b', job('b1'))]);
    const at = (e: string) => log.indexOf(e);
    assert.ok(at('start a2') > at('end a1'), `a2 waits for a1: ${log.join(', ')}`);
    assert.ok(at('start b1') < at('end a1'), `b1 runs alongside a1: ${log.join(', ')}`);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'fulfilled'],
    );
    await tick();
    assert.equal(q.busyKeys, 0, 'idle keys are forgotten');
  });
});
