/**
 * Our TypeBox schemas → OpenAPI component schemas, shaped like kube-openapi's: nested named types
 * become `allOf: [{$ref}]` references collected once, unions with null become `nullable`, maps
 * become `additionalProperties`, and the Kubernetes extensions (patch strategy, list type) stay.
 */
import type { TSchema } from '@sinclair/typebox';
import { DEFINITION_DESCRIPTION, DEFINITION_NAME } from '../../api/meta.js';

export type JsonSchema = Record<string, unknown>;

export interface SchemaCollector {
  /** The definitions collected so far, by definition name. */
  readonly definitions: Map<string, JsonSchema>;
  /** Converts a schema; a named one is collected and answered as a reference. */
  ref(schema: TSchema): JsonSchema;
}

const DROP = new Set([DEFINITION_NAME, DEFINITION_DESCRIPTION, '$id', 'patternProperties']);

export function createCollector(refPrefix: string): SchemaCollector {
  const definitions = new Map<string, JsonSchema>();

  const convert = (schema: TSchema): JsonSchema => {
    const branches = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
    if (branches) {
      const nonNull = branches.filter((b) => b.type !== 'null');
      if (nonNull.length === 1) {
        const inner = ref(nonNull[0] as TSchema);
        const description = schema.description ?? (inner['description'] as string | undefined);
        return { ...inner, ...(description ? { description } : {}), nullable: true };
      }
    }
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(schema)) {
      if (DROP.has(k)) continue;
      if (k === 'properties') {
        const props: JsonSchema = {};
        for (const [name, p] of Object.entries(v as Record<string, TSchema>)) props[name] = ref(p);
        out['properties'] = props;
      } else if (k === 'items') {
        out['items'] = ref(v as TSchema);
      } else if (k === 'additionalProperties' && typeof v === 'object') {
        out['additionalProperties'] = ref(v as TSchema);
      } else if (k === 'anyOf' || k === 'oneOf') {
        out[k] = (v as TSchema[]).map(ref);
      } else {
        out[k] = v;
      }
    }
    const pattern = schema.patternProperties as Record<string, TSchema> | undefined;
    if (pattern) {
      const first = Object.values(pattern)[0];
      if (first) out['additionalProperties'] = ref(first);
    }
    if (Array.isArray(out['required']) && (out['required'] as unknown[]).length === 0) delete out['required'];
    return out;
  };

  const ref = (schema: TSchema): JsonSchema => {
    const name = schema[DEFINITION_NAME] as string | undefined;
    if (!name) return convert(schema);
    const typeDescription = (schema[DEFINITION_DESCRIPTION] as string | undefined) ?? '';
    if (!definitions.has(name)) {
      definitions.set(name, {}); // placeholder first: recursive types terminate
      const def = convert(schema);
      if (typeDescription) def['description'] = typeDescription;
      else delete def['description'];
      definitions.set(name, def);
    }
    // A field's own description goes beside the reference; the type's description lives in the definition.
    const own = schema.description && schema.description !== typeDescription ? { description: schema.description } : {};
    return { ...own, allOf: [{ $ref: `${refPrefix}${name}` }] };
  };

  return { definitions, ref };
}

export function definitionName(schema: TSchema): string {
  return String(schema[DEFINITION_NAME] ?? '');
}
