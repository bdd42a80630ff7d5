/**
 * Query parameters of the Kubernetes API (ListOptions, WatchOptions, CreateOptions/UpdateOptions/
 * PatchOptions, DeleteOptions) parsed and checked; bad values are 400 with a message naming them.
 */
import { goQuote } from '../../api/go-syntax.js';
import { badRequest, fieldErr, invalid, type FieldError } from '../../api/errors.js';
import { parseFieldSelector } from '../../api/selectors/field-selector.js';
import { parseLabelSelector } from '../../api/selectors/label-selector.js';
import type { FieldValidation } from '../generic/handler.js';
import type { WatchOptions } from '../generic/resource-store.js';

function single(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null ? undefined : v;
}

/**
 * A boolean query parameter as apimachinery converts it: absent is false, `0` and `false` (any
 * case) are false, anything else, the empty string included, is true; a repeated one counts by its
 * first value. Clients rely on it: the Python client sends `watch=True`.
 */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

const bool = queryBool;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An integer query parameter as apimachinery converts it (strconv.ParseInt of the first value,
 * base 10): an optional sign and decimal digits, within int64. Anything else is 400 with Go's
 * own message, which clients have seen for years. Negative values are valid; each use decides
 * what they mean, as kube-apiserver does.
 */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?[0-9]+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`);
  return Number(n);
}

export function parseWatchOptions(q: URLSearchParams, selectableFields: ReadonlySet<string>): WatchOptions & { timeoutSeconds?: number } {
  const opts: { -readonly [K in keyof WatchOptions]: WatchOptions[K] } & { timeoutSeconds?: number } = {};
  const ls = single(q, 'labelSelector');
  if (ls) opts.labelSelector = parseLabelSelector(ls);
  const fs = single(q, 'fieldSelector');
  if (fs) opts.fieldSelector = parseFieldSelector(fs, selectableFields);
  // A limit of zero or less means no limit.
  const limit = queryInt(q, 'limit');
  if (limit !== undefined && limit > 0) opts.limit = limit;
  const cont = single(q, 'continue');
  if (cont) opts.continue = cont;
  const rv = single(q, 'resourceVersion');
  if (rv !== undefined && rv !== '') opts.resourceVersion = rv;
  const rvm = single(q, 'resourceVersionMatch');
  if (rvm) {
    if (rvm !== 'Exact' && rvm !== 'NotOlderThan')
      throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [fieldErr.notSupported('resourceVersionMatch', rvm, ['Exact', 'NotOlderThan'])]);
    opts.resourceVersionMatch = rvm;
  }
  if (cont && rv && rv !== '0')
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      fieldErr.forbidden('resourceVersion', 'specifying resource version is not allowed when using continue'),
    ]);
  const sie = single(q, 'sendInitialEvents');
  if (sie !== undefined) opts.sendInitialEvents = bool(q, 'sendInitialEvents');
  opts.allowWatchBookmarks = bool(q, 'allowWatchBookmarks');
  const timeout = queryInt(q, 'timeoutSeconds');
  if (timeout !== undefined) opts.timeoutSeconds = timeout;
  return opts;
}

export function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  const errs: FieldError[] = [];
  for (const v of values) if (v !== 'All') errs.push(fieldErr.notSupported('dryRun', v, ['All']));
  if (errs.length) throw badRequestFromFieldErrors(errs);
  return values.length > 0;
}

export function parseFieldValidation(q: URLSearchParams): FieldValidation {
  const v = single(q, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(v)}`);
}

export function parseFieldManager(q: URLSearchParams): string | undefined {
  const v = single(q, 'fieldManager');
  if (v === undefined) return undefined;
  if (v.length > 128) throw badRequestFromFieldErrors([fieldErr.tooLong('fieldManager', v, 128)]);
  return v;
}

export function parseForce(q: URLSearchParams): boolean {
  return bool(q, 'force');
}

/** kubectl and client libraries identify themselves by User-Agent; k8s derives a default manager from it. */
export function defaultFieldManager(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const name = ua.split('/')[0] ?? '';
  return name.length > 0 ? name.slice(0, 128) : 'unknown';
}

function badRequestFromFieldErrors(errs: FieldError[]) {
  const err = invalid({ group: 'meta.k8s.io', kind: 'Options' }, '', errs);
  err.status.code = 400;
  err.status.reason = 'BadRequest';
  return err;
}
