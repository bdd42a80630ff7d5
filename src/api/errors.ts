/**
 * API errors: every failure a client sees is a Kubernetes `Status`. Constructors reproduce the
 * apimachinery messages byte for byte, because clients (and kubectl's output) compare them.
 */
import { GoValue, goBadValue, goQuote } from './go-syntax.js';

export const REASON_CODE = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  RequestHeaderFieldsTooLarge: 431,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  ServerTimeout: 504,
  Timeout: 504,
} as const;
export type Reason = keyof typeof REASON_CODE;

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: Reason | '';
  details?: StatusDetails;
  code: number;
}

/** Identifies a resource in messages: `imagestreams.image.openshift.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: Status,
    options?: { cause?: unknown },
  ) {
    super(status.message ?? status.reason ?? 'error', options);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): Reason | '' {
    return this.status.reason ?? '';
  }
}

function failure(reason: Reason, message: string, details?: StatusDetails, code: number = REASON_CODE[reason]): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new ApiError(status);
}

export function isApiError(err: unknown, reason?: Reason): err is ApiError {
  return err instanceof ApiError && (reason === undefined || err.status.reason === reason);
}

export const notFound = (gr: GroupResource, name: string): ApiError =>
  failure('NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource });

/** An address no resource is served at (kube-apiserver's answer for unregistered paths). */
export const pathNotFound = (): ApiError => failure('NotFound', 'the server could not find the requested resource', {});

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  failure('AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });

export const conflict = (gr: GroupResource, name: string, why: string, causes?: StatusCause[]): ApiError =>
  failure('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, {
    name,
    group: gr.group,
    kind: gr.resource,
    ...(causes ? { causes } : {}),
  });

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export const badRequest = (message: string, causes?: StatusCause[]): ApiError => failure('BadRequest', message, causes ? { causes } : undefined);

export const forbidden = (gr: GroupResource, name: string, why: string): ApiError =>
  failure('Forbidden', `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });

export const unauthorized = (message = 'Unauthorized'): ApiError => failure('Unauthorized', message);

/** A denied request, with the authorizer's own message (it names user, verb, resource and scope). */
export const accessDenied = (message: string, details?: { name?: string; group?: string; kind?: string }): ApiError =>
  failure('Forbidden', message, details ?? {});

export const methodNotAllowed = (method: string, what: string): ApiError => failure('MethodNotAllowed', `${method} is not supported on ${what}`);

export const notAcceptable = (message: string): ApiError => failure('NotAcceptable', message);

export const unsupportedMediaType = (accepted: readonly string[]): ApiError =>
  failure('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);

export const requestEntityTooLarge = (limitBytes: number): ApiError =>
  failure('RequestEntityTooLarge', `the request body is larger than the maximum of ${limitBytes} bytes`);

/** The store refused an object this large (etcd's 1.5 MiB request limit), as kube-apiserver reports it. */
export const storedObjectTooLarge = (message: string): ApiError => failure('RequestEntityTooLarge', `Request entity too large: ${message}`);

export const expired = (message: string): ApiError => failure('Expired', message);

export const tooManyRequests = (message: string, retryAfterSeconds: number): ApiError => failure('TooManyRequests', message, { retryAfterSeconds });

export const internalError = (message: string, cause?: unknown): ApiError => {
  const err = failure('InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause });
  return err;
};

export const serviceUnavailable = (message: string, retryAfterSeconds?: number): ApiError =>
  failure('ServiceUnavailable', message, retryAfterSeconds ? { retryAfterSeconds } : undefined);

/** Requests Node's HTTP parser refuses before any route sees them. */
export const requestHeadersTooLarge = (limitKiB: number): ApiError =>
  failure('RequestHeaderFieldsTooLarge', `the request headers exceed the maximum size of ${limitKiB} KiB`);
export const requestNotReceived = (seconds: number): ApiError => failure('Timeout', `the request was not received in time (${seconds} s)`, undefined, 408);
export const malformedRequest = (): ApiError => failure('BadRequest', 'the request is not valid HTTP');

/** A request that ran past `--request-timeout` (kube-apiserver answers the same 504). */
export const requestTimedOut = (seconds: number): ApiError =>
  failure('Timeout', `request did not complete within the allowed duration of ${seconds}s`, { retryAfterSeconds: 1 });

// ---------------------------------------------------------------------------------------------
// Field errors, shaped as apimachinery's: validation returns lists of these;
// the registry turns a non-empty list into one 422 Invalid.

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  /** Dotted path as Kubernetes prints it: `spec.tags[0].from.name`, `metadata.labels[app]`. */
  field: string;
  /** The offending value (omitted for Required/Forbidden/TooMany/Internal in messages). */
  value?: unknown;
  detail: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/**
 * A bad value as apimachinery's field.Error prints it: strings quoted, numbers and booleans bare,
 * nil as the quoted string "null", and a composite value as Go's `%#v` of its reference type.
 */
function renderValue(v: unknown): string {
  if (v instanceof GoValue) return goBadValue(v);
  if (v === null || v === undefined) return '"null"';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** `spec.tags[0].name: Invalid value: "x": must be ...` — the text of one field error. */
export function fieldErrorMessage(e: FieldError): string {
  const head = e.field ? `${e.field}: ` : '';
  const omitValue =
    e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || e.type === 'InternalError' || !('value' in e);
  const body = omitValue ? `${TYPE_TEXT[e.type]}` : `${TYPE_TEXT[e.type]}: ${renderValue(e.value)}`;
  return e.detail ? `${head}${body}: ${e.detail}` : `${head}${body}`;
}

export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail }),
  notSupported: (field: string, value: unknown, valid: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    value,
    detail: `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, value, detail: '' }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value, detail: '' }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field,
    value,
    detail: `must have at most ${max} bytes`,
  }),
  internal: (field: string, err: Error | string): FieldError => ({
    type: 'InternalError',
    field,
    detail: typeof err === 'string' ? err : err.message,
  }),
};

/**
 * 422 Invalid, as apimachinery's NewInvalid: `<Kind>.<group> "<name>" is invalid: [e1, e2]`
 * (one error: no brackets).
 */
export function invalid(kind: { group: string; kind: string }, name: string, errs: FieldError[]): ApiError {
  const causes: StatusCause[] = errs.map((e) => ({
    reason: e.type,
    message: fieldErrorMessage(e).slice(e.field ? e.field.length + 2 : 0),
    field: e.field,
  }));
  // As apimachinery's aggregate: a message repeated word for word is said once.
  const texts = [...new Set(errs.map(fieldErrorMessage))];
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const qualified = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  return failure('Invalid', `${qualified} "${name}" is invalid: ${joined}`, {
    name,
    group: kind.group,
    kind: kind.kind,
    causes,
  });
}
