/**
 * Server-side apply: the applied configuration is the manager's whole intent. It merges into the
 * live object by the schema's list semantics, takes ownership of what it sets, conflicts (409) with
 * other managers that own a field it sets to a different value unless forced, and removes fields
 * this manager applied before but no longer does (when nobody else owns them).
 */
import type { TSchema } from '@sinclair/typebox';
import { ApiError, badRequest } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import { rfc3339 } from '../../api/object-meta.js';
import { describePath, fieldSetOf, keyElement, removeAt, SEP, valueAt } from './field-set.js';
import { isPlainObject } from './merge-patch.js';
import { readManagers, sameEntry, writeManagers, type ManagerSet } from './managed-fields.js';
import { childSchema, isAtomicMap, itemSchema, listType } from './schema-walk.js';

type Obj = Record<string, unknown>;

export interface ApplyArgs {
  readonly live: KubeObject | undefined;
  readonly applied: object;
  readonly manager: string;
  readonly force: boolean;
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly now: Date;
  readonly schema: TSchema;
}

function mergeValue(live: unknown, applied: unknown, schema: TSchema | undefined): unknown {
  if (Array.isArray(applied)) {
    const lt = listType(schema);
    if (lt.type === 'atomic' || !Array.isArray(live)) return structuredClone(applied);
    if (lt.type === 'set') {
      const out = [...live];
      for (const v of applied) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(structuredClone(v));
      return out;
    }
    const items = itemSchema(schema);
    const out = [...live];
    for (const item of applied) {
      if (!isPlainObject(item)) throw badRequest(`a list keyed by ${lt.keys.join(',')} may only hold objects`);
      const key = keyElement(item, lt.keys);
      const i = out.findIndex((o) => isPlainObject(o) && keyElement(o, lt.keys) === key);
      if (i >= 0) out[i] = mergeValue(out[i], item, items);
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (isPlainObject(applied) && isPlainObject(live) && !isAtomicMap(schema)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeValue(live[k], v, childSchema(schema, k));
    return out;
  }
  return structuredClone(applied);
}

function isItemPath(p: string): boolean {
  const last = p.slice(p.lastIndexOf(SEP) + 1);
  return last.startsWith('k:') || last.startsWith('v:');
}

function conflictError(conflicts: { manager: ManagerSet; path: string }[]): ApiError {
  const by = new Map<string, string[]>();
  for (const c of conflicts) {
    const who = `"${c.manager.manager}"${c.manager.operation === 'Update' ? ` using ${c.manager.apiVersion}` : ''}`;
    by.set(who, [...(by.get(who) ?? []), describePath(c.path)]);
  }
  const n = conflicts.length;
  const parts = [...by.entries()].map(([who, paths]) =>
    paths.length === 1 ? `conflict with ${who}: ${paths[0]}` : `conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
  );
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`,
    reason: 'Conflict',
    details: {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager.manager}"${c.manager.operation === 'Update' ? ` using ${c.manager.apiVersion}` : ''}`,
        field: describePath(c.path),
      })),
    },
    code: 409,
  });
}

export function applyServerSide(a: ApplyArgs): KubeObject {
  if (!isPlainObject(a.applied)) throw badRequest('an apply configuration must be an object');
  const applied = a.applied as KubeObject & Obj;
  const base: KubeObject = a.live
    ? structuredClone(a.live)
    : { apiVersion: applied.apiVersion ?? a.apiVersion, ...(applied.kind ? { kind: applied.kind } : {}), metadata: {} };
  const mine = fieldSetOf(applied, a.schema, a.subresource);
  const managers = readManagers(a.live);
  const previous = managers.find((m) => sameEntry(m, a.manager, 'Apply', a.subresource));
  const others = managers.filter((m) => m !== previous);

  const conflicts: { manager: ManagerSet; path: string }[] = [];
  for (const m of others) {
    for (const p of mine) {
      if (!m.set.has(p) || isItemPath(p)) continue;
      if (JSON.stringify(valueAt(a.live, p)) !== JSON.stringify(valueAt(applied, p))) conflicts.push({ manager: m, path: p });
    }
  }
  if (conflicts.length > 0 && !a.force) throw conflictError(conflicts);
  for (const c of conflicts) c.manager.set.delete(c.path);

  const { managedFields: _mf, ...appliedMeta } = (applied.metadata ?? {}) as KubeObject['metadata'];
  const merged = mergeValue(base, { ...applied, metadata: appliedMeta }, a.schema) as KubeObject;

  // Fields this manager applied before and dropped now are removed, unless someone else owns them.
  if (previous) {
    const ownedByOthers = new Set(others.flatMap((m) => [...m.set]));
    const dropped = [...previous.set].filter((p) => !mine.has(p) && !ownedByOthers.has(p));
    // Shallowest first: removing a list item takes its fields with it (their removal is then a no-op).
    for (const p of dropped.sort((x, y) => x.length - y.length)) removeAt(merged, p);
  }

  const entry: ManagerSet = {
    manager: a.manager,
    operation: 'Apply',
    apiVersion: a.apiVersion,
    ...(a.subresource ? { subresource: a.subresource } : {}),
    time: rfc3339(a.now),
    set: mine,
  };
  merged.metadata.managedFields = writeManagers([...others, entry]);
  return merged;
}
