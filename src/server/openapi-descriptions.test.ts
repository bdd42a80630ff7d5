// The OpenAPI v3 documents of every served group-version, built from the served definitions as the
// server builds them: `kubectl explain` prints a field's own description, then its type's, so every
// property must carry one, beside the `$ref` when it reuses a named type.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV3 } from '../apiserver/openapi/index.js';
import { RESOURCE_DEFINITIONS } from './resources.js';

type Json = Record<string, unknown>;

const PREFIX = '#/components/schemas/';

function components(doc: Json): Record<string, Json> {
  return ((doc['components'] as Json | undefined)?.['schemas'] ?? {}) as Record<string, Json>;
}

/**
 * Every property of the document's component schemas without a non-empty description of its own, as
 * `<definition>.<path>` (`[]` for array items, `{}` for map values). A `$ref`'s target is walked as
 * its own component.
 */
function undescribed(doc: Json): string[] {
  const out: string[] = [];
  const walk = (s: unknown, path: string): void => {
    if (s === null || typeof s !== 'object') return;
    const schema = s as Json;
    for (const [name, p] of Object.entries((schema['properties'] ?? {}) as Record<string, Json>)) {
      const description = p['description'];
      if (typeof description !== 'string' || description.trim() === '') out.push(`${path}.${name}`);
      walk(p, `${path}.${name}`);
    }
    walk(schema['items'], `${path}[]`);
    walk(schema['additionalProperties'], `${path}{}`);
    for (const k of ['allOf', 'anyOf', 'oneOf']) for (const branch of (schema[k] ?? []) as unknown[]) walk(branch, path);
  };
  for (const [name, s] of Object.entries(components(doc))) walk(s, name);
  return out;
}

/** Every `$ref` in the document (paths included) that names no component. */
function danglingRefs(doc: Json): string[] {
  const names = components(doc);
  const out = new Set<string>();
  JSON.stringify(doc, (key, value: unknown) => {
    if (key === '$ref' && typeof value === 'string' && !(value.startsWith(PREFIX) && value.slice(PREFIX.length) in names)) out.add(value);
    return value;
  });
  return [...out];
}

describe('OpenAPI v3 descriptions', () => {
  const v3 = buildOpenApiV3(RESOURCE_DEFINITIONS.flatMap((d) => d.infos));
  const paths = Object.keys((v3.index() as { paths: Record<string, unknown> }).paths);
  const doc = (path: string): Json => {
    const d = v3.document(path);
    assert.ok(d, `no document for ${path}`);
    return JSON.parse(d.body) as Json;
  };

  it('serves a document for every group-version', () => {
    for (const gv of ['api/v1', 'apis/image.openshift.io/v1', 'apis/config.openshift.io/v1', 'apis/rbac.authorization.k8s.io/v1']) {
      assert.ok(paths.includes(gv), `${gv} not in ${paths.join(', ')}`);
    }
  });

  for (const path of paths) {
    it(`describes every property of every schema in ${path}`, () => {
      const missing = undescribed(doc(path));
      if (missing.length > 0) assert.fail(`${missing.length} propert(ies) in ${path} without a description:\n  ${missing.join('\n  ')}`);
    });

    it(`references only schemas ${path} defines`, () => {
      const dangling = danglingRefs(doc(path));
      if (dangling.length > 0) assert.fail(`${dangling.length} $ref(s) in ${path} name no component:\n  ${dangling.join('\n  ')}`);
    });
  }
});
