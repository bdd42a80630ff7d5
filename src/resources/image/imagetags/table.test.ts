import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageTagCells } from './table.js';
import type { ImageTag } from '../../../apis/image/virtual-schemas.js';

const now = new Date('2026-01-01T00:00:00Z');
const itag = (t: Partial<ImageTag>): ImageTag => ({ metadata: { name: 's:t' }, spec: null, status: null, image: null, ...t });
const event = (image: string, generation: number) => ({ created: '2025-12-31T23:00:00Z', dockerImageReference: `x/y@${image}`, image, generation });

describe('itag table cells (reference printer cases)', () => {
  it('prints a reference DockerImage tag as Ref with its pull spec', () => {
    const c = imageTagCells(itag({ spec: { name: 't', from: { kind: 'DockerImage', name: 'a/b:c' }, reference: true } }), now);
    assert.deepEqual([c.spec, c.status, c.history], ['Ref', 'a/b:c', '']);
  });
  it('prints a scheduled cross-namespace tag as Scheduled istag ns/name', () => {
    const c = imageTagCells(
      itag({ spec: { name: 't', from: { kind: 'ImageStreamTag', name: 'b:c', namespace: 'a' }, importPolicy: { scheduled: true } } }),
      now,
    );
    assert.deepEqual([c.spec, c.status], ['Scheduled', 'istag a/b:c']);
  });
  it('prints a status-only tag as Push with its image and history', () => {
    const c = imageTagCells(itag({ status: { tag: 't', items: [event('sha256:0', 2)] } }), now);
    assert.deepEqual([c.spec, c.status, c.history, c.updated], ['Push', 'image/sha256:0', '1', 'About an hour ago']);
  });
  it('prints Importing while the newest event is older than the spec generation', () => {
    const c = imageTagCells(
      itag({ spec: { name: 't', from: { kind: 'DockerImage', name: 'a/b:c' }, generation: 2 }, status: { tag: 't', items: [event('sha256:0', 1)] } }),
      now,
    );
    assert.deepEqual([c.spec, c.status, c.history], ['Tag', 'Importing', '1']);
  });
  it('prints failed imports with their reason', () => {
    const c = imageTagCells(
      itag({
        spec: { name: 't', from: { kind: 'DockerImage', name: 'a/b:c' } },
        status: {
          tag: 't',
          items: null,
          conditions: [{ type: 'ImportSuccess', status: 'False', reason: 'NotFound', generation: 1, lastTransitionTime: '2025-12-31T23:59:00Z' }],
        },
      }),
      now,
    );
    assert.deepEqual([c.status, c.updated], ['ImportFailed (NotFound)', 'About a minute ago']);
  });
  it('flags a bad ImageStreamImage name and an unknown kind', () => {
    assert.equal(imageTagCells(itag({ spec: { name: 't', from: { kind: 'ImageStreamImage', name: 'noat' } } }), now).status, 'InvalidRefName');
    assert.equal(imageTagCells(itag({ spec: { name: 't', from: { kind: 'Other', name: 'x' } } }), now).status, 'InvalidRefKind');
  });
});
