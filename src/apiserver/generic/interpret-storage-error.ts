/**
 * The one seam where storage errors become API errors (k8s storage.InterpretXError).
 * Nothing else in the code base inspects StorageError.
 */
import { isStorageError } from '../../storage/store.js';
import {
  alreadyExists,
  conflict,
  expired,
  notFound,
  OBJECT_MODIFIED,
  serviceUnavailable,
  storedObjectTooLarge,
  type ApiError,
  type GroupResource,
} from '../../api/errors.js';

export type StorageOperation = 'get' | 'list' | 'watch' | 'create' | 'update' | 'delete';

export function interpretStorageError(err: unknown, op: StorageOperation, gr: GroupResource, name: string): unknown {
  if (!isStorageError(err)) return err;
  switch (err.code) {
    case 'KeyExists':
      return op === 'create' ? alreadyExists(gr, name) : conflict(gr, name, OBJECT_MODIFIED);
    case 'NotFound':
      return notFound(gr, name);
    case 'Conflict':
      return conflict(gr, name, OBJECT_MODIFIED);
    case 'Compacted':
      return expired(`too old resource version: ${err.revision ?? 0} (${err.current?.modRevision ?? err.revision ?? 0})`);
    case 'FutureRevision':
      return timeoutTooLarge(err.revision ?? 0);
    case 'TooLarge':
      return storedObjectTooLarge(err.message);
    case 'Unavailable':
      return serviceUnavailable(`storage is unavailable: ${err.message}`, 1);
  }
}

function timeoutTooLarge(rev: number): ApiError {
  const e = serviceUnavailable(`Too large resource version: ${rev}`, 1);
  e.status.code = 504;
  e.status.reason = 'Timeout';
  return e;
}
