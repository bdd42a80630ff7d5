/**
 * List continuation tokens, in kube-apiserver's format (base64 of
 * `{"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>"}`), so a token pins the
 * revision the first page was read at and the key to continue after.
 */
import { badRequest } from '../../api/errors.js';

export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

export function decodeContinue(raw: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== 'meta.k8s.io/v1') throw badRequest('continue key is not valid: server does not recognize this encoded key');
  if (typeof t.rv !== 'number' || !Number.isInteger(t.rv) || t.rv <= 0)
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.start !== 'string' || t.start.length === 0 || t.start.includes('..'))
    throw badRequest('continue key is not valid: encoded start key is invalid');
  return { rv: t.rv, start: t.start };
}
