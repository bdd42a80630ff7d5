/**
 * Distribution API errors: what a registry client (podman, skopeo, containerd) reads from a
 * failed `/v2/` request, `{"errors":[{"code","message","detail"}]}` with the code's HTTP status.
 * Every failure under `/v2/` leaves as one of these, never as a Kubernetes Status.
 */

export const REGISTRY_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  RANGE_INVALID: 416,
  PARAMETER_INVALID: 400,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
} as const;

export type RegistryErrorCode = keyof typeof REGISTRY_ERROR_STATUS;

const MESSAGES: Record<RegistryErrorCode, string> = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'The operation is unsupported.',
  TOOMANYREQUESTS: 'too many requests',
  RANGE_INVALID: 'invalid content range',
  PARAMETER_INVALID: 'invalid query parameter',
  UNKNOWN: 'unknown error',
  UNAVAILABLE: 'service unavailable',
};

export class RegistryHttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message?: string,
    readonly detail?: unknown,
    /** Extra response headers (WWW-Authenticate on 401, Retry-After on 429/503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? MESSAGES[code]);
    this.status = REGISTRY_ERROR_STATUS[code];
  }

  body(): string {
    return JSON.stringify({ errors: [{ code: this.code, message: this.message, detail: this.detail ?? null }] });
  }
}

export const registryError = (code: RegistryErrorCode, message?: string, detail?: unknown) => new RegistryHttpError(code, message, detail);
