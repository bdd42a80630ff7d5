import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageStream, TagReference } from '../apis/image/schema.js';
import { dueForCheck, scheduledTags, scheduleTickMs, tagsNeedingImport } from './image-import-controller.js';

const D = `sha256:${'a'.repeat(64)}`;
const tag = (name: string, from: string, extra: Partial<TagReference> = {}): TagReference => ({
  name,
  from: { kind: 'DockerImage', name: from },
  generation: 2,
  ...extra,
});

function stream(tags: TagReference[], status: NonNullable<ImageStream['status']>['tags'] = []): ImageStream {
  return { metadata: { name: 's', namespace: 'ns' }, spec: { tags }, status: { dockerImageRepository: '', tags: status } };
}

describe('which tags the import controller imports', () => {
  it('imports a DockerImage tag whose generation is ahead of its status, and nothing else', () => {
    const s = stream(
      [
        tag('new', 'q/a:1'),
        tag('done', 'q/b:1'),
        tag('failed', 'q/c:1'),
        tag('ref', 'q/d:1', { reference: true }),
        tag('track', 'x', { from: { kind: 'ImageStreamTag', name: 'new' } }),
      ],
      [
        { tag: 'done', items: [{ created: null, dockerImageReference: 'q/b@x', image: 'x', generation: 2 }] },
        { tag: 'failed', items: null, conditions: [{ type: 'ImportSuccess', status: 'False', generation: 2 }] },
      ],
    );
    assert.deepEqual(
      tagsNeedingImport(s).map((t) => t.name),
      ['new'],
    );
  });

  it('checks scheduled tags again, but a digest tag only until its first success', () => {
    const s = stream(
      [
        tag('moving', 'q/a:latest', { importPolicy: { scheduled: true } }),
        tag('pinned', `q/a@${D}`, { importPolicy: { scheduled: true } }),
        tag('fresh', `q/b@${D}`, { importPolicy: { scheduled: true } }),
        tag('plain', 'q/c:1'),
      ],
      [{ tag: 'pinned', items: [{ created: null, dockerImageReference: `q/a@${D}`, image: D, generation: 2 }] }],
    );
    assert.deepEqual(
      scheduledTags(s).map((t) => t.name),
      ['moving', 'fresh'],
    );
  });
});

describe('the scheduled re-import budget', () => {
  const streams = Array.from({ length: 100 }, (_, i) => `ns/s${i}`);
  const o = { intervalMs: 900_000, perMinute: 60 };

  it('spreads checks over the minute: a tick takes its share of the per-minute budget', () => {
    assert.equal(scheduleTickMs(o.intervalMs), 15_000);
    const last = new Map<string, number>();
    const perTick = [0, 1, 2, 3].map((t) => dueForCheck(streams, last, t * 15_000, o));
    assert.deepEqual(
      perTick.map((d) => d.length),
      [15, 15, 15, 15],
    );
    assert.equal(new Set(perTick.flat()).size, 60, 'no stream is checked twice within the interval');
  });

  it('checks a stream again once its interval has passed', () => {
    const last = new Map<string, number>();
    const few = ['ns/s1', 'ns/s2'];
    assert.deepEqual(dueForCheck(few, last, 0, o), ['ns/s1', 'ns/s2']);
    assert.deepEqual(dueForCheck(few, last, o.intervalMs - 1, o), []);
    assert.deepEqual(dueForCheck(few, last, o.intervalMs, o), ['ns/s1', 'ns/s2']);
  });
});
