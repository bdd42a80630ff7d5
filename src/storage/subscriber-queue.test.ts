import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sink } from '../util/sink.js';
import { StorageError, type StorageEvent } from './store.js';
import { WatchHub } from './sqlite/watch-hub.js';

const put = (key: string, rev: number): StorageEvent => ({ type: 'put', kv: { key, value: '{}', createRevision: rev, modRevision: rev } });

function recorder(): Sink<StorageEvent> & { seen: string[]; ended?: { error: unknown } } {
  const r: Sink<StorageEvent> & { seen: string[]; ended?: { error: unknown } } = {
    seen: [],
    push: (ev) => r.seen.push(`${ev.kv.key}@${ev.kv.modRevision}`),
    end: (error) => {
      assert.equal(r.ended, undefined, 'a sink is ended at most once');
      r.ended = { error };
    },
  };
  return r;
}

describe('pushed subscriptions (WatchHub)', () => {
  it('hands queued events first, then each published one in the publisher’s own call', () => {
    const hub = new WatchHub(100);
    const abort = new AbortController();
    const sub = hub.subscribe('/a/', abort.signal);
    hub.publish(put('/a/1', 1));
    hub.publish(put('/b/1', 2));
    const sink = recorder();
    sub.pushTo(sink);
    assert.deepEqual(sink.seen, ['/a/1@1']);
    hub.publish(put('/a/2', 3));
    assert.deepEqual(sink.seen, ['/a/1@1', '/a/2@3'], 'no await between publish and delivery');
    abort.abort();
    assert.deepEqual(sink.ended, { error: undefined });
    assert.equal(hub.size, 0, 'an aborted subscription leaves the hub');
    hub.publish(put('/a/3', 4));
    assert.equal(sink.seen.length, 2);
  });

  it('ends a sink that throws with its error and keeps serving the others', () => {
    const hub = new WatchHub(100);
    const signal = new AbortController().signal;
    const failing = recorder();
    const boom = new Error('encode failed');
    failing.push = () => {
      throw boom;
    };
    const healthy = recorder();
    hub.subscribe('/a/', signal).pushTo(failing);
    hub.subscribe('/a/', signal).pushTo(healthy);
    hub.publish(put('/a/1', 1));
    hub.publish(put('/a/2', 2));
    assert.deepEqual(failing.ended, { error: boom });
    assert.deepEqual(healthy.seen, ['/a/1@1', '/a/2@2']);
    assert.equal(hub.size, 1);
  });

  it('tells a queued subscriber that fell behind, once it switches to push, that it was dropped', () => {
    const hub = new WatchHub(2);
    const sub = hub.subscribe('/a/', new AbortController().signal);
    for (let rev = 1; rev <= 3; rev++) hub.publish(put(`/a/${rev}`, rev));
    const sink = recorder();
    sub.pushTo(sink);
    assert.deepEqual(sink.seen, ['/a/1@1', '/a/2@2'], 'what was queued before the drop');
    assert.ok(sink.ended?.error instanceof StorageError && sink.ended.error.code === 'Unavailable');
  });

  it('leaves no subscription behind for a signal aborted before it subscribed', () => {
    const hub = new WatchHub(10);
    const abort = new AbortController();
    abort.abort();
    const sub = hub.subscribe('/a/', abort.signal);
    assert.equal(hub.size, 0);
    const sink = recorder();
    sub.pushTo(sink);
    assert.deepEqual(sink.ended, { error: undefined });
  });

  it('ends a pushed subscription when the hub closes', () => {
    const hub = new WatchHub(10);
    const sink = recorder();
    hub.subscribe('/a/', new AbortController().signal).pushTo(sink);
    hub.closeAll();
    assert.deepEqual(sink.ended, { error: undefined });
  });
});
