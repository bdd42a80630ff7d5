/**
 * RFC 6902 JSON patch over fast-json-patch. A body that is not a list of operations is a 400; an
 * operation that cannot apply (a failed `test`, a missing path) is a 422, as kube-apiserver answers.
 */
import fastJsonPatch from 'fast-json-patch';
import { ApiError, badRequest } from '../../api/errors.js';

const { applyPatch, validate } = fastJsonPatch;
type Operation = Parameters<typeof applyPatch>[1][number];

function unprocessable(detail: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server rejected our request due to an error in our request: ${detail}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] },
    code: 422,
  });
}

export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('the JSON patch must be a list of operations');
  for (const [i, op] of patch.entries()) {
    if (op === null || typeof op !== 'object' || typeof (op as { op?: unknown }).op !== 'string' || typeof (op as { path?: unknown }).path !== 'string')
      throw badRequest(`invalid JSON patch operation at index ${i}: each operation needs "op" and "path"`);
  }
  const ops = patch as Operation[];
  const invalid = validate(ops, structuredClone(doc));
  if (invalid) {
    if (invalid.name === 'TEST_OPERATION_FAILED') throw unprocessable(`testing value at ${invalid.operation?.path ?? ''} failed`);
    if (
      [
        'OPERATION_OP_INVALID',
        'OPERATION_PATH_INVALID',
        'OPERATION_FROM_REQUIRED',
        'OPERATION_VALUE_REQUIRED',
        'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
      ].includes(invalid.name)
    )
      throw badRequest(`invalid JSON patch: ${invalid.message.split('\n')[0] ?? invalid.name}`);
    throw unprocessable(`${invalid.message.split('\n')[0] ?? invalid.name}`);
  }
  try {
    return applyPatch(structuredClone(doc), ops, true, true, true).newDocument;
  } catch (e) {
    throw unprocessable((e as Error).message.split('\n')[0] ?? 'the patch could not be applied');
  }
}
