import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageStream, TagEvent } from './schema.js';
import { addTagEvent, tagRefChanged, trackingTags } from './tag-events.js';

const ev = (ref: string, image: string, generation = 1, created = '2026-01-01T00:00:00Z'): TagEvent => ({
  created,
  dockerImageReference: ref,
  image,
  generation,
});

function withHistory(items: TagEvent[]): ImageStream {
  return {
    metadata: { name: 's', namespace: 'ns' },
    status: { dockerImageRepository: '', tags: [{ tag: 't', items, conditions: [{ type: 'ImportSuccess', status: 'False', generation: 1 }] }] },
  };
}

describe('addTagEvent (AddTagEventToImageStream)', () => {
  const cases: { name: string; history: TagEvent[]; next: TagEvent; changed: boolean; want: TagEvent[] }[] = [
    { name: 'starts a history', history: [], next: ev('a', 'sha256:1'), changed: true, want: [ev('a', 'sha256:1')] },
    { name: 'ignores an identical event', history: [ev('a', 'sha256:1')], next: ev('a', 'sha256:1', 1, 'later'), changed: false, want: [ev('a', 'sha256:1')] },
    {
      name: 'collapses a new generation into the newest event',
      history: [ev('a', 'sha256:1')],
      next: ev('a', 'sha256:1', 2, 'later'),
      changed: true,
      want: [ev('a', 'sha256:1', 2)],
    },
    {
      name: 'moves the image under the same reference',
      history: [ev('a', 'sha256:1')],
      next: ev('a', 'sha256:2', 2),
      changed: true,
      want: [ev('a', 'sha256:2', 2)],
    },
    {
      name: 'moves the reference of the same image',
      history: [ev('a', 'sha256:1')],
      next: ev('b', 'sha256:1', 2),
      changed: true,
      want: [ev('b', 'sha256:1', 2)],
    },
    {
      name: 'prepends anything else',
      history: [ev('a', 'sha256:1')],
      next: ev('b', 'sha256:2', 2),
      changed: true,
      want: [ev('b', 'sha256:2', 2), ev('a', 'sha256:1')],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = withHistory(structuredClone(c.history));
      assert.equal(addTagEvent(s, 't', c.next), c.changed);
      assert.deepEqual(s.status?.tags?.[0]?.items, c.want);
      // any change clears the tag's conditions
      assert.equal(s.status?.tags?.[0]?.conditions === undefined, c.changed);
    });
  }
});

describe('tagRefChanged', () => {
  const tag = (from: Record<string, string> | undefined, extra: Record<string, unknown> = {}) => ({ name: 't', ...(from ? { from } : {}), ...extra });
  const cases: [string, ReturnType<typeof tag> | undefined, ReturnType<typeof tag>, boolean][] = [
    ['no from', tag({ kind: 'DockerImage', name: 'a' }), tag(undefined), false],
    ['new tag', undefined, tag({ kind: 'DockerImage', name: 'a' }), true],
    ['same reference', tag({ kind: 'DockerImage', name: 'a' }), tag({ kind: 'DockerImage', name: 'a' }), false],
    ['other name', tag({ kind: 'DockerImage', name: 'a' }), tag({ kind: 'DockerImage', name: 'b' }), true],
    ['kind alone is not a change', tag({ kind: 'DockerImage', name: 'a' }), tag({ kind: 'ImageStreamTag', name: 'a' }), false],
    ['explicit own namespace is not a change', tag({ kind: 'ImageStreamTag', name: 'a' }), tag({ kind: 'ImageStreamTag', name: 'a', namespace: 'ns' }), false],
    ['other namespace', tag({ kind: 'ImageStreamTag', name: 'a' }), tag({ kind: 'ImageStreamTag', name: 'a', namespace: 'other' }), true],
    ['reference flips', tag({ kind: 'DockerImage', name: 'a' }), tag({ kind: 'DockerImage', name: 'a' }, { reference: true }), true],
    ['generation reset to 0', tag({ kind: 'DockerImage', name: 'a' }, { generation: 3 }), tag({ kind: 'DockerImage', name: 'a' }, { generation: 0 }), true],
    [
      'scheduled is not a change',
      tag({ kind: 'DockerImage', name: 'a' }),
      tag({ kind: 'DockerImage', name: 'a' }, { importPolicy: { scheduled: true } }),
      false,
    ],
  ];
  for (const [name, old, next, want] of cases) it(name, () => assert.equal(tagRefChanged(old, next, 'ns'), want));
});

describe('tracking tags', () => {
  it('finds spec tags following a tag of this stream by <tag> or <stream>:<tag>, not other namespaces', () => {
    const s: ImageStream = {
      metadata: { name: 's', namespace: 'ns' },
      spec: {
        tags: [
          { name: 'a', from: { kind: 'ImageStreamTag', name: 'src' } },
          { name: 'b', from: { kind: 'ImageStreamTag', name: 's:src' } },
          { name: 'c', from: { kind: 'ImageStreamTag', name: 'src', namespace: 'other' } },
          { name: 'd', from: { kind: 'DockerImage', name: 'src' } },
        ],
      },
    };
    assert.deepEqual(
      trackingTags(s, 'src').map((t) => t.name),
      ['a', 'b'],
    );
  });
});
