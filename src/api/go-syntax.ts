/**
 * A value as Go's `%#v` prints it. apimachinery's field errors print a composite bad value (a
 * struct, slice or map) that way, so a message names the reference's Go types: a client that
 * compares messages sees `[]string{"/x"}`, not JSON. A validator wraps such a value in `GoValue`
 * with the Go type it has in the reference; plain strings, numbers and booleans need no wrapping.
 */

export type GoType =
  | 'string'
  | 'bool'
  | 'int'
  | 'time'
  | { readonly slice: GoType }
  | { readonly map: readonly [GoType, GoType] }
  | { readonly pointer: GoType }
  | GoStruct;

export interface GoStruct {
  /** Package-qualified as `%#v` prints it: `rbac.RoleRef`. */
  readonly struct: string;
  /** Go field name, JSON name, type; in declaration order. */
  readonly fields: readonly (readonly [string, string, GoType])[];
}

/** A bad value together with its Go type, for field errors. */
export class GoValue {
  constructor(
    readonly type: GoType,
    readonly value: unknown,
  ) {}
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Go's strconv.Quote: printable characters stay, the rest are escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (/\p{C}|\p{Zl}|\p{Zp}/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function typeName(t: GoType): string {
  if (typeof t === 'string') return t === 'time' ? 'v1.Time' : t;
  if ('slice' in t) return `[]${typeName(t.slice)}`;
  if ('map' in t) return `map[${typeName(t.map[0])}]${typeName(t.map[1])}`;
  if ('pointer' in t) return `*${typeName(t.pointer)}`;
  return t.struct;
}

function goTime(v: unknown): string {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  const args =
    d && !Number.isNaN(d.getTime())
      ? [
          d.getUTCFullYear(),
          `time.${MONTHS[d.getUTCMonth()]}`,
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
          d.getUTCMilliseconds() * 1e6,
        ]
      : [1, 'time.January', 1, 0, 0, 0, 0];
  return `v1.Time{Time:time.Date(${args.join(', ')}, time.UTC)}`;
}

/** `value` (decoded JSON) as `%#v` prints a Go value of type `t`. */
export function goSyntax(t: GoType, value: unknown): string {
  if (t === 'string') return goQuote(typeof value === 'string' ? value : '');
  if (t === 'bool') return value === true ? 'true' : 'false';
  if (t === 'int') return String(typeof value === 'number' ? Math.trunc(value) : 0);
  if (t === 'time') return goTime(value);
  if ('pointer' in t) {
    // Only a nil pointer prints portably; a set one prints an address, which no client can compare.
    return value === undefined || value === null ? `(${typeName(t)})(nil)` : `&${goSyntax(t.pointer, value)}`;
  }
  if ('slice' in t) {
    if (!Array.isArray(value)) return `${typeName(t)}(nil)`;
    return `${typeName(t)}{${value.map((el) => goSyntax(t.slice, el)).join(', ')}}`;
  }
  if ('map' in t) {
    if (value === null || typeof value !== 'object') return `${typeName(t)}(nil)`;
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${typeName(t)}{${entries.map(([k, v]) => `${goSyntax(t.map[0], k)}:${goSyntax(t.map[1], v)}`).join(', ')}}`;
  }
  const obj = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return `${t.struct}{${t.fields.map(([goName, json, ft]) => `${goName}:${goSyntax(ft, obj[json])}`).join(', ')}}`;
}

/** A bad value as apimachinery's field.Error prints it, the value dereferenced when it is a pointer. */
export function goBadValue(v: GoValue): string {
  const t = v.type;
  if (typeof t === 'object' && 'pointer' in t) {
    return v.value === undefined || v.value === null ? '"null"' : goBadValue(new GoValue(t.pointer, v.value));
  }
  return goSyntax(t, v.value);
}
