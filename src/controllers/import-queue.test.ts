import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImportQueue } from './import-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('the import queue', () => {
  it('wakes every waiting worker: two streams queued while two workers wait run at once', async () => {
    const q = new ImportQueue(2);
    const a = q.take();
    const b = q.take();
    q.add('ns/a', false, ['quay.io']);
    q.add('ns/b', false, ['docker.io']);
    const taken = await Promise.all([a, b]);
    assert.deepEqual(taken.map((t) => t?.key).sort(), ['ns/a', 'ns/b']);
  });

  it('gives one registry at most its share of the workers, and streams of other registries pass it', async () => {
    const q = new ImportQueue(1);
    q.add('ns/slow-1', false, ['slow.example']);
    q.add('ns/slow-2', false, ['slow.example']);
    q.add('ns/fast', false, ['fast.example']);
    const first = await q.take();
    const second = await q.take();
    assert.equal(first?.key, 'ns/slow-1');
    assert.equal(second?.key, 'ns/fast', 'the second slow stream waits for the first');
    let third: string | undefined;
    void q.take().then((t) => (third = t?.key));
    await tick();
    assert.equal(third, undefined);
    q.done(first as NonNullable<typeof first>);
    await tick();
    assert.equal(third, 'ns/slow-2');
  });

  it('holds a stream once, merges reasons, and never hands it to two workers at once', async () => {
    const q = new ImportQueue(4);
    q.add('ns/s', false, ['a.example']);
    q.add('ns/s', true, ['b.example']);
    assert.equal(q.size, 1);
    const item = await q.take();
    assert.deepEqual(item, { key: 'ns/s', force: true, registries: ['a.example', 'b.example'] });
    q.add('ns/s', false, ['a.example']);
    let again: string | undefined;
    void q.take().then((t) => (again = t?.key));
    await tick();
    assert.equal(again, undefined, 'not while it is being worked on');
    q.done(item as NonNullable<typeof item>);
    await tick();
    assert.equal(again, 'ns/s');
  });

  it('ends waiting workers when closed', async () => {
    const q = new ImportQueue(1);
    const waiting = q.take();
    q.close();
    assert.equal(await waiting, undefined);
  });
});
