/**
 * OpenAPI path items for every resource and verb, with the query parameters kubectl looks for
 * (`fieldValidation` makes it validate server-side; the patch request body's media types decide
 * that `kubectl apply` sends a strategic merge patch).
 */
import type { ResourceInfo, Verb } from '../../api/resource-info.js';
import { definitionName } from './schemas.js';

type Json = Record<string, unknown>;

export interface PathOptions {
  readonly v3: boolean;
  readonly listSchemaName: (r: ResourceInfo) => string;
  readonly statusRef: string;
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

const PARAMS: Record<string, { in: 'query' | 'path'; description: string; type?: string }> = {
  pretty: { in: 'query', description: "If 'true', then the output is pretty printed." },
  dryRun: {
    in: 'query',
    description:
      'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  },
  fieldManager: {
    in: 'query',
    description:
      'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  },
  fieldValidation: {
    in: 'query',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  },
  force: {
    in: 'query',
    description:
      'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
    type: 'boolean',
  },
  allowWatchBookmarks: { in: 'query', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK".', type: 'boolean' },
  continue: { in: 'query', description: 'The continue option should be set when retrieving more results from the server.' },
  fieldSelector: { in: 'query', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  labelSelector: { in: 'query', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  limit: { in: 'query', description: 'limit is a maximum number of responses to return for a list call.', type: 'integer' },
  resourceVersion: { in: 'query', description: 'resourceVersion sets a constraint on what resource versions a request may be served from.' },
  resourceVersionMatch: { in: 'query', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls.' },
  sendInitialEvents: {
    in: 'query',
    description: 'sendInitialEvents=true may be set together with watch=true to begin the watch stream with synthetic events of the current state.',
    type: 'boolean',
  },
  timeoutSeconds: { in: 'query', description: 'Timeout for the list/watch call.', type: 'integer' },
  watch: {
    in: 'query',
    description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
    type: 'boolean',
  },
  gracePeriodSeconds: { in: 'query', description: 'The duration in seconds before the object should be deleted.', type: 'integer' },
  propagationPolicy: {
    in: 'query',
    description: "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'.",
  },
  name: { in: 'path', description: 'name of the resource' },
  namespace: { in: 'path', description: 'object name and auth scope, such as for teams and projects' },
};

const LIST_PARAMS = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
];
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];

/**
 * kubectl reads v2 only for kinds without a PATCH operation in v3 (create-only kinds). There, if
 * namespaces advertise `fieldValidation`, it assumes the unknown kind is a CRD and lists CRDs, which
 * this server does not serve; without it, kubectl validates client-side against the v2 schemas. So
 * v2 leaves the parameter out; v3, which kubectl uses for everything else, declares it.
 */
function writeParams(v3: boolean): string[] {
  return v3 ? WRITE_PARAMS : WRITE_PARAMS.filter((p) => p !== 'fieldValidation');
}

function param(name: string, v3: boolean): Json {
  const p = PARAMS[name];
  if (!p) throw new Error(`unknown parameter ${name}`);
  const type = p.type ?? 'string';
  const base: Json = { name, in: p.in, description: p.description, ...(p.in === 'path' ? { required: true } : {}), uniqueItems: true };
  return v3 ? { ...base, schema: { type } } : { ...base, type };
}

function ref(name: string, o: PathOptions): Json {
  return { $ref: `${o.v3 ? '#/components/schemas/' : '#/definitions/'}${name}` };
}

function responses(o: PathOptions, schema: Json, codes: string[]): Json {
  const out: Json = {};
  for (const code of codes) {
    out[code] = o.v3
      ? {
          description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK',
          content: { 'application/json': { schema }, 'application/yaml': { schema } },
        }
      : { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', schema };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function body(o: PathOptions, schema: Json, contentTypes: string[]): Json {
  return o.v3
    ? { requestBody: { content: Object.fromEntries(contentTypes.map((ct) => [ct, { schema }])), required: true } }
    : { parameters: [{ name: 'body', in: 'body', required: true, schema }], consumes: contentTypes };
}

function op(r: ResourceInfo, o: PathOptions, action: string, opId: string, extra: Json, params: string[], kind = r.kind): Json {
  const bodyParams = (extra['parameters'] as Json[] | undefined) ?? [];
  const { parameters: _p, ...rest } = extra;
  return {
    tags: [r.group ? `${r.group.replace(/\./g, '_')}_${r.version}` : `core_${r.version}`],
    description: `${action} ${kind}`,
    operationId: opId,
    parameters: [...params.map((p) => param(p, o.v3)), ...bodyParams],
    ...rest,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind },
  };
}

function has(r: ResourceInfo, v: Verb): boolean {
  return r.verbs.includes(v);
}

export function buildPaths(resources: readonly ResourceInfo[], o: PathOptions): Json {
  const paths: Json = {};
  for (const r of resources) {
    const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const collection = r.namespaced ? `${root}/namespaces/{namespace}/${r.resource}` : `${root}/${r.resource}`;
    const item = `${collection}/{name}`;
    const kindRef = ref(definitionName(r.schema), o);
    const listRef = ref(o.listSchemaName(r), o);
    const statusRef = { $ref: o.statusRef };
    const deleteBody = ref('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', o);
    const patchBody = ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch', o);
    const scope = r.namespaced ? ['namespace'] : [];
    const K = r.kind;
    const ns = r.namespaced ? 'Namespaced' : '';

    const coll: Json = { parameters: [...scope, 'pretty'].map((p) => param(p, o.v3)) };
    if (has(r, 'list')) coll['get'] = op(r, o, 'list', `list${ns}${K}`, { responses: responses(o, listRef, ['200']) }, LIST_PARAMS);
    if (has(r, 'create'))
      coll['post'] = op(
        r,
        o,
        'post',
        `create${ns}${K}`,
        { ...body(o, kindRef, ['*/*']), responses: responses(o, kindRef, ['200', '201', '202']) },
        writeParams(o.v3),
      );
    if (has(r, 'deletecollection'))
      coll['delete'] = op(
        r,
        o,
        'deletecollection',
        `deleteCollection${ns}${K}`,
        { ...body(o, deleteBody, ['*/*']), responses: responses(o, statusRef, ['200']) },
        [...LIST_PARAMS, 'dryRun', 'gracePeriodSeconds', 'propagationPolicy'],
      );
    paths[collection] = coll;

    if (r.namespaced && has(r, 'list')) {
      paths[`${root}/${r.resource}`] = {
        parameters: [param('pretty', o.v3)],
        get: op(r, o, 'list', `list${K}ForAllNamespaces`, { responses: responses(o, listRef, ['200']) }, LIST_PARAMS),
      };
    }

    // The legacy watch/ paths kube-apiserver still serves, as its documents list them.
    if (has(r, 'watch')) {
      const watchRef = ref('io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent', o);
      const watchRoot = `${root}/watch`;
      const watchCollection = r.namespaced ? `${watchRoot}/namespaces/{namespace}/${r.resource}` : `${watchRoot}/${r.resource}`;
      const watchOp = (action: string, opId: string) => op(r, o, action, opId, { responses: responses(o, watchRef, ['200']) }, LIST_PARAMS);
      paths[watchCollection] = { parameters: [...scope, 'pretty'].map((p) => param(p, o.v3)), get: watchOp('watchlist', `watch${ns}${K}List`) };
      paths[`${watchCollection}/{name}`] = { parameters: [...scope, 'name', 'pretty'].map((p) => param(p, o.v3)), get: watchOp('watch', `watch${ns}${K}`) };
      if (r.namespaced)
        paths[`${watchRoot}/${r.resource}`] = { parameters: [param('pretty', o.v3)], get: watchOp('watchlist', `watch${K}ListForAllNamespaces`) };
    }

    const one: Json = { parameters: [...scope, 'name', 'pretty'].map((p) => param(p, o.v3)) };
    if (has(r, 'get')) one['get'] = op(r, o, 'get', `read${ns}${K}`, { responses: responses(o, kindRef, ['200']) }, []);
    if (has(r, 'update'))
      one['put'] = op(r, o, 'put', `replace${ns}${K}`, { ...body(o, kindRef, ['*/*']), responses: responses(o, kindRef, ['200', '201']) }, writeParams(o.v3));
    if (has(r, 'patch'))
      one['patch'] = op(r, o, 'patch', `patch${ns}${K}`, { ...body(o, patchBody, PATCH_TYPES), responses: responses(o, kindRef, ['200', '201']) }, [
        ...writeParams(o.v3),
        'force',
      ]);
    if (has(r, 'delete'))
      one['delete'] = op(r, o, 'delete', `delete${ns}${K}`, { ...body(o, deleteBody, ['*/*']), responses: responses(o, kindRef, ['200', '202']) }, [
        'dryRun',
        'gracePeriodSeconds',
        'propagationPolicy',
      ]);
    paths[item] = one;

    for (const sub of r.subresources) {
      const subRef = ref(definitionName(sub.schema), o);
      const S = sub.name.charAt(0).toUpperCase() + sub.name.slice(1);
      const p: Json = { parameters: [...scope, 'name', 'pretty'].map((x) => param(x, o.v3)) };
      if (sub.verbs.includes('get')) p['get'] = op(r, o, 'get', `read${ns}${K}${S}`, { responses: responses(o, subRef, ['200']) }, [], sub.kind);
      if (sub.verbs.includes('update'))
        p['put'] = op(
          r,
          o,
          'put',
          `replace${ns}${K}${S}`,
          { ...body(o, subRef, ['*/*']), responses: responses(o, subRef, ['200', '201']) },
          writeParams(o.v3),
          sub.kind,
        );
      if (sub.verbs.includes('patch'))
        p['patch'] = op(
          r,
          o,
          'patch',
          `patch${ns}${K}${S}`,
          { ...body(o, patchBody, PATCH_TYPES), responses: responses(o, subRef, ['200', '201']) },
          [...writeParams(o.v3), 'force'],
          sub.kind,
        );
      paths[`${item}/${sub.name}`] = p;
    }
  }
  return paths;
}
