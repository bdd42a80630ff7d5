import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from './resource-store.js';
import { iterateWatch, pumpWatch, type WatchSink } from './watch-sink.js';

const added = (n: number): WatchEvent<number> => ({ type: 'ADDED', object: n, revision: n });

describe('iterateWatch', () => {
  it('yields a producer’s events in order, makes one that can wait wait, and stops it when the loop is left', async () => {
    let stopped = false;
    let waited = 0;
    const events = iterateWatch<number>(async (sink, signal) => {
      for (let n = 1; !signal.aborted; n++) {
        sink.event(added(n));
        if (sink.saturated) {
          waited++;
          await sink.drained();
        }
      }
      stopped = true;
    }, new AbortController().signal);
    const seen: number[] = [];
    for await (const ev of events) {
      if (ev.type !== 'BOOKMARK') seen.push(ev.object);
      if (seen.length === 200) break;
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      seen,
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.ok(waited > 0, 'the producer waited for the consumer');
    assert.equal(stopped, true);
  });

  it('hands a producer an aborted signal, and ends at once, when the caller’s signal was aborted before it began', async () => {
    const abort = new AbortController();
    abort.abort();
    let producerSaw: boolean | undefined;
    const seen: WatchEvent<number>[] = [];
    for await (const ev of iterateWatch<number>(async (_sink, signal) => {
      producerSaw = signal.aborted;
    }, abort.signal))
      seen.push(ev);
    assert.equal(producerSaw, true);
    assert.deepEqual(seen, []);
  });

  it('throws what the producer failed with, after the events before it', async () => {
    const boom = new Error('storage went away');
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of iterateWatch<number>(async (sink) => {
          sink.event(added(1));
          throw boom;
        }, new AbortController().signal))
          if (ev.type !== 'BOOKMARK') seen.push(ev.object);
      })(),
      boom,
    );
    assert.deepEqual(seen, [1]);
  });

  it('tells a live producer the consumer is overwhelmed once it is that far behind', async () => {
    let overwhelmedAt = 0;
    const abort = new AbortController();
    const events = iterateWatch<number>(async (sink) => {
      for (let n = 1; n <= 20_000; n++) {
        sink.event(added(n));
        if (sink.overwhelmed) {
          overwhelmedAt = n;
          return;
        }
      }
    }, abort.signal);
    const first = await events.next();
    assert.equal(first.done, false);
    assert.ok(overwhelmedAt > 1 && overwhelmedAt < 20_000, `overwhelmed after ${overwhelmedAt} unread events`);
    abort.abort();
  });
});

describe('pumpWatch', () => {
  it('feeds an iterated watch into a sink, waiting while it is saturated', async () => {
    const got: number[] = [];
    let saturated = false;
    let release: (() => void) | undefined;
    const sink: WatchSink<number> = {
      event: (ev) => {
        if (ev.type !== 'BOOKMARK') got.push(ev.object);
        saturated = got.length === 2;
      },
      get saturated() {
        return saturated;
      },
      overwhelmed: false,
      drained: () =>
        new Promise((r) => {
          release = () => {
            saturated = false;
            r();
          };
        }),
    };
    async function* three() {
      for (let n = 1; n <= 3; n++) yield added(n);
    }
    const done = pumpWatch(three(), sink);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [1, 2], 'the third waits for the sink to drain');
    release?.();
    await done;
    assert.deepEqual(got, [1, 2, 3]);
  });
});
