/**
 * RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else (arrays
 * included) replaces. Never mutates its inputs; keys that could reach Object.prototype are refused.
 */
import { badRequest } from '../../api/errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(k)) throw badRequest(`the patch may not contain the key ${JSON.stringify(k)}`);
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
