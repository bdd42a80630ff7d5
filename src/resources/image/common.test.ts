import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../api/errors.js';
import type { ImageStream } from '../../apis/image/schema.js';
import { digestOrImageMatch, parseStreamImage, parseStreamTag, resolveReference } from './common.js';

describe('view names', () => {
  it('parses <stream>:<tag> and rejects everything else with the reference message', () => {
    assert.deepEqual(parseStreamTag('ruby:2.7', 'ImageStreamTags'), { stream: 'ruby', tag: '2.7' });
    for (const bad of ['ruby', 'a:b:c', ':t', 's:', 'a@b:c']) {
      assert.throws(
        () => parseStreamTag(bad, 'ImageTags'),
        (e) => isApiError(e, 'BadRequest') && e.message === 'ImageTags must be retrieved with <name>:<tag>',
        bad,
      );
    }
  });
  it('parses <stream>@<id>', () => {
    assert.deepEqual(parseStreamImage('s@sha256:ab'), { stream: 's', id: 'sha256:ab' });
    assert.throws(
      () => parseStreamImage('s@a@b'),
      (e) => isApiError(e, 'BadRequest') && e.message === 'ImageStreamImages must be retrieved with <name>@<id>',
    );
  });
});

describe('digestOrImageMatch', () => {
  const d = `sha256:${'ab'.repeat(32)}`;
  const cases: [string, boolean][] = [
    ['abab', true],
    ['sha256:abab', true],
    [d, true],
    ['ba', false],
    ['sha512:ab', false],
  ];
  for (const [id, want] of cases) it(`${id} ${want ? 'matches' : 'does not match'}`, () => assert.equal(digestOrImageMatch(d, id), want));
});

describe('resolveReference', () => {
  const stream = (policy: string, repo: string): ImageStream => ({
    metadata: { name: 's' },
    spec: { tags: [{ name: 't', referencePolicy: { type: policy } }] },
    status: { dockerImageRepository: repo },
  });
  const event = { created: null, dockerImageReference: 'quay.io/a/b:1', image: 'sha256:1', generation: 1 };
  it('keeps the source reference under Source', () => assert.equal(resolveReference(stream('Source', 'ir/ns/s'), 't', event), 'quay.io/a/b:1'));
  it('points into the integrated registry under Local', () => assert.equal(resolveReference(stream('Local', 'ir/ns/s'), 't', event), 'ir/ns/s@sha256:1'));
  it('falls back to the source when no repository is known', () => assert.equal(resolveReference(stream('Local', ''), 't', event), 'quay.io/a/b:1'));
});
