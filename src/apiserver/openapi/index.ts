/**
 * The OpenAPI documents kubectl reads: v3 per group-version (explain, the patch type for apply,
 * server-side field validation) and a v2 document as JSON. Built once from the resource list, with
 * the same schemas that validate requests; each v3 document is addressed by the hash of its content.
 */
import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import type { ResourceInfo, Verb } from '../../api/resource-info.js';
import { API_VERSION_DESCRIPTION, KIND_DESCRIPTION, LIST_METADATA_DESCRIPTION, ListMeta, named } from '../../api/meta.js';
import { createCollector, definitionName, type JsonSchema } from './schemas.js';
import { META_SCHEMAS, STATUS_REF } from './meta-schemas.js';
import { buildPaths } from './paths.js';

export interface OpenApiV3 {
  index(): object;
  document(gvPath: string): { body: string; hash: string } | undefined;
}

function gvPath(r: { group: string; version: string }): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

/** `<Kind>List` schema for a resource. */
export function listSchema(info: ResourceInfo): TSchema {
  const itemName = definitionName(info.schema);
  const listName = itemName.replace(/\.[A-Za-z]+$/, `.${info.listKind}`);
  return named(
    listName,
    Type.Object(
      {
        apiVersion: Type.Optional(Type.String({ description: API_VERSION_DESCRIPTION })),
        kind: Type.Optional(Type.String({ description: KIND_DESCRIPTION })),
        metadata: Type.Optional({ ...ListMeta, description: LIST_METADATA_DESCRIPTION }),
        items: Type.Array(info.schema, { description: `List of ${info.resource}.` }),
      },
      { description: `${info.listKind} is a list of ${info.kind}.` },
    ),
  );
}

function gvk(group: string, version: string, kind: string) {
  return [{ group, version, kind }];
}

function buildComponents(resources: readonly ResourceInfo[], refPrefix: string): Map<string, JsonSchema> {
  const collector = createCollector(refPrefix);
  for (const m of META_SCHEMAS) collector.ref(m);
  for (const r of resources) {
    collector.ref(r.schema);
    collector.ref(listSchema(r));
    // The subresources' paths reference their kinds too (ImageStreamLayers, SecretList).
    for (const sub of r.subresources) collector.ref(sub.schema);
  }
  const defs = collector.definitions;
  for (const r of resources) {
    const item = defs.get(definitionName(r.schema));
    if (item) item['x-kubernetes-group-version-kind'] = gvk(r.group, r.version, r.kind);
    const list = defs.get(definitionName(listSchema(r)));
    if (list) list['x-kubernetes-group-version-kind'] = gvk(r.group, r.version, r.listKind);
  }
  return defs;
}

export function buildOpenApiV3(resources: readonly ResourceInfo[]): OpenApiV3 {
  const byGv = new Map<string, ResourceInfo[]>();
  for (const r of resources) byGv.set(gvPath(r), [...(byGv.get(gvPath(r)) ?? []), r]);
  const docs = new Map<string, { body: string; hash: string }>();
  for (const [path, rs] of byGv) {
    const components = buildComponents(rs, '#/components/schemas/');
    const doc = {
      openapi: '3.0.0',
      info: { title: 'image-apiserver', version: path },
      paths: buildPaths(rs, { v3: true, listSchemaName: (r) => definitionName(listSchema(r)), statusRef: `#/components/schemas/${STATUS_REF}` }),
      components: { schemas: Object.fromEntries([...components.entries()].sort(([a], [b]) => a.localeCompare(b))) },
    };
    const body = JSON.stringify(doc);
    docs.set(path, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  const index = {
    paths: Object.fromEntries([...docs.entries()].map(([path, d]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${d.hash}` }])),
  };
  return { index: () => index, document: (p) => docs.get(p) };
}

export function buildOpenApiV2(resources: readonly ResourceInfo[]): string {
  const definitions = buildComponents(resources, '#/definitions/');
  return JSON.stringify({
    swagger: '2.0',
    info: { title: 'image-apiserver', version: 'v1' },
    paths: buildPaths(resources, { v3: false, listSchemaName: (r) => definitionName(listSchema(r)), statusRef: `#/definitions/${STATUS_REF}` }),
    definitions: Object.fromEntries([...definitions.entries()].map(([k, v]) => [k, stripNullable(v)])),
  });
}

/** Swagger 2.0 has no `nullable`; drop it. */
function stripNullable(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(stripNullable);
  if (s === null || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (k !== 'nullable') out[k] = stripNullable(v);
  return out;
}

export type { Verb };
