/**
 * Content negotiation for responses. kubectl asks for server-side tables with
 * `application/json;as=Table;v=v1;g=meta.k8s.io`; everything else here is JSON (YAML on request).
 * Protobuf is not served: a client that accepts only protobuf gets 406.
 */
import { notAcceptable } from '../../api/errors.js';

export type ResponseFormat = { kind: 'json' } | { kind: 'yaml' } | { kind: 'table'; version: 'v1' | 'v1beta1'; includeObject: 'None' | 'Metadata' | 'Object' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const i = kv.indexOf('=');
        if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
      }
      return { type: type.toLowerCase(), params: p };
    })
    .filter((m) => m.type.length > 0);
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

export function negotiate(accept: string | undefined, includeObject: string | undefined, tablesSupported: boolean): ResponseFormat {
  if (!accept) return { kind: 'json' };
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { kind: 'json' };
  for (const r of ranges) {
    if (r.params['as'] === 'Table' && r.params['g'] === 'meta.k8s.io' && r.type === 'application/json') {
      if (!tablesSupported) continue;
      const version = r.params['v'] === 'v1beta1' ? 'v1beta1' : 'v1';
      const inc = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
      return { kind: 'table', version, includeObject: inc };
    }
    if (r.params['as']) continue; // PartialObjectMetadata etc.: not served, try the next range
    if (JSON_TYPES.has(r.type)) return { kind: 'json' };
    if (r.type === 'application/yaml') return { kind: 'yaml' };
  }
  throw notAcceptable('only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io');
}
