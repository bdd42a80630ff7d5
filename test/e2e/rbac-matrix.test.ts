/**
 * The permission matrix, end to end over HTTPS with real requests: one user per default cluster role
 * (bearer tokens from --token-auth-file for about half, client certificates signed by --client-ca-file
 * for the rest, one user holding a role only through a group), an authenticated user with no bindings,
 * and anonymous. Every resource the server's discovery documents declare, with every verb each one
 * declares (subresources included), in the namespace where the roles are bound and in one where they
 * are not. Writes carry `?dryRun=All`, watches `?watch=true&timeoutSeconds=1`, so the matrix changes
 * nothing. Each cell asks only: denied (401 anonymous, 403 otherwise) or let through (any other code)?
 * The expected answer comes from the documented policy (README "Users and permissions", the bootstrap
 * roles), written out here, never from the server.
 */
import { mapLimited } from '../../src/util/map-limited.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const IMG = 'image.openshift.io';
const RBAC = 'rbac.authorization.k8s.io';
const TEAM = 'matrix-team';
const OTHER = 'matrix-other';
const KNOWN_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

// ---------------------------------------------------------------------------------------------
// The documented policy (README "Users and permissions" and the bootstrap cluster roles).
// ---------------------------------------------------------------------------------------------

interface Rule {
  readonly groups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const IMAGE_NAMESPACED = [
  'imagestreams',
  'imagestreams/status',
  'imagestreams/layers',
  'imagestreams/secrets',
  'imagestreamtags',
  'imagetags',
  'imagestreamimages',
  'imagestreamimports',
  'imagestreammappings',
];
const STREAM_VIEWS = ['imagestreams', 'imagestreams/status', 'imagestreamtags', 'imagetags', 'imagestreamimages'];

const POLICY: Record<string, readonly Rule[]> = {
  'cluster-admin': [{ groups: ['*'], resources: ['*'], verbs: ['*'] }],
  admin: [
    { groups: [IMG], resources: IMAGE_NAMESPACED, verbs: [...READ, ...WRITE] },
    { groups: [''], resources: ['secrets', 'configmaps'], verbs: [...READ, ...WRITE] },
    { groups: [''], resources: ['events'], verbs: READ },
    { groups: ['events.k8s.io'], resources: ['events'], verbs: READ },
    { groups: [RBAC], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
  ],
  edit: [
    { groups: [IMG], resources: IMAGE_NAMESPACED, verbs: [...READ, ...WRITE] },
    { groups: [''], resources: ['secrets', 'configmaps'], verbs: [...READ, ...WRITE] },
    { groups: [''], resources: ['events'], verbs: READ },
    { groups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  ],
  view: [
    { groups: [IMG], resources: STREAM_VIEWS, verbs: READ },
    { groups: [''], resources: ['configmaps', 'events'], verbs: READ },
    { groups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  ],
  // Pulling is `get imagestreams/layers`.
  'system:image-puller': [{ groups: [IMG], resources: ['imagestreams/layers'], verbs: ['get'] }],
  'system:image-pusher': [{ groups: [IMG], resources: ['imagestreams/layers'], verbs: ['get', 'update'] }],
  'system:image-builder': [
    { groups: [IMG], resources: ['imagestreams/layers'], verbs: ['get', 'update'] },
    { groups: [IMG], resources: ['imagestreams'], verbs: ['create'] },
  ],
  // The registry integrator creates images and mappings.
  'system:registry': [
    { groups: [IMG], resources: ['images'], verbs: [...READ, 'create', 'delete'] },
    { groups: [IMG], resources: ['imagestreamimages', 'imagestreamtags', 'imagestreams', 'imagestreams/secrets'], verbs: ['get', 'list'] },
    { groups: [IMG], resources: ['imagestreammappings'], verbs: ['create'] },
  ],
  'system:image-signer': [
    { groups: [IMG], resources: ['images', 'imagestreams/layers'], verbs: ['get'] },
    { groups: [IMG], resources: ['imagesignatures'], verbs: ['create', 'delete'] },
  ],
};
/** What every authenticated user may do: the self reviews (resources) and discovery, OpenAPI (paths). */
const EVERY_AUTHENTICATED: readonly Rule[] = [
  { groups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
  { groups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
];
const DISCOVERY_PATHS = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/', '/healthz', '/livez', '/readyz'];
/** Answered to anyone, credentials or not. */
const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];

const listed = (list: readonly string[], v: string) => list.includes('*') || list.includes(v);

function ruleCovers(rule: Rule, verb: string, group: string, resource: string): boolean {
  return listed(rule.verbs, verb) && listed(rule.groups, group) && listed(rule.resources, resource);
}

function pathCovered(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

// ---------------------------------------------------------------------------------------------
// Users.
// ---------------------------------------------------------------------------------------------

interface Binding {
  readonly role: string;
  /** `cluster` for a ClusterRoleBinding, otherwise the namespace of a RoleBinding. */
  readonly scope: string;
  readonly subject: { kind: 'User' | 'Group'; name: string };
}
interface MatrixUser {
  readonly name: string;
  readonly auth: 'token' | 'cert' | 'none';
  readonly groups: readonly string[];
  readonly bindings: readonly Binding[];
  readonly label: string;
}

function user(name: string, auth: 'token' | 'cert', role: string | undefined, scope: string, groups: string[] = []): MatrixUser {
  const bindings: Binding[] = role ? [{ role, scope, subject: { kind: 'User', name } }] : [];
  return { name, auth, groups, bindings, label: role ? `${role} (${scope === 'cluster' ? 'ClusterRoleBinding' : `RoleBinding in ${scope}`})` : 'no bindings' };
}

const USERS: MatrixUser[] = [
  user('matrix-cluster-admin', 'token', 'cluster-admin', 'cluster'),
  user('matrix-admin', 'cert', 'admin', TEAM),
  user('matrix-edit', 'token', 'edit', TEAM),
  user('matrix-view', 'cert', 'view', TEAM),
  user('matrix-image-puller', 'token', 'system:image-puller', TEAM),
  user('matrix-image-pusher', 'cert', 'system:image-pusher', TEAM),
  user('matrix-image-builder', 'token', 'system:image-builder', TEAM),
  // Images and signatures are cluster-scoped: these roles are bound cluster-wide.
  user('matrix-registry', 'cert', 'system:registry', 'cluster'),
  user('matrix-image-signer', 'token', 'system:image-signer', 'cluster'),
  // A role held only through a group: the certificate's O, bound by a RoleBinding in the *other* namespace.
  {
    name: 'matrix-group-member',
    auth: 'cert',
    groups: ['matrix-editors'],
    bindings: [{ role: 'edit', scope: OTHER, subject: { kind: 'Group', name: 'matrix-editors' } }],
    label: `edit through group matrix-editors (RoleBinding in ${OTHER})`,
  },
  // Authenticated, in groups (the token file's groups column) that nothing is bound to.
  user('matrix-nobody', 'token', undefined, '', ['matrix-unbound', 'matrix-also-unbound']),
  { name: 'system:anonymous', auth: 'none', groups: [], bindings: [], label: 'no credentials' },
];

const tokenOf = (u: MatrixUser) => `${u.name}-token-${createHash('sha256').update(u.name).digest('hex').slice(0, 24)}`;

// ---------------------------------------------------------------------------------------------
// Cells.
// ---------------------------------------------------------------------------------------------

interface DiscoveredResource {
  readonly group: string;
  readonly version: string;
  /** `resource` or `resource/subresource`, as discovery names it. */
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

interface Cell {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** What the authorizer should see. */
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly write: boolean;
}

interface Outcome {
  readonly status: number;
  readonly text: string;
}

let server: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'rbac-matrix-'));
const agents = new Map<string, Agent>();

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A request as `who` (token, client certificate or nothing), over HTTPS. */
function send(who: MatrixUser, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Outcome> {
  let agent = agents.get(who.name);
  if (!agent) {
    agent = new Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: server.ca,
      ...(who.auth === 'cert' ? { cert: readFileSync(join(dir, `${who.name}.crt`)), key: readFileSync(join(dir, `${who.name}.key`)) } : {}),
    });
    agents.set(who.name, agent);
  }
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (who.auth === 'token') headers['Authorization'] = `Bearer ${tokenOf(who)}`;
  if (text !== undefined) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = String(Buffer.byteLength(text));
  }
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function adminJson<T = Record<string, unknown>>(method: string, path: string, body?: unknown, expect?: number): Promise<T> {
  const r = await api(server, method, path, body === undefined ? {} : { body });
  if (expect !== undefined) assert.equal(r.status, expect, `${method} ${path}: ${r.text}`);
  else assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.json<T>();
}

/** Every resource and subresource the discovery documents declare (legacy /api and /apis forms). */
async function discover(): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const lists: { group: string; version: string; path: string }[] = [];
  for (const v of (await adminJson<{ versions: string[] }>('GET', '/api')).versions) lists.push({ group: '', version: v, path: `/api/${v}` });
  const groups = await adminJson<{ groups: { name: string; versions: { version: string }[] }[] }>('GET', '/apis');
  for (const g of groups.groups) for (const v of g.versions) lists.push({ group: g.name, version: v.version, path: `/apis/${g.name}/${v.version}` });
  for (const l of lists) {
    const doc = await adminJson<{ resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] }>('GET', l.path);
    for (const r of doc.resources) out.push({ group: l.group, version: l.version, name: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs });
  }
  return out;
}

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const manifestOf = (n: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(`config-${n}`), size: 10 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(`layer-${n}`), size: 100 }],
  });
const MANIFEST = manifestOf('fixture');
const DIGEST = sha(MANIFEST);
const NEW_MANIFEST = manifestOf('new');
const NEW_DIGEST = sha(NEW_MANIFEST);

/** The object each cell addresses (created before the matrix), by `group/resource`. */
function itemName(group: string, resource: string): string {
  switch (`${group}/${resource}`) {
    case '/namespaces':
      return TEAM; // a namespace's own requests are authorized in that namespace
    case '/secrets':
      return 's';
    case '/configmaps':
      return 'c';
    case `${IMG}/imagestreams`:
      return 'm';
    case `${IMG}/imagestreamtags`:
    case `${IMG}/imagetags`:
      return 'm:t';
    case `${IMG}/imagestreamimages`:
      return `m@${DIGEST}`;
    case `${IMG}/images`:
      return DIGEST;
    case `${IMG}/imagesignatures`:
      return `${DIGEST}@sig1`;
    case 'config.openshift.io/images':
      return 'cluster';
    case `${RBAC}/roles`:
    case `${RBAC}/rolebindings`:
    case `${RBAC}/clusterroles`:
    case `${RBAC}/clusterrolebindings`:
      return 'matrix-fixture';
    default:
      return 'matrix-fixture'; // a resource added later: still authorized, whatever the handler answers
  }
}

/** A valid new object for a create (never persisted: dryRun=All). */
function createBody(r: DiscoveredResource): unknown {
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  const base = { apiVersion, kind: r.kind };
  const roleRef = { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' };
  const subjects = [{ kind: 'User', apiGroup: RBAC, name: 'fixture-someone' }];
  const rules = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }];
  switch (`${r.group}/${r.name}`) {
    case '/secrets':
      return { ...base, metadata: { name: 'matrix-new' }, type: 'Opaque', stringData: { k: 'v' } };
    case '/configmaps':
      return { ...base, metadata: { name: 'matrix-new' }, data: { k: 'v' } };
    case `${IMG}/imagestreamtags`:
      return { ...base, metadata: { name: 'm:new' }, tag: { name: 'new', from: { kind: 'DockerImage', name: 'quay.io/matrix/new:1' }, reference: true } };
    case `${IMG}/imagetags`:
      return { ...base, metadata: { name: 'm:new' }, spec: { name: 'new', from: { kind: 'DockerImage', name: 'quay.io/matrix/new:1' }, reference: true } };
    case `${IMG}/imagestreammappings`:
      return {
        ...base,
        metadata: { name: 'm' },
        tag: 'new',
        image: { metadata: { name: NEW_DIGEST }, dockerImageReference: `quay.io/matrix/m@${NEW_DIGEST}`, dockerImageManifest: NEW_MANIFEST },
      };
    case `${IMG}/imagestreamimports`:
      // A loopback registry the importer refuses to contact: the answer comes without any network.
      return { ...base, metadata: { name: 'm' }, spec: { import: false, images: [{ from: { kind: 'DockerImage', name: '127.0.0.1:1/matrix/m:1' } }] } };
    case `${IMG}/images`:
      return { ...base, metadata: { name: NEW_DIGEST }, dockerImageReference: `quay.io/matrix/m@${NEW_DIGEST}`, dockerImageManifest: NEW_MANIFEST };
    case `${IMG}/imagesignatures`:
      return { ...base, metadata: { name: `${DIGEST}@new` }, type: 'atomic', content: Buffer.from('signed again').toString('base64') };
    case 'config.openshift.io/images':
      return { ...base, metadata: { name: 'cluster' }, spec: {} };
    case `${RBAC}/roles`:
    case `${RBAC}/clusterroles`:
      return { ...base, metadata: { name: 'matrix-new' }, rules };
    case `${RBAC}/rolebindings`:
    case `${RBAC}/clusterrolebindings`:
      return { ...base, metadata: { name: 'matrix-new' }, roleRef, subjects };
    case 'authorization.k8s.io/selfsubjectaccessreviews':
      return { ...base, spec: { resourceAttributes: { verb: 'get', resource: 'configmaps', namespace: TEAM } } };
    case 'authentication.k8s.io/selfsubjectreviews':
      return base;
    default:
      return { ...base, metadata: { name: 'matrix-new' } };
  }
}

function buildCells(resources: readonly DiscoveredResource[], current: ReadonlyMap<string, unknown>): Cell[] {
  const cells: Cell[] = [];
  for (const r of resources) {
    const [resource = '', subresource] = r.name.split('/');
    const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    for (const verb of r.verbs) assert.ok(KNOWN_VERBS.includes(verb), `discovery declares verb ${verb} on ${r.name}: the matrix does not know how to ask it`);
    for (const ns of r.namespaced ? [TEAM, OTHER] : [undefined]) {
      const collection = `${prefix}${ns ? `/namespaces/${ns}` : ''}/${resource}`;
      const name = itemName(r.group, resource);
      const item = `${collection}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
      // Item requests on a namespace are authorized in that namespace, like kube-apiserver's.
      const itemNs = ns ?? (r.group === '' && resource === 'namespaces' ? name : undefined);
      for (const verb of r.verbs) {
        const base = { verb, resourceRequest: true, group: r.group, resource: r.name };
        const id = `${verb} ${r.group ? `${r.name}.${r.group}` : r.name}${ns ? ` in ${ns}` : ''}`;
        const scoped = (n: string | undefined) => (n ? { namespace: n } : {});
        switch (verb) {
          case 'get':
            cells.push({ ...base, id, method: 'GET', path: item, write: false, ...scoped(itemNs) });
            break;
          case 'list':
            cells.push({ ...base, id, method: 'GET', path: collection, write: false, ...scoped(ns) });
            break;
          case 'watch':
            cells.push({ ...base, id, method: 'GET', path: `${collection}?watch=true&timeoutSeconds=1`, write: false, ...scoped(ns) });
            break;
          case 'create':
            cells.push({
              ...base,
              id,
              method: 'POST',
              path: `${subresource ? item : collection}?dryRun=All`,
              body: createBody(r),
              write: true,
              ...scoped(subresource ? itemNs : ns),
            });
            break;
          case 'update':
            cells.push({ ...base, id, method: 'PUT', path: `${item}?dryRun=All`, body: current.get(item) ?? createBody(r), write: true, ...scoped(itemNs) });
            break;
          case 'patch':
            cells.push({
              ...base,
              id,
              method: 'PATCH',
              path: `${item}?dryRun=All`,
              // An ImageTag is changed through its spec only; everything else through its metadata.
              body:
                r.group === IMG && r.name === 'imagetags'
                  ? { spec: { annotations: { 'matrix.example.com/patched': 'yes' } } }
                  : { metadata: { annotations: { 'matrix.example.com/patched': 'yes' } } },
              contentType: 'application/merge-patch+json',
              write: true,
              ...scoped(itemNs),
            });
            break;
          case 'delete':
            cells.push({ ...base, id, method: 'DELETE', path: `${item}?dryRun=All`, write: true, ...scoped(itemNs) });
            break;
          case 'deletecollection':
            cells.push({ ...base, id, method: 'DELETE', path: `${collection}?dryRun=All`, write: true, ...scoped(ns) });
            break;
        }
      }
    }
  }
  // Non-resource paths: discovery, OpenAPI, health, version, metrics.
  for (const path of [
    '/api',
    '/api/v1',
    '/apis',
    `/apis/${IMG}`,
    `/apis/${IMG}/v1`,
    '/openapi/v2',
    '/openapi/v3',
    '/version',
    '/healthz',
    '/livez',
    '/readyz',
    '/metrics',
  ]) {
    cells.push({ id: `get path ${path}`, method: 'GET', path, verb: 'get', resourceRequest: false, group: '', resource: path, write: false });
  }
  return cells;
}

/** The oracle: may `u` do `c`, by the documented policy? */
function expectedAllowed(u: MatrixUser, c: Cell): boolean {
  if (!c.resourceRequest) {
    if (PUBLIC_PATHS.includes(c.resource)) return true;
    if (u.auth === 'none') return false;
    if (pathCovered(DISCOVERY_PATHS, c.resource)) return true;
    // Only cluster-admin's rules cover every non-resource URL (`*`).
    return u.bindings.some((b) => b.role === 'cluster-admin' && b.scope === 'cluster');
  }
  if (u.auth === 'none') return false;
  if (EVERY_AUTHENTICATED.some((r) => ruleCovers(r, c.verb, c.group, c.resource))) return true;
  return u.bindings.some(
    (b) => (b.scope === 'cluster' || b.scope === c.namespace) && (POLICY[b.role] ?? []).some((r) => ruleCovers(r, c.verb, c.group, c.resource)),
  );
}

/** Every object the server holds, read as the server's own admin: lists of every listable resource. */
async function snapshot(resources: readonly DiscoveredResource[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const r of resources) {
    if (r.name.includes('/') || !r.verbs.includes('list')) continue;
    const path = `${r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`}/${r.name}`;
    const list = await adminJson<{ metadata: { resourceVersion?: string }; items: unknown[] }>('GET', path, undefined, 200);
    out[path] = { resourceVersion: list.metadata.resourceVersion, items: list.items };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Setup: token file, client CA and certificates, the server, bindings and fixtures.
// ---------------------------------------------------------------------------------------------

before(async () => {
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${USERS.filter((u) => u.auth === 'token')
      .map((u) => `${tokenOf(u)},${u.name},uid-${u.name}${u.groups.length ? `,"${u.groups.join(',')}"` : ''}`)
      .join('\n')}\n`,
  );
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=matrix-client-ca',
  ]);
  for (const u of USERS.filter((x) => x.auth === 'cert')) {
    const subj = `/CN=${u.name}${u.groups.map((g) => `/O=${g}`).join('')}`;
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${u.name}.key`, '-out', `${u.name}.csr`, '-subj', subj]);
    openssl(['x509', '-req', '-in', `${u.name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${u.name}.crt`, '-days', '2']);
  }
  server = await startServerProcess({ args: ['--token-auth-file', join(dir, 'tokens.csv'), '--client-ca-file', join(dir, 'ca.crt')] });

  for (const ns of [TEAM, OTHER]) await adminJson('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 201);
  for (const u of USERS) {
    for (const b of u.bindings) {
      const subject = { kind: b.subject.kind, apiGroup: RBAC, name: b.subject.name };
      const roleRef = { apiGroup: RBAC, kind: 'ClusterRole', name: b.role };
      const name = `matrix-${b.subject.name}-${b.role.replace(/:/g, '-')}`;
      if (b.scope === 'cluster')
        await adminJson(
          'POST',
          `/apis/${RBAC}/v1/clusterrolebindings`,
          { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef, subjects: [subject] },
          201,
        );
      else
        await adminJson(
          'POST',
          `/apis/${RBAC}/v1/namespaces/${b.scope}/rolebindings`,
          { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name }, roleRef, subjects: [subject] },
          201,
        );
    }
  }

  // Fixtures the item cells address: cluster-scoped ones once, namespaced ones in both namespaces.
  const someone = [{ kind: 'User', apiGroup: RBAC, name: 'fixture-someone' }];
  await adminJson(
    'POST',
    `/apis/${RBAC}/v1/clusterroles`,
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'matrix-fixture' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    },
    201,
  );
  await adminJson(
    'POST',
    `/apis/${RBAC}/v1/clusterrolebindings`,
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'matrix-fixture' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'matrix-fixture' },
      subjects: someone,
    },
    201,
  );
  for (const ns of [TEAM, OTHER]) {
    await adminJson(
      'POST',
      `/apis/${IMG}/v1/namespaces/${ns}/imagestreams`,
      {
        apiVersion: `${IMG}/v1`,
        kind: 'ImageStream',
        metadata: { name: 'm' },
        spec: { tags: [{ name: 't', from: { kind: 'DockerImage', name: 'quay.io/matrix/m:1' }, reference: true }] },
      },
      201,
    );
    await adminJson(
      'POST',
      `/apis/${IMG}/v1/namespaces/${ns}/imagestreammappings`,
      {
        apiVersion: `${IMG}/v1`,
        kind: 'ImageStreamMapping',
        metadata: { name: 'm' },
        tag: 't',
        image: { metadata: { name: DIGEST }, dockerImageReference: `quay.io/matrix/m@${DIGEST}`, dockerImageManifest: MANIFEST },
      },
      201,
    );
    await adminJson(
      'POST',
      `/api/v1/namespaces/${ns}/secrets`,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { password: 'hunter2' } },
      201,
    );
    await adminJson('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } }, 201);
    await adminJson(
      'POST',
      `/apis/${RBAC}/v1/namespaces/${ns}/roles`,
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'matrix-fixture' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      201,
    );
    await adminJson(
      'POST',
      `/apis/${RBAC}/v1/namespaces/${ns}/rolebindings`,
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'matrix-fixture' },
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'matrix-fixture' },
        subjects: someone,
      },
      201,
    );
  }
  await adminJson(
    'POST',
    `/apis/${IMG}/v1/imagesignatures`,
    {
      apiVersion: `${IMG}/v1`,
      kind: 'ImageSignature',
      metadata: { name: `${DIGEST}@sig1` },
      type: 'atomic',
      content: Buffer.from('signed').toString('base64'),
    },
    201,
  );
});

after(async () => {
  for (const a of agents.values()) a.destroy();
  await server?.stop();
  server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the permission matrix, with real requests', () => {
  it('allows exactly what the documented policy grants each user, on every served resource and verb, and changes nothing', async () => {
    const resources = await discover();
    // The discovery documents must hold what the README says is served (so a discovery bug cannot shrink the matrix).
    const names = new Set(resources.map((r) => `${r.group}/${r.name}`));
    for (const must of [
      `${IMG}/imagestreams`,
      `${IMG}/imagestreams/status`,
      `${IMG}/imagestreams/layers`,
      `${IMG}/imagestreams/secrets`,
      `${IMG}/images`,
      `${IMG}/imagestreamtags`,
      '/secrets',
      'config.openshift.io/images',
      `${RBAC}/rolebindings`,
    ])
      assert.ok(names.has(must), `discovery lists ${must}`);

    // The bodies updates send: each item as it is now (read as the server's admin).
    const current = new Map<string, unknown>();
    for (const r of resources) {
      if (!r.verbs.includes('update')) continue;
      const [resource = '', subresource] = r.name.split('/');
      const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      for (const ns of r.namespaced ? [TEAM, OTHER] : [undefined]) {
        const item = `${prefix}${ns ? `/namespaces/${ns}` : ''}/${resource}/${encodeURIComponent(itemName(r.group, resource))}${subresource ? `/${subresource}` : ''}`;
        const got = await api(server, 'GET', item);
        if (got.status === 200) current.set(item, got.json());
      }
    }

    const cells = buildCells(resources, current);
    const before = await snapshot(resources);

    const jobs = USERS.flatMap((u) => cells.map((c) => ({ u, c })));
    const results = await mapLimited(jobs, 8, async ({ u, c }) => ({ u, c, out: await send(u, c.method, c.path, c.body, c.contentType) }));
    const afterwards = await snapshot(resources);

    const mismatches: string[] = [];
    const badDenials: string[] = [];
    const perUser = new Map<string, { cells: number; allowed: number; denied: number }>();
    const codes = new Map<number, number>();
    let allowed = 0;
    let denied = 0;
    let deniedWrites = 0;
    for (const { u, c, out } of results) {
      codes.set(out.status, (codes.get(out.status) ?? 0) + 1);
      const denialCode = u.auth === 'none' ? 401 : 403;
      const wasDenied = out.status === denialCode;
      // The other refusal code is never right: anonymous is not "forbidden", a known user not "unauthorized".
      if (out.status === (u.auth === 'none' ? 403 : 401)) mismatches.push(`${u.name} ${c.id}: ${out.status} ${out.text.slice(0, 200)}`);
      const want = expectedAllowed(u, c);
      if (wasDenied === want) mismatches.push(`${u.name} ${c.id}: expected ${want ? 'allowed' : 'denied'}, got ${out.status} ${out.text.slice(0, 200)}`);
      if (wasDenied && u.auth !== 'none' && c.resourceRequest) {
        // Every 403 is the authorizer's, naming user, verb, resource and scope.
        const s = JSON.parse(out.text) as { reason?: string; message?: string };
        const [res = '', sub] = c.resource.split('/');
        const scope = c.namespace ? `in the namespace "${c.namespace}"` : 'at the cluster scope';
        const tail = `is forbidden: User "${u.name}" cannot ${c.verb} resource "${sub ? `${res}/${sub}` : res}" in API group "${c.group}" ${scope}`;
        if (s.reason !== 'Forbidden' || !s.message?.endsWith(tail)) badDenials.push(`${u.name} ${c.id}: ${out.text}`);
      }
      if (wasDenied && u.auth === 'none' && JSON.parse(out.text).reason !== 'Unauthorized') badDenials.push(`${u.name} ${c.id}: ${out.text}`);
      const p = perUser.get(u.name) ?? { cells: 0, allowed: 0, denied: 0 };
      p.cells++;
      if (wasDenied) {
        p.denied++;
        denied++;
        if (c.write) deniedWrites++;
      } else {
        p.allowed++;
        allowed++;
      }
      perUser.set(u.name, p);
    }

    const resourceCells = cells.filter((c) => c.resourceRequest).length;
    console.log(
      `# permission matrix: ${results.length} cells = ${USERS.length} users x ${cells.length} requests (${resourceCells} resource cells over ${resources.length} discovered resources/subresources in ${TEAM} and ${OTHER}, ${cells.length - resourceCells} non-resource paths)`,
    );
    console.log(`# permission matrix: ${allowed} allowed, ${denied} denied (${deniedWrites} of them writes), ${mismatches.length} mismatches`);
    for (const u of USERS) {
      const p = perUser.get(u.name);
      console.log(`#   ${u.name} [${u.auth}] ${u.label}: ${p?.cells ?? 0} cells, ${p?.allowed ?? 0} allowed, ${p?.denied ?? 0} denied`);
    }
    console.log(
      `# status codes: ${[...codes.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );

    assert.deepEqual(mismatches, [], 'cells whose answer differs from the documented policy');
    assert.deepEqual(badDenials, [], 'denials without the Kubernetes Status');
    assert.ok(allowed > 0 && denied > 0);

    // Who each credential turned out to be: the self review each user sent in the matrix.
    for (const { u, c, out } of results) {
      if (c.resource !== 'selfsubjectreviews' || u.auth === 'none') continue;
      const info = (JSON.parse(out.text) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
      assert.equal(info.username, u.name);
      for (const g of [...u.groups, 'system:authenticated']) assert.ok(info.groups.includes(g), `${u.name} is in ${g}: ${JSON.stringify(info)}`);
    }

    // Nothing changed: neither the denied writes nor the dry-run ones that were let through.
    assert.deepEqual(afterwards, before, 'the store after the matrix');
  });

  it('names user, verb, resource and namespace in a 403', async () => {
    const viewer = USERS.find((u) => u.name === 'matrix-view') as MatrixUser;
    const r = await send(viewer, 'DELETE', `/api/v1/namespaces/${TEAM}/secrets/s?dryRun=All`);
    assert.equal(r.status, 403);
    const s = JSON.parse(r.text) as { kind: string; status: string; reason: string; code: number; message: string; details: { name?: string; kind?: string } };
    assert.equal(s.kind, 'Status');
    assert.equal(s.status, 'Failure');
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.code, 403);
    assert.equal(s.message, `secrets "s" is forbidden: User "matrix-view" cannot delete resource "secrets" in API group "" in the namespace "${TEAM}"`);
    assert.deepEqual({ name: s.details.name, kind: s.details.kind }, { name: 's', kind: 'secrets' });
    // And the secret is still there.
    assert.equal((await api(server, 'GET', `/api/v1/namespaces/${TEAM}/secrets/s`)).status, 200);
  });
});
