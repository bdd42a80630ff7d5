/**
 * Imports from registries that need credentials: basic auth (htpasswd) and bearer tokens from a
 * token server, with the credentials in a pull secret created by `kubectl create secret
 * docker-registry`. Without the secret the entry reports Unauthorized; with a wrong password the
 * anonymous retry still reports the original message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';
import { pushImage, startRegistry, TEST_PASSWORD, TEST_USER, type PushedImage, type Registry } from '../support/registry.js';

let server: ServerProcess;
let basicRegistry: Registry;
let tokenRegistry: Registry;
let basicImage: PushedImage;
let tokenImage: PushedImage;

interface Result {
  status: { status: string; reason?: string; message?: string };
  image?: { metadata: { name: string } };
}

async function preview(namespace: string, from: string): Promise<Result> {
  const r = await api(server, 'POST', `/apis/image.openshift.io/v1/namespaces/${namespace}/imagestreamimports`, {
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'auth' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: from }, importPolicy: { insecure: true } }] },
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json<{ status: { images: Result[] } }>().status.images[0] as Result;
}

async function namespace(name: string): Promise<void> {
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  assert.equal(r.status, 201);
}

async function pullSecret(ns: string, name: string, registry: Registry, password: string, path = ''): Promise<void> {
  const r = await kubectl(server.kubeconfig, [
    '-n',
    ns,
    'create',
    'secret',
    'docker-registry',
    name,
    `--docker-server=${registry.host}${path}`,
    `--docker-username=${TEST_USER}`,
    `--docker-password=${password}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
}

before(async () => {
  basicRegistry = await startRegistry({ auth: 'htpasswd' });
  tokenRegistry = await startRegistry({ auth: 'token' });
  basicImage = await pushImage(basicRegistry.host, 'private/app', 'v1', { seed: 'basic', auth: await basicRegistry.pushHeaders('private/app') });
  tokenImage = await pushImage(tokenRegistry.host, 'private/app', 'v1', { seed: 'token', auth: await tokenRegistry.pushHeaders('private/app') });
  server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8'] });
  await pushImage(basicRegistry.host, 'other/app', 'v1', { seed: 'other', auth: await basicRegistry.pushHeaders('other/app') });
  for (const ns of ['nocreds', 'creds', 'wrong', 'paths']) await namespace(ns);
  // Listed first (by name) but less specific: only images outside private/ get it.
  await pullSecret('paths', 'a-whole-registry', basicRegistry, 'not-the-password');
  await pullSecret('paths', 'b-private-only', basicRegistry, TEST_PASSWORD, '/private');
  await pullSecret('creds', 'basic', basicRegistry, TEST_PASSWORD);
  await pullSecret('creds', 'token', tokenRegistry, TEST_PASSWORD);
  await pullSecret('wrong', 'basic', basicRegistry, 'not-the-password');
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await basicRegistry?.stop();
  await tokenRegistry?.stop();
});

describe('imports that need credentials', () => {
  it('reports Unauthorized without a pull secret, per image, while the request succeeds', async () => {
    for (const registry of [basicRegistry, tokenRegistry]) {
      const r = await preview('nocreds', `${registry.host}/private/app:v1`);
      assert.equal(r.status.status, 'Failure');
      assert.equal(r.status.reason, 'Unauthorized');
      assert.equal(r.status.message, `you may not have access to the container image "${registry.host}/private/app:v1"`);
    }
  });

  it('imports with the credentials of a docker-registry secret, from a basic-auth registry and a token registry', async () => {
    const basic = await preview('creds', `${basicRegistry.host}/private/app:v1`);
    assert.equal(basic.status.status, 'Success', JSON.stringify(basic.status));
    assert.equal(basic.image?.metadata.name, basicImage.digest);
    const token = await preview('creds', `${tokenRegistry.host}/private/app:v1`);
    assert.equal(token.status.status, 'Success', JSON.stringify(token.status));
    assert.equal(token.image?.metadata.name, tokenImage.digest);
  });

  it('picks the pull secret whose registry path matches the image most closely, as the kubelet does', async () => {
    const matched = await preview('paths', `${basicRegistry.host}/private/app:v1`);
    assert.equal(matched.status.status, 'Success', JSON.stringify(matched.status));
    assert.equal(matched.image?.metadata.name, basicImage.digest);
    const elsewhere = await preview('paths', `${basicRegistry.host}/other/app:v1`);
    assert.equal(elsewhere.status.reason, 'Unauthorized');
    assert.equal(elsewhere.status.message, `incorrect username or password for image "${basicRegistry.host}/other/app:v1"`);
  });

  it('retries anonymously after a wrong password and keeps the original message', async () => {
    const r = await preview('wrong', `${basicRegistry.host}/private/app:v1`);
    assert.equal(r.status.status, 'Failure');
    assert.equal(r.status.reason, 'Unauthorized');
    assert.equal(r.status.message, `incorrect username or password for image "${basicRegistry.host}/private/app:v1"`);
  });
});
