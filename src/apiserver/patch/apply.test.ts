import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { isApiError } from '../../api/errors.js';
import { objectHeader, type KubeObject } from '../../api/meta.js';
import { applyServerSide } from './apply.js';
import { updateManagedFields } from './managed-fields.js';

const schema = Type.Object({
  ...objectHeader(),
  spec: Type.Optional(
    Type.Object({
      tags: Type.Optional(
        Type.Array(Type.Object({ name: Type.String(), from: Type.Optional(Type.Object({ kind: Type.String(), name: Type.String() })) }), {
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
      ),
    }),
  ),
});

interface IS extends KubeObject {
  spec?: { tags?: { name: string; from?: { kind: string; name: string } }[] };
}

const now = new Date('2026-01-01T00:00:00Z');
const cfg = (tags: Record<string, string>, labels: Record<string, string> = {}): IS => ({
  apiVersion: 'image.openshift.io/v1',
  kind: 'ImageStream',
  metadata: { name: 's', labels },
  spec: { tags: Object.entries(tags).map(([name, image]) => ({ name, from: { kind: 'DockerImage', name: image } })) },
});
const apply = (live: IS | undefined, applied: IS, manager: string, force = false) =>
  applyServerSide({ live, applied, manager, force, apiVersion: 'image.openshift.io/v1', now, schema }) as IS;

describe('server-side apply', () => {
  it('creates, records an Apply entry, and lets the same manager change its fields', () => {
    const a = apply(undefined, cfg({ latest: 'x:1' }, { app: 'a' }), 'alice');
    assert.equal(a.metadata.managedFields?.[0]?.manager, 'alice');
    assert.equal(a.metadata.managedFields?.[0]?.operation, 'Apply');
    const fv = JSON.stringify(a.metadata.managedFields?.[0]?.fieldsV1);
    assert.match(fv, /"f:labels":\{"f:app":\{\}\}/);
    assert.match(fv, /"k:\{\\"name\\":\\"latest\\"\}":\{/);
    const b = apply(a, cfg({ latest: 'x:2' }, { app: 'a' }), 'alice');
    assert.equal(b.spec?.tags?.[0]?.from?.name, 'x:2');
  });

  it('answers 409 naming the field when another manager owns it with a different value, and moves ownership with force', () => {
    const a = apply(undefined, cfg({ latest: 'x:1' }), 'alice');
    assert.throws(
      () => apply(a, cfg({ latest: 'x:2' }), 'bob'),
      (e) =>
        isApiError(e, 'Conflict') &&
        e.message === 'Apply failed with 1 conflict: conflict with "alice": .spec.tags[name="latest"].from.name' &&
        e.status.details?.causes?.[0]?.reason === 'FieldManagerConflict',
    );
    const forced = apply(a, cfg({ latest: 'x:2' }), 'bob', true);
    assert.equal(forced.spec?.tags?.[0]?.from?.name, 'x:2');
    // alice lost the field; applying her old value now conflicts with bob
    assert.throws(
      () => apply(forced, cfg({ latest: 'x:1' }), 'alice'),
      (e) => isApiError(e, 'Conflict') && /conflict with "bob"/.test(e.message),
    );
  });

  it('shares ownership when two managers apply the same value', () => {
    const a = apply(undefined, cfg({ latest: 'x:1' }), 'alice');
    const b = apply(a, cfg({ latest: 'x:1' }), 'bob');
    assert.deepEqual(
      b.metadata.managedFields?.map((m) => m.manager),
      ['alice', 'bob'],
    );
  });

  it('removes fields a manager stops applying, but keeps those another manager owns', () => {
    const a = apply(undefined, cfg({ one: 'x:1', two: 'x:2' }, { keep: 'y', drop: 'z' }), 'alice');
    const b = apply(a, cfg({ one: 'x:1' }, { keep: 'y' }), 'alice');
    assert.deepEqual(
      b.spec?.tags?.map((t) => t.name),
      ['one'],
    );
    assert.deepEqual(b.metadata.labels, { keep: 'y' });
    const shared = apply(a, cfg({ two: 'x:2' }), 'bob');
    const c = apply(shared, cfg({ one: 'x:1' }), 'alice');
    assert.deepEqual(c.spec?.tags?.map((t) => t.name).sort(), ['one', 'two']);
  });

  it('conflicts with fields set by an Update from another manager (kubectl edit, then apply)', () => {
    const created = cfg({ latest: 'x:1' });
    created.metadata.managedFields = updateManagedFields({
      live: undefined,
      next: created,
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'image.openshift.io/v1',
      now,
      schema,
    });
    assert.throws(
      () => apply(created, cfg({ latest: 'x:9' }), 'kubectl'),
      (e) => isApiError(e, 'Conflict') && /conflict with "kubectl-create" using image.openshift.io\/v1/.test(e.message),
    );
  });
});

describe('managed fields on update', () => {
  it('gives changed fields to the updating manager and takes them from others', () => {
    const v1 = cfg({ latest: 'x:1' }, { a: '1' });
    v1.metadata.managedFields = updateManagedFields({ live: undefined, next: v1, manager: 'one', operation: 'Update', apiVersion: 'v1x', now, schema });
    const v2 = structuredClone(v1);
    v2.metadata.labels = { a: '2' };
    const mf = updateManagedFields({ live: v1, next: v2, manager: 'two', operation: 'Update', apiVersion: 'v1x', now, schema });
    const byManager = Object.fromEntries(mf.map((m) => [m.manager, JSON.stringify(m.fieldsV1)]));
    assert.match(byManager['two'] ?? '', /f:a/);
    assert.doesNotMatch(byManager['one'] ?? '', /f:a/);
    assert.match(byManager['one'] ?? '', /f:tags/);
  });
});
