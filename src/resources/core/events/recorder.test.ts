import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Event } from '../../../apis/core/event.js';
import { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { MemoryStore } from '../../../storage/memory/memory-store.js';
import { systemContext } from '../../installer.js';
import { eventsInfo } from './definition.js';
import { createEventRecorder, removeExpiredEvents } from './recorder.js';
import { createEventStrategy } from './strategy.js';

const stream = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', object: { metadata: { name: 'app', namespace: 'ns', uid: 'u-1' } } };

function setup() {
  const events = new ResourceStore<Event>({ info: eventsInfo, strategy: createEventStrategy(), store: new MemoryStore() });
  return { events, recorder: createEventRecorder(events, 'test-controller', pino({ level: 'silent' })) };
}

describe('the event recorder', () => {
  it('counts the same event up on one Event, and records a different one apart', async () => {
    const { events, recorder } = setup();
    await recorder.record(stream, 'Warning', 'ImportFailed', 'not found');
    await recorder.record(stream, 'Warning', 'ImportFailed', 'not found');
    await recorder.record(stream, 'Normal', 'TagUpdated', 'tag v1 moved');
    const items = (await events.list({ ...systemContext(), namespace: 'ns' }, {})).items;
    assert.deepEqual(items.map((e) => [e.reason, e.count]).sort(), [
      ['ImportFailed', 2],
      ['TagUpdated', 1],
    ]);
    const failed = items.find((e) => e.reason === 'ImportFailed');
    assert.deepEqual(failed?.involvedObject, { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', namespace: 'ns', name: 'app', uid: 'u-1' });
    assert.equal(failed?.source?.component, 'test-controller');
  });

  it('removes events whose last occurrence is older than their time to live, and keeps the rest', async () => {
    const { events, recorder } = setup();
    await recorder.record(stream, 'Normal', 'TagUpdated', 'old');
    const hour = 60 * 60 * 1000;
    assert.equal(await removeExpiredEvents(events, hour), 0);
    assert.equal(await removeExpiredEvents(events, hour, Date.now() + hour + 1000), 1);
    assert.equal((await events.list({ ...systemContext(), namespace: 'ns' }, {})).items.length, 0);
  });
});
