/**
 * A property-based fuzz run (fast-check) over every endpoint the server itself lists: the resources
 * and subresources of its discovery documents (every verb each declares, and methods it does not),
 * discovery, /version, the health endpoints and OpenAPI v2/v3 with each v3 path. Bodies are valid,
 * malformed (JSON, YAML, protobuf), type-confused, deeply nested, oversized, with unknown fields or
 * a wrong apiVersion/kind; names are invalid, overlong, unicode, path traversals or empty, on every
 * verb; query parameters carry bad selectors, limits, continue tokens, resource versions, timeouts,
 * dryRun and fieldValidation values. Writes are real (nothing forced to dry run): sentinel objects
 * under names the generators never produce are recorded before the run and must be byte-identical
 * after it (collection deletes of cluster-scoped kinds carry a `!fuzz-sentinel` label selector, or
 * they would legitimately take the sentinel image along). No request may be answered 5xx (the one
 * exception is Kubernetes' own 504 "Too large resource version" for a resourceVersion ahead of the
 * store), /healthz must answer throughout, and the process must not exit. The counts go to the test
 * output as `# ` lines.
 *
 * The requests come from fast-check's generators under a fixed seed and run eight at a time;
 * FUZZ_SEED, FUZZ_RUNS and FUZZ_ONLY (indices of the sequence, to replay a finding) vary it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import YAML from 'yaml';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261201);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 5000);
const CONCURRENCY = 8;
const MAX_BODY = 3 * 1024 * 1024;
/** The namespace the fuzz works in (re-created if a request deletes it). */
const WORK_NS = 'fz';

// Sentinels: names no generator below produces (none contains "sentinel" or this digest).
const SENTINEL_NS = 'fuzz-sentinel-ns';
const SENTINEL_LABEL = 'fuzz-sentinel';
const SENTINEL_DIGEST = `sha256:${'5e'.repeat(32)}`;
const SENTINELS = [
  {
    path: `/api/v1/namespaces/${SENTINEL_NS}`,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SENTINEL_NS, labels: { [SENTINEL_LABEL]: 'keep' } } },
  },
  {
    path: `/apis/image.openshift.io/v1/namespaces/${SENTINEL_NS}/imagestreams/sentinel-stream`,
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'sentinel-stream', labels: { [SENTINEL_LABEL]: 'keep' } },
      spec: { lookupPolicy: { local: true }, tags: [{ name: 'keep', from: { kind: 'DockerImage', name: 'quay.io/sentinel/keep:1' }, reference: true }] },
    },
  },
  {
    path: `/api/v1/namespaces/${SENTINEL_NS}/secrets/sentinel-secret`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sentinel-secret', labels: { [SENTINEL_LABEL]: 'keep' } },
      type: 'Opaque',
      data: { password: Buffer.from('sentinel-password').toString('base64') },
    },
  },
  {
    path: `/api/v1/namespaces/${SENTINEL_NS}/configmaps/sentinel-config`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sentinel-config', labels: { [SENTINEL_LABEL]: 'keep' } }, data: { keep: 'this' } },
  },
  {
    path: `/apis/image.openshift.io/v1/images/${SENTINEL_DIGEST}`,
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'Image',
      metadata: { name: SENTINEL_DIGEST, labels: { [SENTINEL_LABEL]: 'keep' } },
      dockerImageReference: `quay.io/sentinel/keep@${SENTINEL_DIGEST}`,
    },
  },
];

let server: ServerProcess;
let agent: Agent;

before(async () => {
  // The default --max-requests-inflight (400) is far above this run's concurrency, so a 429 or 503
  // from the limiter would be a finding too. Imports of registries fail fast (no network here).
  server = await startServerProcess({ args: ['--max-requests-inflight', '400', '--image-import-request-timeout', '2s'] });
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2, ca: server.ca });
});

after(async () => {
  agent?.destroy();
  await server?.stop();
  server?.cleanup();
});

// ---------------------------------------------------------------------------------------------
// Endpoints, from the server's own discovery and OpenAPI index.

interface ResourceEndpoint {
  /** `/api/v1` or `/apis/{group}/{version}`. */
  readonly prefix: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
}

type Target = { readonly type: 'resource'; readonly endpoint: ResourceEndpoint; readonly verb: string } | { readonly type: 'path'; readonly path: string };

async function discoverEndpoints(): Promise<{ resources: ResourceEndpoint[]; paths: string[] }> {
  const get = async <T>(path: string): Promise<T> => {
    const r = await api(server, 'GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json<T>();
  };
  const paths = ['/api', '/apis', '/version', '/healthz', '/livez', '/readyz', '/metrics', '/openapi/v2', '/openapi/v3'];
  const groupVersions: { prefix: string; groupVersion: string }[] = [];
  for (const v of (await get<{ versions: string[] }>('/api')).versions) groupVersions.push({ prefix: `/api/${v}`, groupVersion: v });
  for (const g of (await get<{ groups: { name: string; versions: { groupVersion: string }[] }[] }>('/apis')).groups) {
    paths.push(`/apis/${g.name}`);
    for (const v of g.versions) groupVersions.push({ prefix: `/apis/${v.groupVersion}`, groupVersion: v.groupVersion });
  }
  const resources: ResourceEndpoint[] = [];
  for (const gv of groupVersions) {
    paths.push(gv.prefix);
    const list = await get<{ resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[] }>(gv.prefix);
    for (const r of list.resources) {
      const [resource = '', subresource] = r.name.split('/');
      resources.push({
        prefix: gv.prefix,
        apiVersion: gv.groupVersion,
        resource,
        ...(subresource ? { subresource } : {}),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
      });
    }
  }
  const v3 = await get<{ paths: Record<string, { serverRelativeURL: string }> }>('/openapi/v3');
  for (const [p, { serverRelativeURL }] of Object.entries(v3.paths)) paths.push(`/openapi/v3/${p}`, serverRelativeURL, `/openapi/v3/${p}?hash=BOGUS`);
  return { resources, paths };
}

// ---------------------------------------------------------------------------------------------
// Names.

interface Name {
  readonly value: string;
  /** Sent as is (path traversal, empty segments); otherwise percent-encoded. */
  readonly raw?: boolean;
}

const hex = (c: string) => c.repeat(64);
const VALID_NAMES = [
  'fz-a',
  'fz-b',
  'x',
  'a.b',
  '0',
  'fz-a:latest',
  'fz-a:v1',
  'fz-b:latest',
  `fz-a@sha256:${hex('1')}`,
  `sha256:${hex('1')}`,
  `sha256:${hex('2')}`,
  `sha256:${hex('1')}@fz-sig`,
  'cluster',
  'default',
  'kube-system',
  'admin',
  'view',
  'edit',
  'cluster-admin',
  'system:image-puller',
];
const BAD_NAMES = [
  ' ',
  'UPPER',
  'a_b',
  '-a',
  'a-',
  'a..b',
  'x'.repeat(64),
  'x'.repeat(254),
  'x'.repeat(2100),
  'ünïcødé',
  '名前',
  '😀',
  'e\u0301',
  '\u0000',
  '\u202eab',
  'a\nb',
  'a\tb',
  'a b',
  '%',
  '%zz',
  '%00',
  'a/b',
  ':',
  '@',
  '::',
  'a:b:c',
  'a@b@c',
  'a:',
  ':a',
  'a@',
  'sha256:',
  'sha256:zz',
  `sha256:${hex('1')}@`,
  '?',
  '#',
  'a?b=c',
  "'; DROP TABLE objects; --",
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile name, sent as written.
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '\\',
  '\uFEFFa',
  '\uD800',
];
/** Sent unencoded: the server must not be tricked into addressing something else. */
const TRAVERSAL_NAMES = [
  '',
  '.',
  '..',
  '../..',
  '../../..',
  '../../../../../../../../etc/passwd',
  'a/../b',
  '..%2F..',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fnamespaces',
  '..%5C..',
  '/',
  '//',
  'a//b',
  '%2F',
];

function encodeName(n: Name): string {
  if (n.raw) return n.value;
  try {
    return encodeURIComponent(n.value);
  } catch {
    // Lone surrogates: send their UTF-8 replacement bytes.
    return [...Buffer.from(n.value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

const nameArb: fc.Arbitrary<Name> = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom(...VALID_NAMES).map((value) => ({ value })) },
  { weight: 12, arbitrary: fc.constantFrom(...BAD_NAMES).map((value) => ({ value })) },
  { weight: 8, arbitrary: fc.constantFrom(...TRAVERSAL_NAMES).map((value) => ({ value, raw: true })) },
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }).map((value) => ({ value })) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((value) => ({ value })) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((value) => ({ value })) },
  // Long enough to overflow the 16 KiB header limit.
  { weight: 1, arbitrary: fc.constant({ value: 'y'.repeat(20_000) }) },
);

/** Names that go into bodies (metadata.name and the like): any string, never a sentinel's. */
const bodyNameArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VALID_NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...BAD_NAMES, '', '.', '..', '../x', 'x'.repeat(300)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(5, -1, 1.5, true, null, [], ['a'], { a: 1 }) },
);

const namespaceArb: fc.Arbitrary<Name> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ value: WORK_NS }) },
  { weight: 1, arbitrary: fc.constantFrom({ value: 'fz-missing' }, { value: 'default' }, { value: 'kube-system' }) },
  { weight: 2, arbitrary: nameArb },
);

// ---------------------------------------------------------------------------------------------
// Bodies.

const CONFUSED: unknown[] = [
  '',
  'a string',
  '0',
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  9007199254740993,
  true,
  false,
  null,
  [],
  [1, 'a', null],
  {},
  { a: { b: [1] } },
  'x'.repeat(50_000),
  '\u0000\uFFFF\uD800',
];

function template(kind: string, apiVersion: string, name: unknown, sub: string | undefined): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, labels: { app: 'fz' }, annotations: { note: 'fuzz' } };
  const o: Record<string, unknown> = { apiVersion, kind, metadata };
  const digest = `sha256:${hex('1')}`;
  const tag = {
    name: 'latest',
    from: { kind: 'DockerImage', name: 'quay.io/fz/app:1' },
    reference: true,
    importPolicy: { scheduled: false },
    referencePolicy: { type: 'Source' },
  };
  switch (kind) {
    case 'Namespace':
      return { ...o, spec: { finalizers: ['kubernetes'] }, ...(sub === 'status' ? { status: { phase: 'Active' } } : {}) };
    case 'ConfigMap':
      return { ...o, data: { key: 'value', 'a.b': 'c' }, binaryData: { bin: Buffer.from('bin').toString('base64') } };
    case 'Secret':
      return { ...o, type: 'Opaque', data: { password: Buffer.from('pw').toString('base64') }, stringData: { token: 't' } };
    case 'Role':
    case 'ClusterRole':
      return {
        ...o,
        rules: [{ apiGroups: ['image.openshift.io'], resources: ['imagestreams', 'imagestreams/layers'], verbs: ['get', 'list'], resourceNames: ['fz-a'] }],
      };
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return {
        ...o,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: kind === 'RoleBinding' ? 'Role' : 'ClusterRole', name: 'view' },
        subjects: [
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
          { kind: 'ServiceAccount', name: 'default', namespace: WORK_NS },
        ],
      };
    case 'SelfSubjectAccessReview':
      return {
        ...o,
        spec: {
          resourceAttributes: { namespace: WORK_NS, verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', name: 'fz-a' },
        },
      };
    case 'SelfSubjectReview':
      return o;
    case 'Image':
      if (apiVersion.startsWith('config.openshift.io'))
        return {
          ...o,
          spec: {
            allowedRegistriesForImport: [{ domainName: 'quay.io', insecure: false }],
            additionalTrustedCA: { name: '' },
            registrySources: { insecureRegistries: ['r.example.com'] },
          },
          status: { internalRegistryHostname: 'image-registry.example.com:5000' },
        };
      return {
        ...o,
        metadata: { ...metadata, name: name === 'fz-a' ? digest : name },
        dockerImageReference: `quay.io/fz/app@${digest}`,
        dockerImageMetadata: { kind: 'DockerImage', apiVersion: '1.0', Architecture: 'amd64' },
        dockerImageLayers: [{ name: `sha256:${hex('3')}`, size: 10, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }],
      };
    case 'ImageSignature':
      return { ...o, type: 'atomic', content: Buffer.from('signature').toString('base64') };
    case 'ImageStream':
      return {
        ...o,
        spec: { lookupPolicy: { local: false }, tags: [tag] },
        ...(sub === 'status' ? { status: { dockerImageRepository: 'x', tags: [{ tag: 'latest', items: [] }] } } : {}),
      };
    case 'ImageStreamTag':
      return { ...o, tag, lookupPolicy: { local: false } };
    case 'ImageTag':
      return { ...o, spec: tag };
    case 'ImageStreamMapping':
      return { ...o, tag: 'latest', image: { metadata: { name: digest }, dockerImageReference: `quay.io/fz/app@${digest}` } };
    case 'ImageStreamImport':
      return {
        ...o,
        spec: {
          import: false,
          images: [{ from: { kind: 'DockerImage', name: 'quay.io/fz/app:1' }, to: { name: 'latest' } }],
          repository: { from: { kind: 'DockerImage', name: 'quay.io/fz/app' } },
        },
      };
    default:
      return { ...o, spec: {} };
  }
}

/** Every path into a JSON value, for mutations. */
function pathsOf(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = value;
  return copy;
}

function deepText(depth: number, shape: 'object' | 'array' | 'mixed'): string {
  if (shape === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"m":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}null${close}`;
}

function deepYamlBlock(depth: number): string {
  let s = '';
  for (let i = 0; i < depth; i++) s += `${' '.repeat(i)}k${i}:\n`;
  return `${s}${' '.repeat(depth)}v`;
}

const MALFORMED_JSON = [
  '{',
  '}',
  '{"apiVersion":',
  '{"metadata":{"name":"fz-a"}',
  '{"a":}',
  '{,}',
  '[,]',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '{"a":01}',
  '{"a":"\\x00"}',
  '{"a":"\\ud800"}',
  '\uFEFF{"kind":"ConfigMap"}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '/* comment */ {}',
  '{"a":1 // x\n}',
  'null',
  '""',
  '0',
  '-',
  '1e99999',
  'true',
  '[]',
  '[{}]',
  '"\\"',
  '{"metadata":{"name":"fz-a"},"metadata":{"name":"fz-b"}}',
  '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz-dup","labels":{"a":"1","a":"2"}}}',
  '{"__proto__":{"polluted":true},"metadata":{"name":"fz-proto"}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\u0000',
  ' ',
  '\n\n',
  `{"a":"${'\\u0041'.repeat(1000)}"}`,
];

const MALFORMED_YAML = [
  'a: b: c',
  'a:\n\tb: c',
  '- a\nb: c',
  'a: [1, 2',
  'a: {b: 1',
  '"unterminated',
  "'unterminated",
  ': :',
  '? ? ?',
  '!!binary x',
  '!!js/function "function(){}"',
  '!!python/object/apply:os.system ["true"]',
  '&a [*a]',
  '*undefined_alias',
  'a: &x 1\nb: *y',
  '<<: *nope',
  '---\na: 1\n---\nb: 2',
  '...\n---',
  '%YAML 9.9\n---\na: 1',
  'a: 1\na: 2',
  'metadata:\n  name: fz-a\nmetadata:\n  name: fz-b',
  'on: yes\noff: no\ny: n',
  'a: 0x1F\nb: 0o17\nc: .inf\nd: .nan\ne: 1_000',
  'a: 2001-12-14t21:59:43.10-05:00',
  '? [a, b]\n: c',
  '? {a: 1}\n: b',
  '- - - - -',
  '|',
  '>',
  'a: |\n  x\n b',
  '\t',
  '@reserved',
  '`reserved',
  // Billion laughs: the alias limit must refuse it.
  `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]`,
];

type Body =
  | { readonly type: 'none' }
  | { readonly type: 'text'; readonly category: string; readonly text: string }
  | { readonly type: 'bytes'; readonly category: string; readonly bytes: Uint8Array }
  /** Materialized only when sent: a body a little over the 3 MiB limit, with or without Content-Length. */
  | { readonly type: 'oversized'; readonly category: string; readonly extra: number; readonly chunked: boolean };

const text = (category: string, t: string): Body => ({ type: 'text', category, text: t });

function serialize(v: unknown, yaml: boolean): string {
  return yaml ? YAML.stringify(v) : JSON.stringify(v);
}

function objectBodyArb(kind: string, apiVersion: string, sub: string | undefined, name: fc.Arbitrary<unknown>, yaml: boolean): fc.Arbitrary<Body> {
  const base = name.map((n) => template(kind, apiVersion, n, sub));
  const valid = base.map((o) => text('valid', serialize(o, yaml)));
  const confused = fc
    .tuple(base, fc.nat(), fc.constantFrom(...CONFUSED), fc.constantFrom('replace', 'wrap', 'stringify', 'number'))
    .map(([o, i, value, how]) => {
      const paths = pathsOf(o);
      const path = paths[i % paths.length] ?? [];
      let current: unknown = o;
      for (const k of path) current = (current as Record<string | number, unknown>)[k];
      const next =
        how === 'replace'
          ? value
          : how === 'wrap'
            ? [current]
            : how === 'stringify'
              ? JSON.stringify(current)
              : typeof current === 'string'
                ? current.length
                : 'not a number';
      return text('type-confused', serialize(setAt(o, path, next), yaml));
    });
  const unknownFields = fc
    .tuple(base, fc.constantFrom('root', 'metadata', 'spec', 'nested'), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }))
    .map(([o, where, key, value]) => {
      const k = `bogus${key}`;
      if (where === 'root') return text('unknown-fields', serialize({ ...o, [k]: value }, yaml));
      if (where === 'metadata') return text('unknown-fields', serialize({ ...o, metadata: { ...(o['metadata'] as object), [k]: value } }, yaml));
      if (where === 'spec') return text('unknown-fields', serialize({ ...o, spec: { ...((o['spec'] as object) ?? {}), [k]: value } }, yaml));
      return text(
        'unknown-fields',
        serialize({ ...o, status: { conditions: [{ [k]: value }] }, metadata: { ...(o['metadata'] as object), ownerReferences: [{ [k]: value }] } }, yaml),
      );
    });
  const wrongType = fc
    .tuple(
      base,
      fc.constantFrom<unknown>('v1', 'image.openshift.io/v2', 'image.openshift.io', 'x/y/z', '', 5, null, undefined, apiVersion),
      fc.constantFrom<unknown>('', 'Pod', 'Status', `${kind}List`, kind.toLowerCase(), 5, null, undefined, kind),
    )
    .map(([o, av, k]) => text('wrong-apiVersion-kind', serialize({ ...o, apiVersion: av, kind: k }, yaml)));
  const deep = fc
    .tuple(
      base,
      fc.constantFrom(101, 150, 1000, 20_000),
      fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>,
      fc.constantFrom('spec', 'metadata.labels', 'root', 'annotations'),
    )
    .map(([o, depth, shape, where]) => {
      const d = deepText(depth, shape);
      const head = JSON.stringify({ ...o, spec: 0, metadata: 0 }).slice(0, -1);
      const meta = JSON.stringify(o['metadata']);
      // JSON is YAML, so the same text goes to both decoders.
      if (where === 'root') return text('deeply-nested', d);
      if (where === 'spec') return text('deeply-nested', `${head.replace('"spec":0', `"spec":${d}`).replace('"metadata":0', `"metadata":${meta}`)}}`);
      if (where === 'metadata.labels')
        return text('deeply-nested', `${head.replace('"spec":0', '"spec":{}').replace('"metadata":0', `"metadata":{"name":"fz-deep","labels":${d}}`)}}`);
      return text(
        'deeply-nested',
        `${head.replace('"spec":0', '"spec":{}').replace('"metadata":0', `"metadata":{"name":"fz-deep","annotations":{"a":${d}}}`)}}`,
      );
    });
  const deepYaml = fc
    .constantFrom(101, 300)
    .map((depth) =>
      text('deeply-nested', `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: fz-deep\nspec:\n${deepYamlBlock(depth).replace(/^/gm, '  ')}\n`),
    );
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 4, arbitrary: confused },
    { weight: 2, arbitrary: unknownFields },
    { weight: 2, arbitrary: wrongType },
    { weight: 2, arbitrary: yaml ? fc.oneof(deep, deepYaml) : deep },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => text('random-json', serialize(v, yaml))) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>('a string', 5, [], [{}], null, true, { metadata: 'x' }, { metadata: [] }, { metadata: { name: 5, labels: [] } }, { spec: 'x' })
        .map((v) => text('type-confused', serialize(v, yaml))),
    },
    { weight: 2, arbitrary: fc.constantFrom(...(yaml ? MALFORMED_YAML : MALFORMED_JSON)).map((t) => text(yaml ? 'malformed-yaml' : 'malformed-json', t)) },
    {
      weight: 1,
      arbitrary: base.chain((o) =>
        fc.nat({ max: Math.max(1, JSON.stringify(o).length - 1) }).map((cut) => text('malformed-json', JSON.stringify(o).slice(0, cut))),
      ),
    },
  );
}

const JSON_PATCH_PATHS = [
  '',
  '/',
  '/metadata',
  '/metadata/name',
  '/metadata/labels/a',
  '/metadata/labels/~1x',
  '/metadata/resourceVersion',
  '/metadata/uid',
  '/spec',
  '/spec/tags/-',
  '/spec/tags/0',
  '/spec/tags/99999999',
  '/spec/tags/-1',
  '/data/key',
  '/rules/0/verbs/-',
  '/a/b/c/d',
  '/~2',
  '/__proto__/polluted',
  '/constructor/prototype/x',
  'no-slash',
  '/status/phase',
];

const jsonPatchArb: fc.Arbitrary<Body> = fc
  .array(
    fc.record(
      {
        op: fc.constantFrom<unknown>('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', '', 5, null),
        path: fc.oneof(fc.constantFrom<unknown>(...JSON_PATCH_PATHS), fc.constantFrom<unknown>(5, null, [], {})),
        from: fc.constantFrom<unknown>(...JSON_PATCH_PATHS),
        value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...CONFUSED)),
      },
      { requiredKeys: ['op'] },
    ),
    { maxLength: 5 },
  )
  .map((ops) => text('json-patch', JSON.stringify(ops)));

function patchBodyArb(kind: string, apiVersion: string, sub: string | undefined): fc.Arbitrary<Body> {
  const strategic = fc.tuple(fc.constantFrom('replace', 'delete', 'merge', 'bogus', 5), fc.jsonValue({ maxDepth: 2 })).map(([directive, v]) =>
    text(
      'strategic-directives',
      JSON.stringify({
        metadata: { labels: { $patch: directive } },
        spec: { tags: [{ name: 'latest', $patch: directive }], $setElementOrder: v, $retainKeys: v },
        $deleteFromPrimitiveList: v,
      }),
    ),
  );
  return fc.oneof(
    { weight: 3, arbitrary: jsonPatchArb },
    { weight: 1, arbitrary: strategic },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>(
          { metadata: { labels: { a: null, b: 'c' } } },
          { metadata: { name: 'fz-renamed' } },
          { metadata: { resourceVersion: '1' } },
          { spec: null },
          { metadata: null },
          { kind: 'Pod' },
          { apiVersion: 'v2' },
        )
        .map((p) => text('merge-patch', JSON.stringify(p))),
    },
    { weight: 6, arbitrary: objectBodyArb(kind, apiVersion, sub, bodyNameArb, false) },
  );
}

function deleteOptionsArb(): fc.Arbitrary<Body> {
  return fc.oneof(
    fc
      .record(
        {
          kind: fc.constantFrom<unknown>('DeleteOptions', 'Pod', 5),
          apiVersion: fc.constantFrom<unknown>('v1', 'meta.k8s.io/v1', 'x'),
          propagationPolicy: fc.constantFrom<unknown>('Orphan', 'Background', 'Foreground', 'x', 5, null),
          gracePeriodSeconds: fc.constantFrom<unknown>(0, -1, 1.5, 'x', 1e308),
          dryRun: fc.constantFrom<unknown>(['All'], ['x'], 'All', [], [5]),
          preconditions: fc.constantFrom<unknown>({ uid: 'x' }, { resourceVersion: '1' }, { uid: 5 }, 'x', [], null),
          orphanDependents: fc.constantFrom<unknown>(true, 'x'),
        },
        { requiredKeys: [] },
      )
      .map((o) => text('delete-options', JSON.stringify(o))),
    fc.constantFrom(...MALFORMED_JSON).map((t) => text('malformed-json', t)),
  );
}

const oversizedArb: fc.Arbitrary<Body> = fc
  .record({ extra: fc.integer({ min: 1, max: 4096 }), chunked: fc.boolean() })
  .map(({ extra, chunked }) => ({ type: 'oversized', category: 'oversized', extra, chunked }));

function materialize(b: Body): Buffer | string | undefined {
  if (b.type === 'none') return undefined;
  if (b.type === 'text') return b.text;
  if (b.type === 'bytes') return Buffer.from(b.bytes);
  const head = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz-big"},"data":{"a":"`;
  const tail = '"}}';
  return head + 'x'.repeat(MAX_BODY + b.extra - head.length - tail.length) + tail;
}

// ---------------------------------------------------------------------------------------------
// Query parameters and headers.

const continueToken = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const QUERY_VALUES: Record<string, readonly string[]> = {
  labelSelector: [
    '!!',
    'a in (',
    'a in ()',
    'a=b=c',
    '=',
    'a!=',
    'a,,b',
    ',',
    'a in (b,c',
    'a notin (x)',
    'a>1',
    'a>b',
    'a<',
    '!a!',
    'x'.repeat(70),
    `a=${'x'.repeat(70)}`,
    `a=${'x'.repeat(5000)}`,
    'ü=ö',
    'a/b/c=d',
    'a==b',
    '(a)',
    'a b',
    'a=b,!c,d in (e)',
    'app=fz',
    'app',
    '!app',
    'a in (b),,',
    '%',
    '\u0000',
  ],
  fieldSelector: [
    'metadata.name=',
    'metadata.name==fz-a',
    'metadata.name!=fz-a',
    'metadata.name',
    'spec.x=y',
    'metadata.namespace=fz',
    'a=b=c',
    '=',
    ',',
    'metadata.name=a,metadata.name=b',
    'status.phase=Active',
    'type=Opaque',
    'metadata.name in (a)',
    '\\',
    'metadata.name=\\,',
    'metadata.name=a\\',
    'spec.dockerImageRepository=x',
    '!metadata.name',
    'metadata.name=ü',
  ],
  limit: ['-1', 'abc', '1e3', '99999999999999999999', '0', '1', '2', '', '1.5', ' 1', '0x10', '9007199254740993', 'NaN', 'Infinity', '500'],
  continue: [
    'garbage',
    '%%%',
    '!!!',
    continueToken('not json'),
    continueToken({}),
    continueToken({ v: 'meta.k8s.io/v1', rv: -1, start: 'a' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1e300, start: 'a' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 9007199254740993, start: 'a' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: '' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: '..' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: '/' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: 'a' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 999999999, start: 'zzz' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: 'default/x' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: 1, start: '\u0000' }),
    continueToken({ v: 'meta.k8s.io/v1', rv: '1', start: 5 }),
    continueToken({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }),
  ],
  resourceVersion: ['abc', '-1', '0', '1', '', '999999999999', '1e9', '9'.repeat(30), '1.5', ' 1', '0x1', '\u0000'],
  resourceVersionMatch: ['Exact', 'NotOlderThan', 'bogus', ''],
  timeoutSeconds: ['-1', 'x', '0', '1', '99999999999', '1.5', '', '9'.repeat(30)],
  dryRun: ['All', 'None', 'all', '', 'true', 'All,All', 'x'.repeat(100)],
  fieldValidation: ['Strict', 'Warn', 'Ignore', 'strict', 'x', ''],
  fieldManager: ['x'.repeat(129), '', 'ü', 'kubectl', 'fz'],
  force: ['true', 'yes', '2', ''],
  watch: ['true', '1', 'false', 'yes', ''],
  allowWatchBookmarks: ['true', 'x'],
  sendInitialEvents: ['true', 'false', 'x'],
  gracePeriodSeconds: ['-1', 'x', '0', '99999999999'],
  propagationPolicy: ['Orphan', 'Background', 'x'],
  orphanDependents: ['true', 'x'],
  includeObject: ['Object', 'Metadata', 'None', 'x'],
  pretty: ['true', 'x'],
  hash: ['BOGUS', ''],
  bogus: ['1', ''],
};

const queryArb: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 6,
    arbitrary: fc.array(
      fc
        .constantFrom(...Object.keys(QUERY_VALUES))
        .chain((k) =>
          fc
            .oneof({ weight: 4, arbitrary: fc.constantFrom(...(QUERY_VALUES[k] ?? [''])) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) })
            .map((v): [string, string] => [k, v]),
        ),
      { minLength: 1, maxLength: 4 },
    ),
  },
);
/** Query strings URLSearchParams would never write. */
const RAW_QUERIES = ['%zz=1', 'labelSelector=%', '&&&', '=', 'limit', 'a=1;b=2', 'watch=true&watch=false', 'dryRun=All&dryRun=x', `x=${'q'.repeat(3000)}`];

const ACCEPTS = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'text/html',
  '*/*',
  ';;;',
  'application/json;q=bogus',
  '',
];
const WRITE_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'text/plain',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  ';',
  '',
];
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

interface FuzzRequest {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly query: [string, string][];
  readonly rawQuery?: string;
  readonly accept: string;
  readonly contentType?: string;
  readonly auth: 'admin' | 'none' | 'garbage';
  readonly body: Body;
  readonly clusterScopedDelete: boolean;
}

// ---------------------------------------------------------------------------------------------
// Requests, per target.

const VERB_METHOD: Record<string, string> = {
  get: 'GET',
  list: 'GET',
  watch: 'GET',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};
const COLLECTION_VERBS = new Set(['list', 'watch', 'create', 'deletecollection']);

function protobufArb(): fc.Arbitrary<Body> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ type: 'bytes' as const, category: 'protobuf', bytes: b })),
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ type: 'bytes' as const, category: 'protobuf', bytes: new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...b]) })),
  );
}

function writeBodyArb(e: ResourceEndpoint, contentType: string, method: string): fc.Arbitrary<Body> {
  if (method === 'DELETE') return deleteOptionsArb();
  if (method === 'PATCH' && PATCH_TYPES.includes(contentType)) {
    if (contentType === 'application/apply-patch+yaml')
      return fc.oneof(objectBodyArb(e.kind, e.apiVersion, e.subresource, bodyNameArb, true), patchBodyArb(e.kind, e.apiVersion, e.subresource));
    return patchBodyArb(e.kind, e.apiVersion, e.subresource);
  }
  if (contentType === 'application/vnd.kubernetes.protobuf') return protobufArb();
  return objectBodyArb(e.kind, e.apiVersion, e.subresource, bodyNameArb, contentType === 'application/yaml');
}

/** A request the server should accept: valid name, body and options, in the working namespace. */
function wellFormedArb(e: ResourceEndpoint, _verb: string, method: string, collection: boolean): fc.Arbitrary<Partial<FuzzRequest> & { name: Name }> {
  const valid = fc.constantFrom(...VALID_NAMES);
  return fc
    .record({
      name: valid,
      bodyName: valid,
      yaml: fc.boolean(),
      stamp: fc.nat(),
      patch: fc.constantFrom('application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'),
    })
    .map(({ name, bodyName, yaml, stamp, patch }) => {
      const obj = template(e.kind, e.apiVersion, collection ? bodyName : name, e.subresource);
      if (method === 'POST' || method === 'PUT')
        return { name: { value: name }, query: [], contentType: yaml ? 'application/yaml' : 'application/json', body: text('valid', serialize(obj, yaml)) };
      if (method === 'PATCH')
        return patch === 'application/apply-patch+yaml'
          ? {
              name: { value: name },
              query: [
                ['fieldManager', 'fz'],
                ['force', 'true'],
              ],
              contentType: patch,
              body: text('valid', YAML.stringify(obj)),
            }
          : {
              name: { value: name },
              query: [],
              contentType: patch,
              body: text('valid', JSON.stringify({ metadata: { labels: { patched: 'yes' }, annotations: { stamp: String(stamp) } } })),
            };
      return { name: { value: name }, query: [], body: { type: 'none' } };
    });
}

function resourceRequestArb(e: ResourceEndpoint, verb: string, declared: boolean): fc.Arbitrary<FuzzRequest> {
  const method = VERB_METHOD[verb] ?? verb;
  const collection = COLLECTION_VERBS.has(verb) && e.subresource === undefined;
  const typesFor =
    method === 'PATCH'
      ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PATCH_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...WRITE_TYPES) })
      : fc.oneof({ weight: 6, arbitrary: fc.constantFrom('application/json', 'application/yaml') }, { weight: 1, arbitrary: fc.constantFrom(...WRITE_TYPES) });
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return (
    fc
      .record({
        ns: namespaceArb,
        allNamespaces: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        name: nameArb,
        query: queryArb,
        rawQuery: fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERIES) }),
        accept: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...ACCEPTS) }),
        contentType: typesFor,
        auth: fc.constantFrom<FuzzRequest['auth']>(...Array<FuzzRequest['auth']>(30).fill('admin'), 'none', 'garbage'),
        oversized: fc.integer({ min: 0, max: 299 }).map((n) => n === 0),
        bodyOnRead: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        // A quarter of the declared verbs are well formed, so the fuzz also reaches stored objects.
        wellFormed: declared ? fc.integer({ min: 0, max: 3 }).map((n) => n === 0) : fc.constant(false),
      })
      .chain((p) => {
        if (p.wellFormed)
          return wellFormedArb(e, verb, method, collection).map((w) => ({
            ...p,
            ns: { value: WORK_NS },
            rawQuery: undefined,
            accept: 'application/json',
            auth: 'admin' as const,
            ...w,
          }));
        const bodyArb: fc.Arbitrary<Body> =
          p.oversized && (hasBody || method === 'DELETE')
            ? oversizedArb
            : hasBody || method === 'DELETE' || p.bodyOnRead
              ? writeBodyArb(e, p.contentType, method)
              : fc.constant<Body>({ type: 'none' });
        return bodyArb.map((body) => ({ ...p, body }));
      })
      .map((p): FuzzRequest => {
        // The all-namespaces form of a namespaced resource, for every collection verb (only list and watch are served there).
        const scope = e.namespaced && !(p.allNamespaces && collection) ? `/namespaces/${encodeName(p.ns)}` : '';
        let path = `${e.prefix}${scope}/${e.resource}`;
        if (!collection) path += `/${encodeName(p.name)}`;
        if (e.subresource) path += `/${e.subresource}`;
        const query = [...(p.query ?? [])];
        if (verb === 'watch') query.unshift(['watch', 'true']);
        const body = p.body ?? { type: 'none' };
        return {
          label: `${declared ? '' : '!'}${verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`,
          method,
          path,
          query,
          ...(p.rawQuery !== undefined ? { rawQuery: p.rawQuery } : {}),
          accept: p.accept ?? 'application/json',
          ...(body.type !== 'none' && p.contentType !== undefined ? { contentType: p.contentType } : {}),
          auth: p.auth ?? 'admin',
          body,
          clusterScopedDelete: method === 'DELETE' && !e.namespaced,
        };
      })
      // A HEAD past the 16 KiB header limit cannot be answered in a way Node's client reads (the 431
      // has a body, as Go's has; the parser refused the request before its method was known).
      .filter((r) => r.method !== 'HEAD' || r.path.length + new URLSearchParams(r.query).toString().length < 15_000)
  );
}

function pathRequestArb(path: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant('GET') },
        { weight: 1, arbitrary: fc.constantFrom('HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
      query: queryArb,
      accept: fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: fc.constantFrom(...ACCEPTS) }),
      suffix: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: nameArb.map((n) => `/${encodeName(n)}`) }),
      auth: fc.constantFrom<FuzzRequest['auth']>(...Array<FuzzRequest['auth']>(14).fill('admin'), 'none', 'garbage'),
      body: fc.oneof(
        { weight: 3, arbitrary: fc.constant<Body>({ type: 'none' }) },
        { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((t) => text('malformed-json', t)) },
      ),
    })
    .map((p): FuzzRequest => {
      const [base = path, q] = path.split('?');
      return {
        label: `${p.method} ${base.replace(/\/openapi\/v3\/.+/, '/openapi/v3/{path}')}`,
        method: p.method,
        path: `${base}${p.suffix}`,
        query: q ? [...new URLSearchParams(q).entries(), ...p.query] : p.query,
        accept: p.accept,
        ...(p.body.type !== 'none' ? { contentType: 'application/json' } : {}),
        auth: p.auth,
        body: p.body,
        clusterScopedDelete: false,
      };
    });
}

function requestArb(targets: readonly Target[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...targets).chain((t) => {
    if (t.type === 'path') return pathRequestArb(t.path);
    return resourceRequestArb(t.endpoint, t.verb, t.endpoint.verbs.includes(t.verb));
  });
}

// ---------------------------------------------------------------------------------------------
// Sending.

interface Answer {
  readonly status: number;
  readonly text: string;
  /** A transport failure instead of an answer. */
  readonly error?: string;
}

const lastOnSocket = new WeakMap<Socket, string>();

function send(r: FuzzRequest): Promise<Answer> {
  const u = new URL(server.url);
  const params = new URLSearchParams(r.query);
  if (r.clusterScopedDelete) {
    // A collection delete of a cluster-scoped kind would legitimately remove the sentinel image:
    // every such delete also selects on the sentinels' label being absent (AND with whatever the
    // fuzz chose, which stays as invalid as it was).
    const ls = params.get('labelSelector');
    params.set('labelSelector', ls ? `${ls},!${SENTINEL_LABEL}` : `!${SENTINEL_LABEL}`);
  }
  const qs = [params.toString(), r.rawQuery].filter(Boolean).join('&');
  const path = qs ? `${r.path}?${qs}` : r.path;
  const body = materialize(r.body);
  const headers: Record<string, string> = {};
  if (r.accept) headers['Accept'] = r.accept;
  if (r.auth === 'admin') headers['Authorization'] = `Bearer ${server.token}`;
  if (r.auth === 'garbage') headers['Authorization'] = 'Bearer not-a-token';
  if (body !== undefined) {
    if (r.contentType) headers['Content-Type'] = r.contentType;
    if (!(r.body.type === 'oversized' && r.body.chunked)) headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  // apimachinery's rule: a `watch` present and neither `0` nor `false` (any case) asks for a watch.
  const watchParam = new URLSearchParams(qs).get('watch');
  const watch = r.method === 'GET' && watchParam !== null && watchParam !== '0' && watchParam.toLowerCase() !== 'false';
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (!done) {
        done = true;
        resolve(a);
      }
    };
    const req = request({ host: u.hostname, port: u.port, path, method: r.method, headers, agent, ca: server.ca }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 4096) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => finish({ status, text: Buffer.concat(chunks).toString('utf8').slice(0, 4096) }));
      res.on('error', () => finish({ status, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('close', () => finish({ status, text: Buffer.concat(chunks).toString('utf8') }));
      // A watch that was accepted streams until its timeout: its status is known, hang up.
      if (watch && status === 200) setTimeout(() => res.destroy(), 30);
    });
    // Which request last used this keep-alive connection, should this one get no answer.
    let previous = 'none';
    req.on('socket', (socket: Socket) => {
      previous = lastOnSocket.get(socket) ?? 'none';
      lastOnSocket.set(socket, describeRequest(r).slice(0, 300));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer within 30 s (the connection's previous request: ${previous})`)));
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, text: '', error: err.code ?? err.message }));
    if (r.body.type === 'oversized' && !r.body.chunked) {
      // The server refuses a declared length over the limit without reading the body, and closes
      // the connection (Fastify's "connection: close"): like a Go client, read that early answer
      // rather than lose it to a reset while still writing.
      req.flushHeaders();
      let answered = false;
      req.once('response', (res) => {
        answered = true;
        res.once('end', () => req.destroy());
      });
      // Long enough that a busy machine (the suite runs files in parallel) still answers first.
      setTimeout(() => {
        if (!answered) req.end(body);
      }, 1000);
      return;
    }
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * The one 5xx Kubernetes answers to a client's own input: a resourceVersion (or continue token)
 * ahead of the store is 504 Timeout "Too large resource version" (storage.NewTooLargeResourceVersionError),
 * which reflectors retry. A HEAD shows only the code.
 */
function tooLargeResourceVersion(r: FuzzRequest, a: Answer): boolean {
  if (a.status !== 504 || !r.query.some(([k]) => k === 'resourceVersion' || k === 'continue')) return false;
  return r.method === 'HEAD' || (/"reason":"Timeout"/.test(a.text) && /Too large resource version/.test(a.text));
}

function describeRequest(r: FuzzRequest): string {
  const body =
    r.body.type === 'text'
      ? r.body.text
      : r.body.type === 'bytes'
        ? `<${r.body.bytes.length} bytes>`
        : r.body.type === 'oversized'
          ? `<${MAX_BODY + r.body.extra} bytes>`
          : '';
  const q = new URLSearchParams(r.query).toString();
  return `${r.method} ${r.path.slice(0, 200)}${q ? `?${q.slice(0, 200)}` : ''}${r.rawQuery ? `&${r.rawQuery.slice(0, 50)}` : ''} [${r.label}; ${r.contentType ?? 'no body'}; ${r.body.type === 'none' ? '' : r.body.category}] ${body.slice(0, 300)}`;
}

// ---------------------------------------------------------------------------------------------

/** The sentinels as read now (status and exact text), and the names and versions in the sentinel namespace. */
async function snapshot(namespacedLists: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of SENTINELS) {
    const r = await api(server, 'GET', s.path);
    out.set(s.path, `${r.status} ${r.text}`);
  }
  // Nothing else appears in, or disappears from, the sentinel namespace either.
  for (const list of namespacedLists) {
    const r = await api(server, 'GET', list);
    out.set(
      list,
      r.status === 200
        ? r
            .json<{ items: { metadata: { name: string; resourceVersion?: string } }[] }>()
            .items.map((i) => `${i.metadata.name}@${i.metadata.resourceVersion ?? ''}`)
            .sort()
            .join(',')
        : `${r.status} ${r.text}`,
    );
  }
  return out;
}

async function ensureNamespace(name: string): Promise<void> {
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  assert.ok(r.status === 201 || r.status === 409, `namespace ${name}: ${r.status} ${r.text}`);
}

describe('fuzzing every endpoint', () => {
  it('never answers 5xx, never changes stored data, and keeps answering', async () => {
    const started = Date.now();
    const { resources, paths } = await discoverEndpoints();

    // Sentinels first, then some objects for the fuzz to find under its valid names.
    for (const s of SENTINELS) {
      const collection = s.path.slice(0, s.path.lastIndexOf('/'));
      const r = await api(server, 'POST', collection, { body: s.body });
      assert.equal(r.status, 201, `${s.path}: ${r.text}`);
    }
    await ensureNamespace(WORK_NS);
    for (const e of resources.filter(
      (x) =>
        !x.subresource &&
        x.verbs.includes('create') &&
        !['namespaces', 'selfsubjectreviews', 'selfsubjectaccessreviews', 'imagestreamimports'].includes(x.resource),
    )) {
      for (const name of ['fz-a', 'fz-a:latest']) {
        await api(server, 'POST', `${e.prefix}${e.namespaced ? `/namespaces/${WORK_NS}` : ''}/${e.resource}`, {
          body: template(e.kind, e.apiVersion, name, undefined),
        });
      }
    }
    const sentinelLists = resources
      .filter((e) => e.namespaced && !e.subresource && e.verbs.includes('list'))
      .map((e) => `${e.prefix}/namespaces/${SENTINEL_NS}/${e.resource}`);
    const before = await snapshot(sentinelLists);
    for (const s of SENTINELS) assert.match(before.get(s.path) ?? '', /^200 /, s.path);

    // Every declared verb of every resource and subresource, and for each resource the methods it
    // does not declare; every non-resource path.
    const targets: Target[] = [];
    for (const endpoint of resources) {
      for (const verb of endpoint.verbs) for (let i = 0; i < 4; i++) targets.push({ type: 'resource', endpoint, verb });
      for (const verb of Object.keys(VERB_METHOD).filter((v) => !endpoint.verbs.includes(v))) targets.push({ type: 'resource', endpoint, verb });
      targets.push({ type: 'resource', endpoint, verb: 'OPTIONS' }, { type: 'resource', endpoint, verb: 'HEAD' });
    }
    for (const path of paths) targets.push({ type: 'path', path }, { type: 'path', path });
    const declaredPairs = new Set(resources.flatMap((e) => e.verbs.map((v) => `${v} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`)));

    // FUZZ_ONLY=12,345 replays those requests of the seed's sequence alone (to reproduce a finding).
    const only = process.env['FUZZ_ONLY']?.split(',').map(Number);
    const requests = fc
      .sample(requestArb(targets), { numRuns: RUNS, seed: SEED })
      .map((r, index) => ({ ...r, index }))
      .filter((r) => !only || only.includes(r.index));

    // /healthz, unauthenticated, throughout the run.
    const health = { probes: 0, failures: [] as string[] };
    let running = true;
    const exited: string[] = [];
    server.child.once('exit', (code, signal) => exited.push(`exited with ${code ?? signal}`));
    const healthLoop = (async () => {
      while (running) {
        const t0 = Date.now();
        const r = await api(server, 'GET', '/healthz', { token: null }).catch((e: Error) => ({ status: 0, text: e.message }));
        health.probes++;
        if (r.status !== 200 || r.text !== 'ok' || Date.now() - t0 > 5000)
          health.failures.push(`${r.status} ${r.text.slice(0, 100)} after ${Date.now() - t0} ms`);
        await new Promise((res) => setTimeout(res, 200));
      }
    })();

    const counts = new Map<string, number>();
    const categories = new Map<string, number>();
    const covered = new Set<string>();
    const successes = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    let sent = 0;
    let tooLarge = 0;
    /** Successful writes outside the working namespace: the suspects should a sentinel change. */
    const writesElsewhere: string[] = [];
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++] as FuzzRequest & { index: number };
        const a = await send(r);
        sent++;
        if (sent % 200 === 0) await ensureNamespace(WORK_NS);
        const code = a.error ? `error ${a.error}` : String(a.status);
        counts.set(code, (counts.get(code) ?? 0) + 1);
        if (r.body.type !== 'none') categories.set(r.body.category, (categories.get(r.body.category) ?? 0) + 1);
        covered.add(r.label);
        if (a.status >= 200 && a.status < 300 && r.auth === 'admin') {
          const verb = r.label.split(' ')[0] ?? '';
          successes.set(verb, (successes.get(verb) ?? 0) + 1);
        }
        if (a.status >= 200 && a.status < 300 && r.method !== 'GET' && r.method !== 'HEAD' && !r.path.includes(`/namespaces/${WORK_NS}/`))
          writesElsewhere.push(`#${r.index} ${a.status}: ${describeRequest(r)}`);
        if (tooLargeResourceVersion(r, a)) tooLarge++;
        else if (a.error || a.status >= 500) failures.push(`#${r.index} ${code}: ${describeRequest(r)}\n    -> ${a.text.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    running = false;
    await healthLoop;
    const after = await snapshot(sentinelLists);
    const finalHealth = await api(server, 'GET', '/healthz', { token: null });

    const byCode = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(`# fuzz: ${sent} requests (seed ${SEED}, concurrency ${CONCURRENCY}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`# endpoints: ${resources.length} resources and subresources (${declaredPairs.size} declared verbs), ${paths.length} other paths`);
    for (const [code, n] of byCode)
      console.log(
        `# status ${code}: ${n}${code === '504' ? ` (${tooLarge} of them "Too large resource version", as Kubernetes answers a resourceVersion ahead of the store)` : ''}`,
      );
    console.log(
      `# bodies: ${[...categories.entries()]
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `# 2xx by verb: ${[...successes.entries()]
        .sort()
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')}`,
    );
    console.log(`# /healthz probes during the run: ${health.probes}, failed: ${health.failures.length}`);
    const unexpected = server.stdout
      .join('')
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l));
    const stderr = server.logs.join('');

    const problems: string[] = [];
    if (failures.length) problems.push(`${failures.length} requests answered 5xx or not at all:\n${failures.slice(0, 30).join('\n')}`);
    const uncovered = [...declaredPairs].filter((p) => !covered.has(p));
    if (uncovered.length) problems.push(`declared verbs never tried: ${uncovered.join(', ')}`);
    if (health.failures.length) problems.push(`/healthz failed during the run: ${health.failures.join('; ')}`);
    if (finalHealth.status !== 200 || finalHealth.text !== 'ok') problems.push(`/healthz after the run: ${finalHealth.status} ${finalHealth.text}`);
    if (exited.length || server.child.exitCode !== null) problems.push(`the server process ${exited.join(', ') || 'exited'}`);
    if (unexpected.length) problems.push(`unexpected errors logged:\n${unexpected.slice(0, 10).join('\n')}`);
    if (/unhandled rejection|fatal/i.test(stderr)) problems.push(`stderr: ${stderr.slice(0, 2000)}`);
    const changed = [...before].filter(([key, value]) => after.get(key) !== value);
    for (const [key, value] of changed)
      problems.push(`sentinel ${key} changed:\n  before: ${value.slice(0, 300)}\n  after:  ${(after.get(key) ?? '').slice(0, 300)}`);
    if (changed.length) problems.push(`successful writes outside namespace ${WORK_NS} (the suspects):\n${writesElsewhere.slice(-30).join('\n')}`);
    assert.deepEqual(problems, []);
  });
});

describe('what the fuzz found', () => {
  /** Requests one after another over one keep-alive connection; each must be answered within 5 s. */
  async function overOneConnection(requests: { method: string; path: string }[]): Promise<number[]> {
    const one = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
    const u = new URL(server.url);
    try {
      const codes: number[] = [];
      for (const r of requests) {
        codes.push(
          await new Promise<number>((resolve, reject) => {
            const req = request(
              { host: u.hostname, port: u.port, path: r.path, method: r.method, agent: one, headers: { Authorization: `Bearer ${server.token}` } },
              (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.setTimeout(5000, () => req.destroy(new Error(`${r.method} ${r.path}: no answer within 5 s`)));
            req.on('error', reject);
            req.end();
          }),
        );
      }
      return codes;
    } finally {
      one.destroy();
    }
  }

  it('a HEAD of a watch answers its headers and frees the connection', async () => {
    const codes = await overOneConnection([
      { method: 'HEAD', path: `/api/v1/namespaces/${WORK_NS}/configmaps?watch=true` },
      { method: 'HEAD', path: `/apis/image.openshift.io/v1/namespaces/${WORK_NS}/imagestreams/fz-a?watch=1` },
      { method: 'GET', path: '/api/v1/namespaces' },
    ]);
    assert.deepEqual(codes, [200, 200, 200]);
  });

  it('a namespaced kind takes no create or collection delete on its all-namespaces path', async () => {
    await ensureNamespace('fz-keep');
    const keep = await api(server, 'POST', '/api/v1/namespaces/fz-keep/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' } },
    });
    assert.equal(keep.status, 201, keep.text);
    const created = await api(server, 'POST', '/api/v1/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stray', namespace: 'fz-keep' } },
    });
    assert.equal(created.status, 405, created.text);
    for (const path of ['/api/v1/configmaps', '/apis/image.openshift.io/v1/imagestreams', '/apis/rbac.authorization.k8s.io/v1/roles']) {
      const r = await api(server, 'DELETE', path);
      assert.equal(r.status, 405, `${path}: ${r.text}`);
      assert.equal(r.json()['reason'], 'MethodNotAllowed');
    }
    assert.equal((await api(server, 'GET', '/api/v1/configmaps')).status, 200, 'list is still served there');
    assert.equal(
      (await api(server, 'GET', '/api/v1/namespaces/fz-keep/configmaps/keep')).text,
      (await api(server, 'GET', '/api/v1/namespaces/fz-keep/configmaps/keep')).text,
    );
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/fz-keep/configmaps/stray')).status, 404);
  });

  it('DeleteOptions with a dryRun or precondition of the wrong type are refused, not ignored', async () => {
    const path = '/api/v1/namespaces/fz-keep/configmaps/keep';
    const before = await api(server, 'GET', path);
    assert.equal(before.status, 200);
    for (const body of [
      { dryRun: 'All' },
      { dryRun: { All: true } },
      { preconditions: { uid: 5 } },
      { preconditions: 'x' },
      { preconditions: { resourceVersion: 1 } },
    ]) {
      const r = await api(server, 'DELETE', path, { body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.json<{ message: string }>().message, /^json: cannot unmarshal \w+ into Go struct field DeleteOptions\./);
    }
    assert.equal((await api(server, 'GET', path)).text, before.text);
    assert.equal((await api(server, 'DELETE', path, { body: { dryRun: ['All'] } })).status, 200);
    assert.equal((await api(server, 'GET', path)).text, before.text);
  });
});
