/**
 * Field sets of server-side apply: which fields of an object a manager owns, as a set of paths,
 * and their FieldsV1 wire encoding (`{"f:spec":{"f:tags":{"k:{\"name\":\"a\"}":{".":{},"f:from":{}}}}}`).
 * A path element is `f:<field>`, `k:<json of the list-map key fields>`, `v:<json of a set value>`
 * or `i:<index>`; a path is its elements joined with NUL, so sets are plain Set<string>.
 */
import type { TSchema } from '@sinclair/typebox';
import { isPlainObject } from './merge-patch.js';
import { childSchema, isAtomicMap, itemSchema, listType } from './schema-walk.js';

export const SEP = '\u0000';
export type FieldSet = Set<string>;

/** Fields the server owns; never part of any manager's set. */
const IGNORED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export function keyElement(item: Record<string, unknown>, keys: readonly string[]): string {
  const k: Record<string, unknown> = {};
  for (const key of [...keys].sort()) k[key] = item[key];
  return `k:${JSON.stringify(k)}`;
}

/**
 * The set of paths present in `obj`: leaves, plus list-map and set items themselves.
 * `subresource` limits it: the main resource never tracks `status`, the status subresource only it.
 */
export function fieldSetOf(obj: unknown, schema: TSchema, subresource?: string): FieldSet {
  const out: FieldSet = new Set();
  if (!isPlainObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (subresource === 'status' ? k !== 'status' : k === 'status') continue;
    if (k === 'metadata' && isPlainObject(v)) {
      const meta: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!IGNORED_METADATA.has(mk)) meta[mk] = mv;
      walk(meta, childSchema(schema, 'metadata'), [`f:metadata`], out);
      continue;
    }
    walk(v, childSchema(schema, k), [`f:${k}`], out);
  }
  return out;
}

function walk(v: unknown, schema: TSchema | undefined, path: string[], out: FieldSet): void {
  if (Array.isArray(v)) {
    const lt = listType(schema);
    if (lt.type === 'atomic' || v.length === 0) {
      out.add(path.join(SEP));
      return;
    }
    const items = itemSchema(schema);
    for (const item of v) {
      if (lt.type === 'set' || !isPlainObject(item)) {
        out.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
        continue;
      }
      const itemPath = [...path, keyElement(item, lt.keys)];
      out.add(itemPath.join(SEP));
      for (const [k, x] of Object.entries(item)) walk(x, childSchema(items, k), [...itemPath, `f:${k}`], out);
    }
    return;
  }
  if (isPlainObject(v) && !isAtomicMap(schema)) {
    // An empty map sets nothing, so it owns nothing (and cannot conflict).
    for (const [k, x] of Object.entries(v)) walk(x, childSchema(schema, k), [...path, `f:${k}`], out);
    return;
  }
  out.add(path.join(SEP));
}

/** The value at a path, or undefined when the object does not have it. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const el of path.split(SEP)) {
    if (el.startsWith('f:')) {
      if (!isPlainObject(cur)) return undefined;
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      cur = cur.find((it) => isPlainObject(it) && Object.entries(key).every(([k, v]) => JSON.stringify(it[k]) === JSON.stringify(v)));
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = el.slice(2);
      cur = cur.find((it) => JSON.stringify(it) === want);
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field or list item at a path (no-op when absent); empties left behind are removed too. */
export function removeAt(obj: unknown, path: string): void {
  const els = path.split(SEP);
  const parents: unknown[] = [];
  let cur: unknown = obj;
  for (const el of els.slice(0, -1)) {
    parents.push(cur);
    cur = valueAt(cur, el);
    if (cur === undefined) return;
  }
  const last = els[els.length - 1] as string;
  if (last.startsWith('f:') && isPlainObject(cur)) delete cur[last.slice(2)];
  else if (Array.isArray(cur)) {
    const target = valueAt(cur, last);
    const i = cur.indexOf(target);
    if (i >= 0) cur.splice(i, 1);
  }
}

// FieldsV1 encoding ------------------------------------------------------------------------------

type Tree = { [element: string]: Tree };

export function toFieldsV1(set: FieldSet): Tree {
  const root: Tree = {};
  for (const path of [...set].sort()) {
    let node = root;
    const els = path.split(SEP);
    for (const el of els) node = node[el] ??= {};
    // A list item that is itself owned is marked with ".".
    const last = els[els.length - 1] ?? '';
    if (last.startsWith('k:')) node['.'] ??= {};
  }
  return root;
}

export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const visit = (node: unknown, path: string[]) => {
    if (!isPlainObject(node)) return;
    const children = Object.keys(node).filter((k) => k !== '.');
    if (path.length > 0 && (children.length === 0 || '.' in node)) out.add(path.join(SEP));
    for (const c of children) visit(node[c], [...path, c]);
  };
  visit(tree, []);
  return out;
}

/** `.spec.tags[name="latest"].from.name`: a path as kube-apiserver prints it in conflict messages. */
export function describePath(path: string): string {
  let out = '';
  for (const el of path.split(SEP)) {
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}
