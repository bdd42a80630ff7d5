import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitTags, sortedStatusTags } from './table.js';
import type { ImageStream } from '../../../apis/image/schema.js';

const stream = (tags: [string, string][]): ImageStream =>
  ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name: 's' },
    status: {
      dockerImageRepository: '',
      tags: tags.map(([tag, created]) => ({ tag, items: [{ created, dockerImageReference: 'r', image: 'i', generation: 1 }] })),
    },
  }) as ImageStream;

describe('image stream TAGS column', () => {
  it('orders tags by their newest event, newest first, ties by name', () => {
    const s = stream([
      ['old', '2024-01-01T00:00:00Z'],
      ['b', '2024-06-01T00:00:00Z'],
      ['a', '2024-06-01T00:00:00Z'],
      ['new', '2025-01-01T00:00:00Z'],
    ]);
    assert.deepEqual(sortedStatusTags(s), ['new', 'a', 'b', 'old']);
  });

  it('prints a list up to 25% over the width whole, and otherwise as many as fit and a count of the rest', () => {
    assert.equal(fitTags(['latest', '1.0']), 'latest,1.0');
    const nearly = Array.from({ length: 10 }, (_, i) => `tag${i}`); // 49 characters: within 40 * 1.25
    assert.equal(fitTags(nearly), nearly.join(','));
    const many = Array.from({ length: 20 }, (_, i) => `v1.${String(i).padStart(2, '0')}`);
    assert.equal(fitTags(many), 'v1.00,v1.01,v1.02,v1.03,v1.04,v1.05 + 14 more...');
  });

  it('always shows the first tag, however long', () => {
    const long = 'x'.repeat(60);
    assert.equal(fitTags([long, 'a', 'b']), `${long} + 2 more...`);
  });
});
