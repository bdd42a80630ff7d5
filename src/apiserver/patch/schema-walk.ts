/**
 * Navigation of a kind's JSON schema for the patch algorithms: the schema of a field or a list
 * item, and the list semantics declared by the Kubernetes extensions.
 */
import type { TSchema } from '@sinclair/typebox';

function unwrap(s: TSchema | undefined): TSchema | undefined {
  if (!s) return undefined;
  const branches = (s.anyOf ?? s.oneOf) as TSchema[] | undefined;
  if (branches) return branches.find((b) => b.type === 'object' || b.type === 'array') ?? s;
  return s;
}

export function childSchema(schema: TSchema | undefined, key: string): TSchema | undefined {
  const s = unwrap(schema);
  if (!s) return undefined;
  const props = s.properties as Record<string, TSchema> | undefined;
  if (props?.[key]) return unwrap(props[key]);
  const pattern = s.patternProperties as Record<string, TSchema> | undefined;
  if (pattern) return unwrap(Object.values(pattern)[0]);
  if (typeof s.additionalProperties === 'object') return unwrap(s.additionalProperties as TSchema);
  return undefined;
}

export function itemSchema(schema: TSchema | undefined): TSchema | undefined {
  return unwrap(unwrap(schema)?.items as TSchema | undefined);
}

export function patchStrategies(schema: TSchema | undefined): string[] {
  const s = unwrap(schema)?.['x-kubernetes-patch-strategy'];
  return typeof s === 'string' ? s.split(',').map((x) => x.trim()) : [];
}

export function patchMergeKey(schema: TSchema | undefined): string | undefined {
  const k = unwrap(schema)?.['x-kubernetes-patch-merge-key'];
  return typeof k === 'string' ? k : undefined;
}

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** Server-side apply list semantics: list-type, else the SMP merge strategy, else atomic. */
export function listType(schema: TSchema | undefined): ListType {
  const s = unwrap(schema);
  const t = s?.['x-kubernetes-list-type'];
  const keys = s?.['x-kubernetes-list-map-keys'];
  if (t === 'map' && Array.isArray(keys)) return { type: 'map', keys: keys as string[] };
  if (t === 'set') return { type: 'set' };
  if (t === 'atomic') return { type: 'atomic' };
  if (patchStrategies(s).includes('merge')) {
    const key = patchMergeKey(s);
    return key ? { type: 'map', keys: [key] } : { type: 'set' };
  }
  return { type: 'atomic' };
}

/** A map whose entries are owned as one value (`x-kubernetes-map-type: atomic`). */
export function isAtomicMap(schema: TSchema | undefined): boolean {
  return unwrap(schema)?.['x-kubernetes-map-type'] === 'atomic';
}
