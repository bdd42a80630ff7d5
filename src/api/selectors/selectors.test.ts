import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors.js';
import { parseFieldSelector } from './field-selector.js';
import { parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['a=b', { a: 'b' }, true],
    ['a==b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a!=b', { a: 'b' }, false],
    ['env in (prod, qa),tier notin (db)', { env: 'qa', tier: 'web' }, true],
    ['env in (prod, qa),tier notin (db)', { env: 'qa', tier: 'db' }, false],
    ['present', { present: '' }, true],
    ['!absent', { absent: 'x' }, false],
    ['example.com/app=x', { 'example.com/app': 'x' }, true],
    ['', { anything: 'x' }, true],
  ];
  for (const [sel, labels, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      assert.equal(parseLabelSelector(sel).matches(labels), want);
    });
  }
  it('answers 400 for bad syntax', () => {
    for (const bad of ['a in (', 'a=b,', 'Bad Key=x', 'a=in valid', ',']) {
      assert.throws(
        () => parseLabelSelector(bad),
        (e) => isApiError(e, 'BadRequest'),
        bad,
      );
    }
  });
});

describe('field selectors', () => {
  const supported = new Set(['metadata.name', 'metadata.namespace', 'status.phase']);
  it('matches =, == and != on supported fields', () => {
    const s = parseFieldSelector('metadata.name=a,status.phase!=Terminating', supported);
    assert.equal(s.matches({ 'metadata.name': 'a', 'status.phase': 'Active' }), true);
    assert.equal(s.matches({ 'metadata.name': 'a', 'status.phase': 'Terminating' }), false);
    assert.equal(parseFieldSelector('metadata.name==b', supported).matches({ 'metadata.name': 'b' }), true);
  });
  it('answers 400 naming an unsupported field', () => {
    assert.throws(
      () => parseFieldSelector('spec.foo=x', supported),
      (e) => isApiError(e, 'BadRequest') && e.message === 'field label not supported: spec.foo',
    );
    assert.throws(
      () => parseFieldSelector('metadata.name', supported),
      (e) => isApiError(e, 'BadRequest'),
    );
  });
});
