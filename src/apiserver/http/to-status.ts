/**
 * The one place where any error becomes a Kubernetes Status. An ApiError carries its Status; a
 * body-parser or framework error maps to its HTTP meaning; anything else is a programming error:
 * logged with its stack and answered 500 without leaking internals.
 */
import { ApiError, badRequest, internalError, requestEntityTooLarge, unsupportedMediaType, type Status } from '../../api/errors.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const WRITE_MEDIA_TYPES = ['application/json', 'application/yaml'] as const;

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

export function toApiError(err: unknown): { error: ApiError; unexpected: boolean } {
  if (err instanceof ApiError) return { error: err, unexpected: false };
  const fe = err as FrameworkError;
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: requestEntityTooLarge(MAX_BODY_BYTES), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: unsupportedMediaType(WRITE_MEDIA_TYPES), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { error: badRequest(fe.message ?? 'invalid request body'), unexpected: false };
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { error: badRequest(fe.message ?? 'bad request'), unexpected: false };
  }
  return { error: internalError('an unexpected error occurred while serving the request', err), unexpected: true };
}

export function toStatus(err: unknown): { status: Status; unexpected: boolean } {
  const { error, unexpected } = toApiError(err);
  return { status: error.status, unexpected };
}
