/**
 * Decoding a request object against its kind's schema, as kube-apiserver's decoder does:
 * JSON `null` is the zero value (absent) unless the schema allows null; fields the schema does not
 * know are unknown fields (400 under Strict, a warning under Warn, dropped silently under Ignore);
 * a value of the wrong type is a 400 naming the field. Ajv checks the types; the walk here prunes
 * nulls and unknown fields first, so validation sees what would be stored.
 */
import type { TSchema } from '@sinclair/typebox';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { badRequest } from './errors.js';

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

export interface DecodeOptions {
  readonly fieldValidation: FieldValidationMode;
  /** Paths of keys that appeared twice in the request text (see findDuplicateKeys). */
  readonly duplicateFields?: readonly string[];
  /** `{kind, version}` for messages: `ImageStream in version "v1" cannot be handled as a ImageStream: …`. */
  readonly what?: { readonly kind: string; readonly version: string };
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
addFormats(ajv);
const compiled = new WeakMap<TSchema, ValidateFunction>();

function validatorFor(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function allowsNull(schema: TSchema | undefined): boolean {
  if (!schema) return true;
  if (schema['nullable'] === true || schema.type === 'null') return true;
  if (Array.isArray(schema.type) && (schema.type as string[]).includes('null')) return true;
  const branches = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (branches) return branches.some(allowsNull);
  // A schema without a type accepts anything (RawExtension, free-form).
  return schema.type === undefined && !schema.properties && !schema.items;
}

/** The schema for a property of an object schema, or undefined when the property is unknown. */
function propertySchema(schema: TSchema, key: string): TSchema | undefined | 'free' {
  const props = schema.properties as Record<string, TSchema> | undefined;
  if (props && Object.hasOwn(props, key)) return props[key];
  const pattern = schema.patternProperties as Record<string, TSchema> | undefined;
  if (pattern) return Object.values(pattern)[0];
  const additional = schema.additionalProperties as TSchema | boolean | undefined;
  if (typeof additional === 'object') return additional;
  if (additional === true) return 'free';
  if (!props && schema.type === undefined) return 'free';
  return undefined;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Removes nulls the schema does not allow and unknown fields; records the unknown paths. */
function prune(schema: TSchema | undefined, value: Json, path: string, unknown: string[]): void {
  if (!schema || value === null || typeof value !== 'object') return;
  const branches = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (branches) {
    const objectBranch = branches.find((b) => (Array.isArray(value) ? b.type === 'array' : b.type === 'object'));
    prune(objectBranch, value, path, unknown);
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items as TSchema | undefined;
    value.forEach((el, i) => prune(items, el, `${path}[${i}]`, unknown));
    return;
  }
  if (schema.type !== 'object' && !schema.properties) return;
  for (const key of Object.keys(value)) {
    const child = propertySchema(schema, key);
    if (child === 'free') continue;
    const childPath = joinPath(path, key);
    if (child === undefined) {
      unknown.push(childPath);
      delete value[key];
      continue;
    }
    const v = value[key] as Json;
    if (v === null && !allowsNull(child)) {
      delete value[key];
      continue;
    }
    prune(child, v, childPath, unknown);
  }
}

function ajvPath(e: ErrorObject): string {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out = /^[0-9]+$/.test(p) ? `${out}[${p}]` : joinPath(out, p);
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const p of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function describeError(root: unknown, e: ErrorObject): string {
  const path = ajvPath(e) || '<root>';
  if (e.keyword === 'type') {
    return `${path}: expected ${String((e.params as { type: string }).type)}, got ${typeName(valueAt(root, e.instancePath))}`;
  }
  if (e.keyword === 'format') return `${path}: invalid ${String((e.params as { format: string }).format)} value`;
  if (e.keyword === 'required') return `${joinPath(ajvPath(e), String((e.params as { missingProperty: string }).missingProperty))}: required value missing`;
  return `${path}: ${e.message ?? 'invalid value'}`;
}

/** The value Go's decoder leaves in a field the body does not name (its type's zero value). */
function zeroValue(schema: TSchema): Json | undefined {
  if (allowsNull(schema) && schema.type !== 'object') return null;
  switch (schema.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    // A nil slice or map: empty here, so the object still has the shape its schema declares.
    case 'array':
      return [];
    case 'object': {
      const obj: { [k: string]: Json } = {};
      fillRequired(schema, obj);
      return obj;
    }
    default:
      return undefined;
  }
}

/**
 * Gives every required field the body left out its zero value, as Go's decoder does: a body of the
 * right types decodes, and the kind's validation then says what is missing (422), as the reference's
 * does, instead of the decoder refusing it (400).
 */
function fillRequired(schema: TSchema | undefined, value: Json): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (schema.anyOf || schema.oneOf) {
    const branches = (schema.anyOf ?? schema.oneOf) as TSchema[];
    fillRequired(
      branches.find((b) => (Array.isArray(value) ? b.type === 'array' : b.type === 'object')),
      value,
    );
    return;
  }
  if (Array.isArray(value)) {
    for (const el of value) fillRequired(schema.items as TSchema | undefined, el);
    return;
  }
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  for (const key of (schema.required ?? []) as string[]) {
    const child = props[key];
    if (child && !(key in value)) {
      const zero = zeroValue(child);
      if (zero !== undefined) value[key] = zero;
    }
  }
  for (const [key, v] of Object.entries(value)) {
    const child = propertySchema(schema, key);
    if (child && child !== 'free') fillRequired(child, v);
  }
}

export function decodeObject(schema: TSchema, raw: unknown, opts: DecodeOptions): { object: unknown; warnings: string[] } {
  const object = structuredClone(raw) as Json;
  const unknown: string[] = [];
  prune(schema, object, '', unknown);
  const duplicates = opts.duplicateFields ?? [];
  const warnings: string[] = [];
  if (opts.fieldValidation === 'Strict' && (unknown.length || duplicates.length)) {
    const problems = [...duplicates.map((d) => `duplicate field "${d}"`), ...unknown.map((u) => `unknown field "${u}"`)];
    throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  }
  if (opts.fieldValidation === 'Warn') {
    for (const d of duplicates) warnings.push(`duplicate field "${d}"`);
    for (const u of unknown) warnings.push(`unknown field "${u}"`);
  }
  const validate = validatorFor(schema);
  // Fields left out decode to their zero values, and the kind's validation judges them; what still
  // does not fit the schema (a wrong type) cannot be decoded.
  if (!validate(object)) fillRequired(schema, object);
  if (!validate(object)) {
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
    const detail = [...new Set(errors.map((e) => describeError(object, e)))].join('; ');
    const prefix = opts.what ? `${opts.what.kind} in version "${opts.what.version}" cannot be handled as a ${opts.what.kind}: ` : '';
    throw badRequest(`${prefix}${detail}`);
  }
  return { object, warnings };
}

/**
 * Paths of object keys that occur twice in a JSON text (`metadata.name`, `spec.tags[0].from`).
 * A small scanner: JSON.parse silently keeps the last duplicate, kube-apiserver reports them.
 * Returns [] for text that is not JSON (YAML bodies are checked by the YAML parser).
 */
export function findDuplicateKeys(text: string): string[] {
  const s = text.trimStart();
  if (!s.startsWith('{') && !s.startsWith('[')) return [];
  interface Frame {
    kind: 'object' | 'array';
    path: string;
    keys: Set<string>;
    index: number;
    key?: string;
  }
  const stack: Frame[] = [];
  const dups: string[] = [];
  let expectKey = false;
  const childPath = (f: Frame | undefined): string => (!f ? '' : f.kind === 'array' ? `${f.path}[${f.index}]` : joinPath(f.path, f.key ?? ''));
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      let j = i + 1;
      let str = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\') {
          str += s.slice(j, j + 2);
          j += 2;
        } else str += s[j++];
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        let key = str;
        try {
          key = JSON.parse(`"${str}"`) as string;
        } catch {
          /* keep raw */
        }
        if (top.keys.has(key)) dups.push(joinPath(top.path, key));
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      stack.push({ kind: c === '{' ? 'object' : 'array', path: childPath(parent), keys: new Set(), index: 0 });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top) top.index++;
    }
  }
  return dups;
}
