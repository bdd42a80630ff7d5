import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { isApiError } from '../../api/errors.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyJsonPatch } from './json-patch.js';

const Tag = Type.Object({ name: Type.String(), from: Type.Optional(Type.Object({ kind: Type.String(), name: Type.String() })) });
const schema = Type.Object({
  metadata: Type.Object({
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    finalizers: Type.Optional(Type.Array(Type.String(), { 'x-kubernetes-patch-strategy': 'merge' })),
  }),
  spec: Type.Object({
    tags: Type.Optional(Type.Array(Tag, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' })),
    args: Type.Optional(Type.Array(Type.String())),
  }),
});

const doc = {
  metadata: { labels: { a: '1', b: '2' }, finalizers: ['x'] },
  spec: { tags: [{ name: 'a', from: { kind: 'DockerImage', name: 'one' } }, { name: 'b' }], args: ['1', '2'] },
};

describe('strategic merge patch', () => {
  it('merges lists of maps by merge key and replaces lists without a strategy', () => {
    const out = applyStrategicMergePatch(
      doc,
      { spec: { tags: [{ name: 'b', from: { kind: 'DockerImage', name: 'two' } }, { name: 'c' }], args: ['3'] } },
      schema,
    );
    assert.deepEqual(out, {
      metadata: doc.metadata,
      spec: {
        tags: [{ name: 'a', from: { kind: 'DockerImage', name: 'one' } }, { name: 'b', from: { kind: 'DockerImage', name: 'two' } }, { name: 'c' }],
        args: ['3'],
      },
    });
  });

  it('deletes with null, $patch: delete and $deleteFromPrimitiveList, and unions primitive merge lists', () => {
    const out = applyStrategicMergePatch(
      doc,
      {
        metadata: { labels: { a: null }, finalizers: ['y'], '$deleteFromPrimitiveList/finalizers': ['x'] },
        spec: { tags: [{ name: 'a', $patch: 'delete' }] },
      },
      schema,
    ) as typeof doc;
    assert.deepEqual(out.metadata, { labels: { b: '2' }, finalizers: ['y'] });
    assert.deepEqual(out.spec.tags, [{ name: 'b' }]);
  });

  it('honours $patch: replace on maps and lists, and $setElementOrder as kubectl apply sends it', () => {
    const replaced = applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'replace', z: '9' } } }, schema) as typeof doc;
    assert.deepEqual(replaced.metadata.labels, { z: '9' });
    const ordered = applyStrategicMergePatch(
      doc,
      { spec: { '$setElementOrder/tags': [{ name: 'c' }, { name: 'b' }, { name: 'a' }], tags: [{ name: 'c' }] } },
      schema,
    ) as typeof doc;
    assert.deepEqual(
      ordered.spec.tags.map((t) => t.name),
      ['c', 'b', 'a'],
    );
    const listReplace = applyStrategicMergePatch(doc, { spec: { tags: [{ name: 'z' }, { $patch: 'replace' }] } }, schema) as typeof doc;
    assert.deepEqual(listReplace.spec.tags, [{ name: 'z' }]);
  });

  it('answers 400 for an unknown directive or an element without its merge key', () => {
    assert.throws(
      () => applyStrategicMergePatch(doc, { spec: { $patch: 'explode' } }, schema),
      (e) => isApiError(e, 'BadRequest'),
    );
    assert.throws(
      () => applyStrategicMergePatch(doc, { spec: { tags: [{ from: { kind: 'x', name: 'y' } }] } }, schema),
      (e) => isApiError(e, 'BadRequest'),
    );
  });
});

describe('merge patch and JSON patch', () => {
  it('merge patch replaces lists and deletes with null', () => {
    assert.deepEqual(applyMergePatch({ a: { b: 1, c: [1, 2] } }, { a: { b: null, c: [3] } }), { a: { c: [3] } });
  });
  it('JSON patch applies, answers 422 for a failed test and 400 for a malformed body', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: 2 }]), { a: 2 });
    assert.throws(
      () => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 3 }]),
      (e) => isApiError(e) && e.code === 422,
    );
    assert.throws(
      () => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/nope' }]),
      (e) => isApiError(e) && e.code === 422,
    );
    assert.throws(
      () => applyJsonPatch({ a: 1 }, { op: 'add' }),
      (e) => isApiError(e, 'BadRequest'),
    );
  });
});
