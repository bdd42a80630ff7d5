/**
 * Request body → typed object: shape checks against the kind's schema, unknown and duplicate
 * fields handled per fieldValidation (warnings go to the request context).
 */
import type { TSchema } from '@sinclair/typebox';
import { badRequest } from '../../api/errors.js';
import type { RequestContext } from '../../api/strategy.js';
import { decodeObject, findDuplicateKeys } from '../../api/decode.js';
import type { WriteRequest } from './handler.js';

export interface ExpectedType {
  readonly apiVersion: string;
  readonly kind: string;
}

export function decodeBody<T>(body: unknown, schema: TSchema, expected: ExpectedType, ctx: RequestContext, req: WriteRequest): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(
      `${expected.kind} in version "${expected.apiVersion.split('/').pop()}" cannot be handled as a ${expected.kind}: the request body must be a JSON object`,
    );
  const b = body as Record<string, unknown>;
  if (b['apiVersion'] !== undefined && b['apiVersion'] !== expected.apiVersion)
    throw badRequest(`the API version in the data (${String(b['apiVersion'])}) does not match the expected API version (${expected.apiVersion})`);
  if (b['kind'] !== undefined && b['kind'] !== expected.kind)
    throw badRequest(`the kind in the data (${String(b['kind'])}) does not match the expected kind (${expected.kind})`);
  const duplicateFields = req.rawBody && req.fieldValidation !== 'Ignore' ? findDuplicateKeys(req.rawBody) : [];
  const what = { kind: expected.kind, version: expected.apiVersion.split('/').pop() ?? '' };
  const { object, warnings } = decodeObject(schema, body, { fieldValidation: req.fieldValidation, duplicateFields, what });
  ctx.warnings.push(...warnings);
  const obj = object as T & { metadata?: unknown };
  obj.metadata ??= {};
  return obj as T;
}
