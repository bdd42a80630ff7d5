/**
 * Which fields an answer carries, as the Go types' `json` tags decide: a field without `omitempty`
 * is always there (its zero value, or null for a pointer, slice or map), an `omitempty` field is
 * absent when empty. Each API group declares its types' rules in one table, by definition name,
 * and every object a client receives is shaped by it on the way out, whichever handler built it.
 */
import type { TSchema } from '@sinclair/typebox';
import { DEFINITION_NAME } from './meta.js';

type Zero = null | string | number | boolean;

export interface PresenceRule {
  /** Fields without omitempty, and the value they have when unset. */
  readonly always?: Readonly<Record<string, Zero>>;
  /** Fields with omitempty on a value that can be empty (string, number, bool, slice, map). */
  readonly omitEmpty?: readonly string[];
  /** Fields with omitempty on a pointer to a struct: absent only when nil (an empty struct stays). */
  readonly omitNil?: readonly string[];
  /**
   * Struct-valued fields (not pointers): Go always writes them, `omitempty` or not, so an unset one
   * is `{}` and then gets its own type's rules.
   */
  readonly structs?: readonly string[];
}

/** Rules by definition name (`com.github.openshift.api.image.v1.TagReference`). */
export type PresenceTable = Readonly<Record<string, PresenceRule>>;

/** ObjectMeta's rules, which every kind shares. */
export const OBJECT_META_PRESENCE: PresenceTable = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { omitEmpty: ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'] },
};

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** Shapes `value` (mutated) by the rules of every type its schema names, at any depth. */
export function applyPresence(schema: TSchema | undefined, value: unknown, table: PresenceTable): void {
  if (!schema || value === null || typeof value !== 'object') return;
  const branches = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (branches) {
    applyPresence(
      branches.find((b) => (Array.isArray(value) ? b.type === 'array' : b.type === 'object')),
      value,
      table,
    );
    return;
  }
  if (Array.isArray(value)) {
    for (const el of value) applyPresence(schema.items as TSchema | undefined, el, table);
    return;
  }
  const obj = value as Record<string, unknown>;
  const rule = table[String(schema[DEFINITION_NAME] ?? '')];
  if (rule) {
    for (const [field, zero] of Object.entries(rule.always ?? {})) if (!(field in obj) || obj[field] === undefined) obj[field] = zero;
    for (const field of rule.structs ?? []) if (obj[field] === undefined || obj[field] === null) obj[field] = {};
    for (const field of rule.omitEmpty ?? []) if (field in obj && isEmpty(obj[field])) delete obj[field];
    for (const field of rule.omitNil ?? []) if (field in obj && (obj[field] === null || obj[field] === undefined)) delete obj[field];
  }
  const props = schema.properties as Record<string, TSchema> | undefined;
  if (props) {
    for (const [key, child] of Object.entries(props)) if (key in obj) applyPresence(child, obj[key], table);
  }
  // Maps: TypeBox writes a record's values as patternProperties, JSON Schema as additionalProperties.
  const pattern = schema.patternProperties as Record<string, TSchema> | undefined;
  const additional = schema.additionalProperties;
  const valueSchema = pattern ? Object.values(pattern)[0] : additional && typeof additional === 'object' ? (additional as TSchema) : undefined;
  if (valueSchema && !props) for (const v of Object.values(obj)) applyPresence(valueSchema, v, table);
}
