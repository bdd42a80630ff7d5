/**
 * Parses a request path into what it addresses, as apiserver's RequestInfoFactory does:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * `/api/v1/namespaces/{name}` addresses the namespace itself, and `/namespaces/{name}/status`
 * its status. The verb combines method and shape (collection GET is list, or watch with ?watch).
 */
import type { Verb } from '../../api/resource-info.js';
import { queryBool } from './query.js';

export interface ResourceRequest {
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly verb: Verb | 'unknown';
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Returns undefined when the path is not a resource path (discovery, or unknown). */
export function parseResourcePath(method: string, path: string, query: URLSearchParams): ResourceRequest | undefined {
  const parts = path
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }

  // The legacy `watch/` prefix (still served by kube-apiserver): a watch of the collection, or of one
  // object by name; only GET serves it.
  const watchPath = rest[0] === 'watch' && rest.length > 1;
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    // /namespaces/{ns}/status and /finalize address the Namespace itself; anything else inside it.
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3 || (watchPath && rest.length > 2)) return undefined;
  const [resource, name, subresource] = rest as [string, string | undefined, string | undefined];
  const isCollection = name === undefined;
  const isWatch = queryBool(query, 'watch') || watchPath;
  let verb: Verb | 'unknown';
  switch (watchPath && method !== 'GET' && method !== 'HEAD' ? 'UNSERVED' : method) {
    case 'GET':
    case 'HEAD':
      verb = isCollection ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = isCollection ? 'deletecollection' : 'delete';
      break;
    default:
      verb = 'unknown';
  }
  const req: { -readonly [K in keyof ResourceRequest]: ResourceRequest[K] } = { group, version, resource, verb };
  if (namespace !== undefined && resource !== 'namespaces') req.namespace = namespace;
  if (name !== undefined) req.name = name;
  if (subresource !== undefined) req.subresource = subresource;
  return req;
}
