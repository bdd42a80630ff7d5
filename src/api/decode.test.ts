import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { isApiError } from './errors.js';
import { objectHeader } from './meta.js';
import { decodeObject, findDuplicateKeys } from './decode.js';

const schema = Type.Object({
  ...objectHeader(),
  spec: Type.Optional(
    Type.Object({
      tags: Type.Optional(Type.Array(Type.Object({ name: Type.String(), generation: Type.Optional(Type.Union([Type.Integer(), Type.Null()])) }))),
      labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      raw: Type.Optional(Type.Unknown()),
    }),
  ),
});

describe('decodeObject', () => {
  const body = { metadata: { name: 'a', creationTimestamp: null }, spec: { bogus: 1, tags: [{ name: 't', extra: true, generation: null }] } };

  it('rejects unknown fields under Strict, naming every path', () => {
    assert.throws(
      () => decodeObject(schema, body, { fieldValidation: 'Strict' }),
      (e) => isApiError(e, 'BadRequest') && e.message === 'strict decoding error: unknown field "spec.bogus", unknown field "spec.tags[0].extra"',
    );
  });

  it('drops unknown fields with warnings under Warn and silently under Ignore', () => {
    const warn = decodeObject(schema, body, { fieldValidation: 'Warn' });
    assert.deepEqual(warn.warnings, ['unknown field "spec.bogus"', 'unknown field "spec.tags[0].extra"']);
    assert.deepEqual(warn.object, { metadata: { name: 'a' }, spec: { tags: [{ name: 't', generation: null }] } });
    assert.deepEqual(decodeObject(schema, body, { fieldValidation: 'Ignore' }).warnings, []);
  });

  it('keeps free-form maps and raw values', () => {
    const r = decodeObject(schema, { metadata: { name: 'a' }, spec: { labels: { x: 'y' }, raw: { any: [1, { deep: true }] } } }, { fieldValidation: 'Strict' });
    assert.deepEqual(r.object, { metadata: { name: 'a' }, spec: { labels: { x: 'y' }, raw: { any: [1, { deep: true }] } } });
  });

  it('answers 400 naming the field for a wrong type', () => {
    assert.throws(
      () =>
        decodeObject(
          schema,
          { metadata: { name: 'a' }, spec: { tags: 'latest' } },
          { fieldValidation: 'Strict', what: { kind: 'ImageStream', version: 'v1' } },
        ),
      (e) =>
        isApiError(e, 'BadRequest') && e.message === 'ImageStream in version "v1" cannot be handled as a ImageStream: spec.tags: expected array, got string',
    );
  });

  it('reports duplicate fields under Strict and Warn', () => {
    const dups = findDuplicateKeys('{"metadata":{"name":"a","labels":{"x":"1"},"name":"b"},"spec":{"tags":[{"name":"a"},{"name":"b","name":"c"}]}}');
    assert.deepEqual(dups, ['metadata.name', 'spec.tags[1].name']);
    assert.throws(
      () => decodeObject(schema, { metadata: { name: 'b' } }, { fieldValidation: 'Strict', duplicateFields: dups }),
      /duplicate field "metadata.name"/,
    );
    assert.deepEqual(findDuplicateKeys('{"a":"x\\"y","b":1}'), []);
    assert.deepEqual(findDuplicateKeys('a: 1'), []);
  });
});
