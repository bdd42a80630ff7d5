/**
 * The real kubectl against the real server process: what a user types, what they see.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl, kubectlStream } from '../support/kubectl.js';

let server: ServerProcess;
const k = (args: string[], stdin?: string) => kubectl(server.kubeconfig, args, stdin === undefined ? {} : { stdin });

function ok(r: { code: number | null; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, `kubectl failed:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

const stream = (name: string, tags: { name: string; from: string }[] = []) =>
  YAML.stringify({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name, labels: { app: 'demo' } },
    spec: { tags: tags.map((t) => ({ name: t.name, from: { kind: 'DockerImage', name: t.from }, reference: true })) },
  });

before(async () => {
  server = await startServerProcess();
  ok(await k(['create', 'namespace', 'e2e']));
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('kubectl against the server', () => {
  it('discovers the API groups and resources', async () => {
    const out = ok(await k(['api-resources']));
    assert.match(out, /imagestreams\s+is\s+image\.openshift\.io\/v1\s+true\s+ImageStream/);
    assert.match(out, /images\s+image\.openshift\.io\/v1\s+false\s+Image/);
    assert.match(out, /images\s+config\.openshift\.io\/v1\s+false\s+Image/);
    assert.match(out, /namespaces\s+ns\s+v1\s+false\s+Namespace/);
  });

  it('creates an image stream and prints it with the server-side table columns', async () => {
    ok(await k(['-n', 'e2e', 'create', '-f', '-'], stream('ruby', [{ name: 'latest', from: 'quay.io/sclorg/ruby:3.3' }])));
    const out = ok(await k(['-n', 'e2e', 'get', 'imagestreams']));
    assert.match(out, /^NAME\s+IMAGE REPOSITORY\s+TAGS\s+UPDATED/m);
    assert.match(out, /^ruby\s+.*latest/m);
    const all = ok(await k(['get', 'is', '-A']));
    assert.match(all, /^NAMESPACE\s+NAME/m);
    assert.match(all, /^e2e\s+ruby/m);
  });

  it('gets an object as YAML and JSON with server-populated metadata', async () => {
    const obj = YAML.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'ruby', '-o', 'yaml']))) as {
      metadata: { uid: string; resourceVersion: string; creationTimestamp: string; generation: number };
      status: { tags: { tag: string; items: { dockerImageReference: string }[] }[] };
    };
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(obj.metadata.resourceVersion, /^[0-9]+$/);
    assert.equal(obj.metadata.generation, 1);
    // a reference tag becomes a status event right away
    assert.equal(obj.status.tags[0]?.items[0]?.dockerImageReference, 'quay.io/sclorg/ruby:3.3');
  });

  it('applies client-side twice (create, then a strategic merge patch) and keeps the last-applied annotation', async () => {
    ok(await k(['-n', 'e2e', 'apply', '-f', '-'], stream('python', [{ name: 'a', from: 'docker.io/library/python:3.11' }])));
    const out = ok(
      await k(
        ['-n', 'e2e', 'apply', '-f', '-'],
        stream('python', [
          { name: 'a', from: 'docker.io/library/python:3.11' },
          { name: 'b', from: 'docker.io/library/python:3.12' },
        ]),
      ),
    );
    assert.match(out, /imagestream.image.openshift.io\/python configured/);
    const obj = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'python', '-o', 'json']))) as {
      metadata: { annotations: Record<string, string>; generation: number };
      spec: { tags: { name: string }[] };
    };
    assert.deepEqual(
      obj.spec.tags.map((t) => t.name),
      ['a', 'b'],
    );
    assert.ok(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(obj.metadata.generation, 2);
  });

  it('finds nothing to change with kubectl diff on unchanged objects, empty fields left out as Go leaves them', async () => {
    ok(await k(['create', 'namespace', 'unchanged']));
    const ns = ok(await k(['get', 'namespace', 'unchanged', '-o', 'yaml']));
    const diff = await k(['diff', '-f', '-'], ns);
    assert.equal(diff.code, 0, `kubectl diff found a change:\n${diff.stdout}${diff.stderr}`);
    ok(
      await k(
        ['-n', 'e2e', 'create', '-f', '-'],
        YAML.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'bare', labels: {} } }),
      ),
    );
    const bare = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'bare', '-o', 'json', '--show-managed-fields']))) as {
      metadata: Record<string, unknown>;
      status: Record<string, unknown>;
    };
    assert.equal('labels' in bare.metadata, false, 'empty labels are left out');
    assert.equal('tags' in bare.status, false, 'a stream without status tags has no status.tags');
    assert.equal(
      (await k(['-n', 'e2e', 'diff', '-f', '-'], YAML.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'bare' } })))
        .code,
      0,
    );
  });

  it('applies server-side, records managedFields, and reports conflicts between managers', async () => {
    const manifest = stream('node', [{ name: 'lts', from: 'docker.io/library/node:20' }]);
    ok(await k(['-n', 'e2e', 'apply', '--server-side', '-f', '-'], manifest));
    const obj = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'node', '-o', 'json', '--show-managed-fields']))) as {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    assert.ok(obj.metadata.managedFields.some((m) => m.manager === 'kubectl' && m.operation === 'Apply'));
    const other = stream('node', [{ name: 'lts', from: 'docker.io/library/node:22' }]);
    const conflict = await k(['-n', 'e2e', 'apply', '--server-side', '--field-manager', 'other', '-f', '-'], other);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflict/i);
    ok(await k(['-n', 'e2e', 'apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'], other));
    const after = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'node', '-o', 'json']))) as {
      spec: { tags: { name: string; from: { name: string } }[] };
    };
    assert.equal(after.spec.tags[0]?.from.name, 'docker.io/library/node:22');
  });

  it('patches with every patch type', async () => {
    ok(await k(['-n', 'e2e', 'patch', 'is', 'ruby', '--type', 'merge', '-p', '{"metadata":{"labels":{"merge":"yes"}}}']));
    ok(await k(['-n', 'e2e', 'patch', 'is', 'ruby', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]']));
    ok(
      await k([
        '-n',
        'e2e',
        'patch',
        'is',
        'ruby',
        '-p',
        '{"spec":{"tags":[{"name":"extra","from":{"kind":"DockerImage","name":"quay.io/x/y:1"},"reference":true}]}}',
      ]),
    );
    const obj = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'ruby', '-o', 'json']))) as {
      metadata: { labels: Record<string, string> };
      spec: { tags: { name: string }[] };
    };
    assert.equal(obj.metadata.labels['merge'], 'yes');
    assert.equal(obj.metadata.labels['json'], 'yes');
    // strategic merge patch merges spec.tags by name instead of replacing the list
    assert.deepEqual(obj.spec.tags.map((t) => t.name).sort(), ['extra', 'latest']);
  });

  it('explains image stream fields from the OpenAPI v3 document', async () => {
    const out = ok(await k(['explain', 'imagestream.spec.tags']));
    assert.match(out, /KIND:\s+ImageStream/);
    assert.match(out, /GROUP:\s+image\.openshift\.io/);
    assert.match(out, /FIELD: tags/);
    assert.match(out, /from/);
  });

  it('watches with get -w and prints added and deleted rows', async () => {
    const w = kubectlStream(server.kubeconfig, ['-n', 'e2e', 'get', 'is', '-w', '--output-watch-events']);
    try {
      await w.waitFor((o) => /ruby/.test(o));
      ok(await k(['-n', 'e2e', 'create', '-f', '-'], stream('watched')));
      await w.waitFor((o) => /ADDED\s+watched/.test(o));
      ok(await k(['-n', 'e2e', 'delete', 'is', 'watched']));
      await w.waitFor((o) => /DELETED\s+watched/.test(o));
    } finally {
      await w.stop();
    }
  });

  it('creates a docker-registry secret, a configmap, and lists them', async () => {
    ok(
      await k([
        '-n',
        'e2e',
        'create',
        'secret',
        'docker-registry',
        'pull',
        '--docker-server=registry.example.com:5000',
        '--docker-username=u',
        '--docker-password=p',
      ]),
    );
    ok(await k(['-n', 'e2e', 'create', 'configmap', 'cm', '--from-literal=a=b']));
    const secrets = ok(await k(['-n', 'e2e', 'get', 'secrets']));
    assert.match(secrets, /^pull\s+kubernetes\.io\/dockerconfigjson\s+1/m);
    const cms = ok(await k(['-n', 'e2e', 'get', 'configmaps']));
    assert.match(cms, /^cm\s+1/m);
    const sec = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'secret', 'pull', '-o', 'json']))) as { data: Record<string, string> };
    const cfg = JSON.parse(Buffer.from(sec.data['.dockerconfigjson'] ?? '', 'base64').toString()) as {
      auths: Record<string, { auth: string }>;
    };
    assert.equal(Buffer.from(cfg.auths['registry.example.com:5000']?.auth ?? '', 'base64').toString(), 'u:p');
  });

  it('shows a kubernetes-style error for a missing object and for invalid input', async () => {
    const missing = await k(['-n', 'e2e', 'get', 'is', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /imagestreams.image.openshift.io "nope" not found/);
    const bad = await k(
      ['-n', 'e2e', 'create', '-f', '-'],
      YAML.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'Bad_Name' } }),
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is invalid/);
    assert.match(bad.stderr, /metadata.name/);
  });

  it('rejects unknown fields under kubectl strict validation with the field named', async () => {
    const r = await k(
      ['-n', 'e2e', 'create', '-f', '-'],
      YAML.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'strict' }, spec: { bogus: 1 } }),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec.bogus"/);
    const gone = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/e2e/imagestreams/strict');
    assert.equal(gone.status, 404);
  });

  it('deletes a namespace together with what it holds', async () => {
    ok(await k(['create', 'namespace', 'doomed']));
    ok(await k(['-n', 'doomed', 'create', '-f', '-'], stream('inside')));
    ok(await k(['delete', 'namespace', 'doomed']));
    const r = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/doomed/imagestreams/inside');
    assert.equal(r.status, 404);
    const ns = await api(server, 'GET', '/api/v1/namespaces/doomed');
    assert.equal(ns.status, 404);
  });

  it('changes the image repository shown for streams when the cluster image config changes', async () => {
    // Read first, so that an answer kept from before the change would show.
    const before = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'ruby', '-o', 'json']))) as { status: { dockerImageRepository: string } };
    assert.notEqual(before.status.dockerImageRepository, 'registry.internal:5000/e2e/ruby');
    ok(
      await k([
        'patch',
        'images.config.openshift.io',
        'cluster',
        '--type',
        'merge',
        '--subresource',
        'status',
        '-p',
        '{"status":{"internalRegistryHostname":"registry.internal:5000"}}',
      ]),
    );
    ok(await k(['patch', 'images.config.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"externalRegistryHostnames":["registry.example.com"]}}']));
    const obj = JSON.parse(ok(await k(['-n', 'e2e', 'get', 'is', 'ruby', '-o', 'json']))) as {
      status: { dockerImageRepository: string; publicDockerImageRepository: string };
    };
    assert.equal(obj.status.dockerImageRepository, 'registry.internal:5000/e2e/ruby');
    assert.equal(obj.status.publicDockerImageRepository, 'registry.example.com/e2e/ruby');
  });

  it('rejects a path in allowedRegistriesForImport with a message that names the field and the rule', async () => {
    const r = await k([
      'patch',
      'images.config.openshift.io',
      'cluster',
      '--type',
      'merge',
      '-p',
      '{"spec":{"allowedRegistriesForImport":[{"domainName":"quay.io/openshift"}]}}',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.allowedRegistriesForImport\[0\].domainName/);
    assert.match(r.stderr, /host\[:port\]/);
  });
});
