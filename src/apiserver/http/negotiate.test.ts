import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from './negotiate.js';
import { isApiError } from '../../api/errors.js';

describe('negotiate', () => {
  it('picks the v1 Table kubectl asks for first', () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    assert.deepEqual(negotiate(accept, undefined, true), { kind: 'table', version: 'v1', includeObject: 'Metadata' });
  });
  it('falls back to JSON for kinds without tables and for */*', () => {
    assert.deepEqual(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json', undefined, false), { kind: 'json' });
    assert.deepEqual(negotiate('*/*', undefined, true), { kind: 'json' });
    assert.deepEqual(negotiate(undefined, undefined, true), { kind: 'json' });
  });
  it('serves YAML when asked', () => {
    assert.deepEqual(negotiate('application/yaml', undefined, true), { kind: 'yaml' });
  });
  it('answers 406 NotAcceptable to a protobuf-only client', () => {
    assert.throws(
      () => negotiate('application/vnd.kubernetes.protobuf', undefined, true),
      (e) => isApiError(e, 'NotAcceptable') && e.code === 406,
    );
  });
});
