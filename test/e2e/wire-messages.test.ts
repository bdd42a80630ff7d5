/**
 * What apimachinery decides and a client can tell: integer query parameters as strconv.ParseInt
 * reads them, bad values in field errors as Go prints them, and the core, RBAC and config kinds'
 * field presence as their Go types' json tags decide it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('wire messages and presence beyond the image API', () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess();
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wire' } } })).status, 201);
    for (const name of ['a', 'b', 'c'])
      assert.equal(
        (await api(server, 'POST', '/api/v1/namespaces/wire/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } })).status,
        201,
      );
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('reads integer parameters as strconv.ParseInt: signs allowed, anything else 400 with Go’s message', async () => {
    const all = await api(server, 'GET', '/api/v1/namespaces/wire/configmaps?limit=-1');
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json<{ items: unknown[]; metadata: { continue?: string } }>().items.length, 3, 'a negative limit is no limit');
    const plus = await api(server, 'GET', '/api/v1/namespaces/wire/configmaps?limit=%2B2');
    assert.equal(plus.json<{ items: unknown[] }>().items.length, 2);
    for (const [value, why] of [
      ['abc', 'invalid syntax'],
      ['1.5', 'invalid syntax'],
      ['', 'invalid syntax'],
      ['99999999999999999999', 'value out of range'],
    ]) {
      const r = await api(server, 'GET', `/api/v1/namespaces/wire/configmaps?limit=${encodeURIComponent(value ?? '')}`);
      assert.equal(r.status, 400, `limit=${value}`);
      assert.equal(r.json<{ message: string }>().message, `strconv.ParseInt: parsing ${JSON.stringify(value)}: ${why}`);
    }
    const grace = await api(server, 'DELETE', '/api/v1/namespaces/wire/configmaps/a?gracePeriodSeconds=soon');
    assert.equal(grace.status, 400);
    assert.equal(grace.json<{ message: string }>().message, 'strconv.ParseInt: parsing "soon": invalid syntax');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/wire/configmaps/a')).status, 200, 'a refused delete deletes nothing');
  });

  it('ends a watch at once when timeoutSeconds is negative, as kube-apiserver does', async () => {
    const started = Date.now();
    const r = await api(server, 'GET', '/api/v1/namespaces/wire/configmaps?watch=true&resourceVersion=0&timeoutSeconds=-1');
    assert.equal(r.status, 200);
    // Without the rule the watch would last its default timeout, minutes; the test's own deadline would end it.
    assert.ok(Date.now() - started < 30_000);
  });

  it('prints composite bad values as Go’s %#v of the reference type', async () => {
    const role = await api(server, 'POST', `${RBAC}/clusterroles`, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'mixed' },
        rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/healthz'] }],
      },
    });
    assert.equal(role.status, 422);
    assert.match(role.json<{ message: string }>().message, /rules\[0\]\.nonResourceURLs: Invalid value: \[\]string\{"\/healthz"\}: rules cannot apply to both/);

    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }],
    };
    assert.equal((await api(server, 'POST', `${RBAC}/namespaces/wire/rolebindings`, { body: binding })).status, 201);
    const changed = await api(server, 'PUT', `${RBAC}/namespaces/wire/rolebindings/b`, { body: { ...binding, roleRef: { ...binding.roleRef, name: 'edit' } } });
    assert.equal(changed.status, 422);
    assert.equal(
      changed.json<{ message: string }>().message,
      'RoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    );

    const review = await api(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } },
      },
    });
    assert.equal(review.status, 422);
    assert.match(
      review.json<{ message: string }>().message,
      /spec\.nonResourceAttributes: Invalid value: authorization\.NonResourceAttributes\{Path:"\/x", Verb:"get"\}: cannot be specified/,
    );
  });

  it('leaves the value out of a Too long error', async () => {
    const r = await api(server, 'POST', `/api/v1/namespaces/wire/configmaps?fieldManager=${'m'.repeat(129)}`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'long' } },
    });
    assert.equal(r.status, 400);
    assert.match(r.json<{ message: string }>().message, /fieldManager: Too long: must have at most 128 bytes$/);
  });

  it('encodes core, RBAC and config kinds with the presence of their Go types', async () => {
    const cm = (await api(server, 'GET', '/api/v1/namespaces/wire/configmaps/b')).json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(cm).sort(), ['apiVersion', 'kind', 'metadata'], 'an empty ConfigMap has no data, binaryData or immutable');
    const ns = (await api(server, 'GET', '/api/v1/namespaces/wire')).json<Record<string, unknown>>();
    assert.ok('spec' in ns && 'status' in ns, 'Namespace always has spec and status (structs)');
    const secret = await api(server, 'POST', '/api/v1/namespaces/wire/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } });
    assert.equal(secret.status, 201);
    assert.ok(!('data' in secret.json()), 'an empty Secret has no data');

    const role = await api(server, 'POST', `${RBAC}/namespaces/wire/roles`, {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'empty' } },
    });
    assert.equal(role.status, 201, role.text);
    assert.ok('rules' in role.json() && role.json()['rules'] === null, 'Role.rules has no omitempty: null when unset');
    const rb = (await api(server, 'GET', `${RBAC}/namespaces/wire/rolebindings/b`)).json<{ subjects: Record<string, unknown>[] }>();
    assert.deepEqual(rb.subjects[0], { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' });
    const lone = await api(server, 'POST', `${RBAC}/namespaces/wire/rolebindings`, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'nobody' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      },
    });
    assert.equal(lone.status, 201, lone.text);
    assert.ok(!('subjects' in lone.json()), 'RoleBinding.subjects is omitempty');

    const config = (await api(server, 'GET', '/apis/config.openshift.io/v1/images/cluster')).json<{
      spec: Record<string, unknown>;
      status: Record<string, unknown>;
    }>();
    assert.deepEqual(config.spec['additionalTrustedCA'], { name: '' }, 'ImageSpec.additionalTrustedCA is a struct: always there');
    assert.ok('registrySources' in config.spec, 'ImageSpec.registrySources is a struct: always there');
  });
});
