/**
 * Who may do what, end to end over HTTPS: tokens from --token-auth-file, a client certificate from
 * --client-ca-file, RBAC bindings made with kubectl, `kubectl auth whoami` and `auth can-i`, a
 * permission matrix over the default roles, and the image API's own permission rules (the import
 * allow-list bypass, cross-namespace tag sources).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';

let server: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'rbac-'));
const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  viewer: 'viewer-token-0123456789',
  puller: 'puller-token-0123456789',
  dana: 'dana-token-0123456789',
};
const MATRIX_ROLES = [
  'view',
  'edit',
  'admin',
  'system:image-puller',
  'system:image-pusher',
  'system:image-builder',
  'system:registry',
  'system:image-signer',
  'cluster-admin',
];
const matrixUser = (role: string) => `matrix-${role.replace(/:/g, '-')}`;
const MATRIX_TOKENS: Record<string, string> = Object.fromEntries(MATRIX_ROLES.map((r) => [r, `${matrixUser(r)}-token-0123456789`]));
const admin = (args: string[]) => kubectl(server.kubeconfig, args);

interface Status {
  code: number;
  reason: string;
  message: string;
}

function as(user: keyof typeof TOKENS, args: string[]) {
  return kubectl(server.kubeconfig, ['--token', TOKENS[user], ...args]);
}

function ok(r: { code: number | null; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

before(async () => {
  writeFileSync(
    join(dir, 'tokens.csv'),
    [...Object.entries(TOKENS), ...MATRIX_ROLES.map((r) => [matrixUser(r), MATRIX_TOKENS[r]] as const)]
      .map(([user, token]) => `${token},${user},uid-${user}`)
      .join('\n'),
  );
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=client-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'carol.key', '-out', 'carol.csr', '-subj', '/CN=carol/O=devs']);
  openssl(['x509', '-req', '-in', 'carol.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'carol.crt', '-days', '2']);
  server = await startServerProcess({ args: ['--token-auth-file', join(dir, 'tokens.csv'), '--client-ca-file', join(dir, 'ca.crt')] });
  ok(await admin(['create', 'namespace', 'team']));
  ok(await admin(['create', 'namespace', 'other']));
  ok(await admin(['-n', 'team', 'create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob']));
  ok(await admin(['-n', 'team', 'create', 'rolebinding', 'viewer-view', '--clusterrole=view', '--user=viewer']));
  ok(await admin(['-n', 'team', 'create', 'rolebinding', 'puller', '--clusterrole=system:image-puller', '--user=puller']));
  ok(await admin(['-n', 'team', 'create', 'rolebinding', 'devs-view', '--clusterrole=view', '--group=devs']));
  ok(await admin(['-n', 'team', 'create', 'rolebinding', 'dana-admin', '--clusterrole=admin', '--user=dana']));
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('tells each user who they are with kubectl auth whoami', async () => {
    const out = ok(await as('bob', ['auth', 'whoami']));
    assert.match(out, /Username\s+bob/);
    assert.match(out, /system:authenticated/);
  });

  it('authenticates a client certificate: CN is the user, O the groups', async () => {
    // Asked with the certificate alone (the generated kubeconfig also carries the admin token).
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        new URL('/apis/authentication.k8s.io/v1/selfsubjectreviews', server.url),
        {
          method: 'POST',
          ca: server.ca,
          cert: readFileSync(join(dir, 'carol.crt')),
          key: readFileSync(join(dir, 'carol.key')),
          headers: { 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    });
    const review = JSON.parse(body) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.status.userInfo.username, 'carol');
    assert.ok(review.status.userInfo.groups.includes('devs'));
  });

  it('answers 401 to unknown tokens and to nobody, except on health and version', async () => {
    assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/imagestreams', { token: 'nope' })).status, 401);
    assert.equal((await api(server, 'GET', '/apis', { token: null })).status, 401);
    assert.equal((await api(server, 'GET', '/healthz', { token: null })).status, 200);
  });
});

describe('authorization', () => {
  it('refuses with the Kubernetes message naming user, verb, resource and namespace', async () => {
    const r = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', { token: TOKENS.alice });
    assert.equal(r.status, 403);
    const s = r.json<Status>();
    assert.equal(s.reason, 'Forbidden');
    assert.equal(
      s.message,
      'imagestreams.image.openshift.io is forbidden: User "alice" cannot list resource "imagestreams" in API group "image.openshift.io" in the namespace "team"',
    );
    const one = await api(server, 'GET', '/apis/image.openshift.io/v1/images/x', { token: TOKENS.alice });
    assert.equal(
      one.json<Status>().message,
      'images.image.openshift.io "x" is forbidden: User "alice" cannot get resource "images" in API group "image.openshift.io" at the cluster scope',
    );
  });

  it('answers kubectl auth can-i from the bindings made with kubectl', async () => {
    assert.equal((await as('bob', ['auth', 'can-i', 'create', 'imagestreams', '-n', 'team'])).stdout.trim(), 'yes');
    assert.equal((await as('bob', ['auth', 'can-i', 'create', 'imagestreams', '-n', 'other'])).stdout.trim(), 'no');
    assert.equal((await as('viewer', ['auth', 'can-i', 'get', 'imagestreams', '--subresource=layers', '-n', 'team'])).stdout.trim(), 'no');
    assert.equal((await as('puller', ['auth', 'can-i', 'get', 'imagestreams', '--subresource=layers', '-n', 'team'])).stdout.trim(), 'yes');
  });

  it('applies a permission matrix of the default roles', async () => {
    const stream = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'm' } };
    assert.equal((await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', { body: stream })).status, 201);
    const IS = '/apis/image.openshift.io/v1/namespaces/team/imagestreams';
    const checks: { what: string; method: string; path: string; body?: unknown; allowed: Partial<Record<keyof typeof TOKENS, boolean>> }[] = [
      { what: 'list streams', method: 'GET', path: IS, allowed: { alice: false, bob: true, viewer: true, puller: false } },
      {
        what: 'create a stream',
        method: 'POST',
        path: IS,
        body: { ...stream, metadata: { generateName: 'x' } },
        allowed: { alice: false, bob: true, viewer: false, puller: false },
      },
      { what: 'pull (layers)', method: 'GET', path: `${IS}/m/layers`, allowed: { alice: false, bob: true, viewer: false, puller: true } },
      { what: 'read pull secrets', method: 'GET', path: `${IS}/m/secrets`, allowed: { alice: false, bob: true, viewer: false, puller: false } },
      { what: 'list secrets', method: 'GET', path: '/api/v1/namespaces/team/secrets', allowed: { alice: false, bob: true, viewer: false, puller: false } },
      {
        what: 'create an image',
        method: 'POST',
        path: '/apis/image.openshift.io/v1/images',
        body: { apiVersion: 'image.openshift.io/v1', kind: 'Image', metadata: { name: 'sha256:x' }, dockerImageReference: 'a/b' },
        allowed: { alice: false, bob: false, viewer: false, puller: false },
      },
      {
        what: 'bind roles',
        method: 'GET',
        path: '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings',
        allowed: { alice: false, bob: false, viewer: false, puller: false },
      },
      {
        what: 'list streams elsewhere',
        method: 'GET',
        path: '/apis/image.openshift.io/v1/namespaces/other/imagestreams',
        allowed: { alice: false, bob: false, viewer: false, puller: false },
      },
    ];
    const seen: string[] = [];
    for (const c of checks) {
      for (const [user, allowed] of Object.entries(c.allowed) as [keyof typeof TOKENS, boolean][]) {
        const r = await api(server, c.method, c.path, { token: TOKENS[user], ...(c.body ? { body: c.body } : {}) });
        seen.push(`${user} ${c.what}: ${r.status}`);
        if (allowed) assert.notEqual(r.status, 403, `${user} should be allowed to ${c.what}: ${r.text}`);
        else assert.equal(r.status, 403, `${user} should not be allowed to ${c.what}: ${r.status} ${r.text}`);
      }
      const anonymous = await api(server, c.method, c.path, { token: null, ...(c.body ? { body: c.body } : {}) });
      assert.equal(anonymous.status, 401, `anonymous ${c.what}`);
    }
    assert.ok(seen.length > 0);
  });
});

describe('kubectl auth can-i --list', () => {
  it('lists the rules that apply to the user in the namespace', async () => {
    const out = ok(await as('bob', ['-n', 'team', 'auth', 'can-i', '--list']));
    // bob holds edit in team: the image streams' row, and the self reviews every user may create.
    assert.match(out, /imagestreams\.image\.openshift\.io\s+\[\]\s+\[\]\s+\[.*create.*delete.*\]/);
    assert.match(out, /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const elsewhere = ok(await as('bob', ['-n', 'other', 'auth', 'can-i', '--list']));
    assert.doesNotMatch(elsewhere, /imagestreams\.image\.openshift\.io/);
    const neither = await api(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      token: TOKENS.bob,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} },
    });
    assert.equal(neither.status, 422, neither.text);
    assert.equal(
      neither.json<Status>().message,
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const missing = await api(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      token: TOKENS.bob,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} },
    });
    assert.equal(missing.status, 422);
  });
});

describe('impersonation', () => {
  it("runs the request as the impersonated user, with that user's permissions", async () => {
    const who = ok(await admin(['auth', 'whoami', '--as=bob', '--as-group=devs']));
    assert.match(who, /Username\s+bob/);
    assert.match(who, /devs/);
    // bob may edit in team only: impersonating him gives exactly that.
    ok(await admin(['--as=bob', '-n', 'team', 'get', 'imagestreams']));
    const denied = await admin(['--as=bob', '-n', 'other', 'get', 'imagestreams']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /User "bob" cannot list resource "imagestreams" in API group "image.openshift.io" in the namespace "other"/);
  });

  it('needs the impersonate verb on each user and group asked for', async () => {
    // kubectl reports a refusal during discovery only as Forbidden; the Status says why.
    const refused = await as('bob', ['--as=alice', '-n', 'team', 'get', 'imagestreams']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Forbidden/);
    const asAlice = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', {
      token: TOKENS.bob,
      headers: { 'Impersonate-User': 'alice' },
    });
    assert.equal(asAlice.status, 403);
    assert.equal(
      asAlice.json<Status>().message,
      'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    ok(await admin(['create', 'clusterrole', 'impersonate-viewer', '--verb=impersonate', '--resource=users', '--resource-name=viewer']));
    ok(await admin(['create', 'clusterrolebinding', 'alice-impersonates-viewer', '--clusterrole=impersonate-viewer', '--user=alice']));
    assert.match(ok(await as('alice', ['auth', 'whoami', '--as=viewer'])), /Username\s+viewer/);
    ok(await as('alice', ['--as=viewer', '-n', 'team', 'get', 'imagestreams']));
    const group = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', {
      token: TOKENS.alice,
      headers: { 'Impersonate-User': 'viewer', 'Impersonate-Group': 'system:masters' },
    });
    assert.equal(group.status, 403);
    assert.match(group.json<Status>().message, /groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups"/);
    const other = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', {
      token: TOKENS.alice,
      headers: { 'Impersonate-User': 'bob' },
    });
    assert.equal(other.status, 403);
    const noUser = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', { headers: { 'Impersonate-Group': 'devs' } });
    assert.equal(noUser.status, 400);
  });
});

describe('escalation prevention', () => {
  it('refuses a namespace admin a binding to cluster-admin, naming the permissions not held', async () => {
    const r = await as('dana', ['-n', 'team', 'create', 'rolebinding', 'dana-root', '--clusterrole=cluster-admin', '--user=dana']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "dana-root" is forbidden: user "dana" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/,
    );
    assert.equal((await api(server, 'DELETE', '/api/v1/namespaces/team?dryRun=All', { token: TOKENS.dana })).status, 403);
    assert.equal((await admin(['-n', 'team', 'get', 'rolebinding', 'dana-root'])).code, 1, 'nothing was written');
  });

  it('lets them bind roles and write rules they hold, and not others', async () => {
    ok(await as('dana', ['-n', 'team', 'create', 'rolebinding', 'erin-edit', '--clusterrole=edit', '--user=erin']));
    ok(await as('dana', ['-n', 'team', 'create', 'role', 'stream-reader', '--verb=get,list', '--resource=imagestreams.image.openshift.io']));
    const wider = await as('dana', ['-n', 'team', 'create', 'role', 'config-writer', '--verb=update', '--resource=images.config.openshift.io']);
    assert.notEqual(wider.code, 0);
    assert.match(
      wider.stderr,
      /roles\.rbac\.authorization\.k8s\.io "config-writer" is forbidden: .*\{APIGroups:\["config\.openshift\.io"\], Resources:\["images"\], Verbs:\["update"\]\}/s,
    );
    // A binding in a namespace where they hold nothing is refused by plain authorization first.
    assert.notEqual((await as('dana', ['-n', 'other', 'create', 'rolebinding', 'x', '--clusterrole=view', '--user=dana'])).code, 0);
    // Who holds everything (system:masters) binds anything.
    ok(await admin(['-n', 'team', 'create', 'rolebinding', 'root-for-admin', '--clusterrole=cluster-admin', '--user=someone']));
  });
});

describe('the image API permission rules', () => {
  const isi = (from: string) => ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamImport',
    metadata: { name: 'i' },
    spec: { import: false, images: [{ from: { kind: 'DockerImage', name: from } }] },
  });

  it('holds an editor to allowedRegistriesForImport, but not a cluster admin', async () => {
    const patch = await api(server, 'PATCH', '/apis/config.openshift.io/v1/images/cluster', {
      body: { spec: { allowedRegistriesForImport: [{ domainName: 'quay.io' }] } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patch.status, 200, patch.text);
    try {
      const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreamimports', {
        token: TOKENS.bob,
        body: isi('registry.example.com/a/b:1'),
      });
      assert.equal(r.status, 422, r.text);
      assert.match(
        r.json<Status>().message,
        /spec.images\[0\].from.name: Forbidden: importing images from registry "registry.example.com:443" is forbidden: registry "registry.example.com:443" not allowed by whitelist: "127\.0\.0\.1:\d+", "quay.io:443"/,
      );
      // Docker Hub is named as the importer contacts it, as openshift-apiserver names it.
      const hub = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreamimports', { token: TOKENS.bob, body: isi('busybox:1') });
      assert.equal(hub.status, 422, hub.text);
      assert.match(
        hub.json<Status>().message,
        /importing images from registry "registry-1.docker.io:443" is forbidden: registry "registry-1.docker.io:443" not allowed by whitelist: "127\.0\.0\.1:\d+", "quay.io:443"/,
      );
      const asAdmin = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreamimports', { body: isi('registry.example.com/a/b:1') });
      assert.equal(asAdmin.status, 201, asAdmin.text);
    } finally {
      await api(server, 'PATCH', '/apis/config.openshift.io/v1/images/cluster', {
        body: { spec: { allowedRegistriesForImport: null } },
        contentType: 'application/merge-patch+json',
      });
    }
  });

  it('lets a user tag from another namespace only with get imagestreams/layers there', async () => {
    const src = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'src' },
      spec: { tags: [{ name: 't', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' }, reference: true }] },
    };
    assert.equal((await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/other/imagestreams', { body: src })).status, 201);
    const tagging = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'copy' },
      spec: { tags: [{ name: 't', from: { kind: 'ImageStreamTag', name: 'src:t', namespace: 'other' } }] },
    };
    const denied = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', { token: TOKENS.bob, body: tagging });
    assert.equal(denied.status, 422, denied.text);
    assert.match(denied.json<Status>().message, /spec.tags\[t\].from: Forbidden: other\/src/);
    ok(await admin(['-n', 'other', 'create', 'rolebinding', 'bob-pull', '--clusterrole=system:image-puller', '--user=bob']));
    const allowed = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/team/imagestreams', { token: TOKENS.bob, body: tagging });
    assert.equal(allowed.status, 201, allowed.text);
  });
});

describe('the permission matrix of the default roles', () => {
  // Every default role is bound cluster-wide to a user of its own (tokens from the token file); each
  // user then asks, over HTTPS with its own token, about every verb on every resource.
  const roles = MATRIX_ROLES;
  const IMG = 'image.openshift.io';
  const resources: { group: string; resource: string; subresource?: string; namespaced: boolean; verbs: string[] }[] = [
    { group: IMG, resource: 'imagestreams', namespaced: true, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] },
    { group: IMG, resource: 'imagestreams', subresource: 'status', namespaced: true, verbs: ['get', 'update', 'patch'] },
    { group: IMG, resource: 'imagestreams', subresource: 'layers', namespaced: true, verbs: ['get', 'update'] },
    { group: IMG, resource: 'imagestreams', subresource: 'secrets', namespaced: true, verbs: ['get'] },
    { group: IMG, resource: 'imagestreamtags', namespaced: true, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
    { group: IMG, resource: 'imagetags', namespaced: true, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
    { group: IMG, resource: 'imagestreamimages', namespaced: true, verbs: ['get'] },
    { group: IMG, resource: 'imagestreammappings', namespaced: true, verbs: ['create'] },
    { group: IMG, resource: 'imagestreamimports', namespaced: true, verbs: ['create'] },
    { group: IMG, resource: 'images', namespaced: false, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { group: IMG, resource: 'imagesignatures', namespaced: false, verbs: ['create', 'delete'] },
    { group: '', resource: 'secrets', namespaced: true, verbs: ['get', 'list', 'create', 'delete'] },
    { group: '', resource: 'configmaps', namespaced: true, verbs: ['get', 'list', 'create', 'delete'] },
    { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespaced: true, verbs: ['get', 'list', 'create', 'delete'] },
    { group: 'config.openshift.io', resource: 'images', namespaced: false, verbs: ['get', 'update'] },
  ];
  const READ = ['get', 'list', 'watch'];
  const streamViews = ['imagestreams', 'imagestreams/status', 'imagestreamtags', 'imagetags', 'imagestreamimages'];
  /** The documented policy (README, bootstrap roles), written out independently as the oracle. */
  function expected(role: string, r: (typeof resources)[number], verb: string): boolean {
    const res = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
    const image = r.group === IMG;
    const namespacedImage = image && r.namespaced;
    switch (role) {
      case 'cluster-admin':
        return true;
      case 'view':
        return (image && streamViews.includes(res) && READ.includes(verb)) || (res === 'configmaps' && READ.includes(verb));
      case 'edit':
      case 'admin':
        return namespacedImage || res === 'secrets' || res === 'configmaps' || (role === 'admin' && res === 'rolebindings');
      case 'system:image-puller':
        return res === 'imagestreams/layers' && verb === 'get';
      case 'system:image-pusher':
        return res === 'imagestreams/layers' && (verb === 'get' || verb === 'update');
      case 'system:image-builder':
        return (res === 'imagestreams/layers' && (verb === 'get' || verb === 'update')) || (res === 'imagestreams' && verb === 'create');
      case 'system:registry':
        return (
          (image && res === 'images' && [...READ, 'create', 'delete'].includes(verb)) ||
          (image && ['imagestreamimages', 'imagestreamtags', 'imagestreams', 'imagestreams/secrets'].includes(res) && (verb === 'get' || verb === 'list')) ||
          (res === 'imagestreammappings' && verb === 'create')
        );
      case 'system:image-signer':
        return (
          (image && (res === 'images' || res === 'imagestreams/layers') && verb === 'get') ||
          (res === 'imagesignatures' && (verb === 'create' || verb === 'delete'))
        );
      default:
        return false;
    }
  }

  it('allows exactly what each default role grants, and nothing to anonymous', async () => {
    for (const role of roles) {
      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: matrixUser(role) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: matrixUser(role) }],
      };
      assert.equal((await api(server, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: binding })).status, 201);
    }
    const mismatches: string[] = [];
    let checked = 0;
    for (const role of roles) {
      for (const r of resources) {
        for (const verb of r.verbs) {
          const review = {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                verb,
                group: r.group,
                resource: r.resource,
                ...(r.subresource ? { subresource: r.subresource } : {}),
                ...(r.namespaced ? { namespace: 'team' } : {}),
              },
            },
          };
          const res = await api(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review, token: MATRIX_TOKENS[role] ?? null });
          assert.equal(res.status, 201, res.text);
          const allowed = res.json<{ status: { allowed: boolean } }>().status.allowed;
          checked++;
          if (allowed !== expected(role, r, verb)) mismatches.push(`${role} ${verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}: got ${allowed}`);
        }
      }
    }
    const anonymous = await api(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: {}, token: null });
    assert.equal(anonymous.status, 401);
    console.log(`permission matrix: ${checked} checks over ${roles.length} roles`);
    assert.deepEqual(mismatches, []);
  });
});
