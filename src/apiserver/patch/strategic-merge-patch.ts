/**
 * Kubernetes strategic merge patch, driven by the kind's schema: maps merge recursively and `null`
 * deletes; a list merges only where the schema says `x-kubernetes-patch-strategy: merge` (lists of
 * maps by `x-kubernetes-patch-merge-key`, lists of primitives as sets) and is replaced otherwise.
 * Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
 * `$setElementOrder/<f>`. No npm package implements this; it follows the SMP design document.
 */
import type { TSchema } from '@sinclair/typebox';
import { badRequest } from '../../api/errors.js';
import { isPlainObject } from './merge-patch.js';
import { childSchema, itemSchema, patchMergeKey, patchStrategies } from './schema-walk.js';

type Obj = Record<string, unknown>;

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** A patch value with its directives removed, as it lands in the object when nothing merges. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isPlainObject(e) && e['$patch'] !== undefined && Object.keys(e).length === 1)).map(clean);
  if (!isPlainObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = clean(x);
  }
  return out;
}

function directive(patch: Obj): string | undefined {
  const d = patch['$patch'];
  if (d === undefined) return undefined;
  if (d !== 'replace' && d !== 'delete' && d !== 'merge') throw badRequest(`unknown patch type: ${JSON.stringify(d)} in strategic merge patch`);
  return d;
}

function sameKey(a: unknown, b: unknown, key: string): boolean {
  return isPlainObject(a) && isPlainObject(b) && JSON.stringify(a[key]) === JSON.stringify(b[key]);
}

function mergeList(original: unknown, patch: unknown[], schema: TSchema | undefined): unknown[] {
  const base = Array.isArray(original) ? [...original] : [];
  const key = patchMergeKey(schema);
  const items = itemSchema(schema);
  if (patch.some((e) => isPlainObject(e) && e['$patch'] === 'replace')) return clean(patch) as unknown[];
  if (!key || !patch.every(isPlainObject)) {
    // A set of primitives: union, original order first.
    const out = [...base];
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(clean(v));
    return out;
  }
  for (const el of patch as Obj[]) {
    if (!(key in el)) throw badRequest(`map: ${JSON.stringify(el)} does not contain declared merge key: ${key}`);
    const i = base.findIndex((o) => sameKey(o, el, key));
    if (el['$patch'] === 'delete') {
      if (i >= 0) base.splice(i, 1);
      continue;
    }
    if (i >= 0) base[i] = mergeObject(base[i] as Obj, el, items);
    else base.push(mergeObject({}, el, items));
  }
  return base;
}

function order(list: unknown[], orderList: unknown[], key: string | undefined): unknown[] {
  const id = (v: unknown) => JSON.stringify(key && isPlainObject(v) ? v[key] : v);
  const rank = new Map(orderList.map((v, i) => [id(v), i]));
  const known = list.filter((v) => rank.has(id(v))).sort((a, b) => (rank.get(id(a)) ?? 0) - (rank.get(id(b)) ?? 0));
  return [...known, ...list.filter((v) => !rank.has(id(v)))];
}

function mergeObject(original: Obj, patch: Obj, schema: TSchema | undefined): Obj {
  const d = directive(patch);
  if (d === 'replace') return clean(patch) as Obj;
  const out: Obj = { ...original };
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list of field names');
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (k.startsWith('$')) throw badRequest(`unknown directive ${JSON.stringify(k)} in strategic merge patch`);
    const field = childSchema(schema, k);
    if (v === null) {
      delete out[k];
    } else if (isPlainObject(v)) {
      if (directive(v) === 'delete') delete out[k];
      else out[k] = mergeObject(isPlainObject(out[k]) ? (out[k] as Obj) : {}, v, field);
    } else if (Array.isArray(v)) {
      out[k] = patchStrategies(field).includes('merge') ? mergeList(out[k], v, field) : clean(v);
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const f = k.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
      if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
    } else if (k.startsWith(SET_ORDER)) {
      const f = k.slice(SET_ORDER.length);
      if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
      if (Array.isArray(out[f])) out[f] = order(out[f] as unknown[], v, patchMergeKey(childSchema(schema, f)));
    }
  }
  return out;
}

export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: TSchema): unknown {
  if (!isPlainObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  return mergeObject(isPlainObject(doc) ? doc : {}, patch, schema);
}
