/**
 * A registry behind TLS with a private CA: refused until the CA is trusted through the cluster
 * image config's additionalTrustedCA (a ConfigMap in openshift-config), reachable without
 * verification when the import is insecure, and refused outright once listed in blockedRegistries;
 * a plain-HTTP registry is reachable once listed in insecureRegistries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingPki } from '../../src/server/pki.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { eventually } from '../support/eventually.js';
import { pushImage, sha256, startRegistry, type PushedImage, type Registry } from '../support/registry.js';
import { registryRequest } from '../support/registry-request.js';

let server: ServerProcess;
let plain: Registry;
let secure: Registry;
let image: PushedImage;
const pkiDir = mkdtempSync(join(tmpdir(), 'registry-pki-'));
const pki = ensureServingPki(pkiDir, ['127.0.0.1']);

interface Result {
  status: { status: string; reason?: string; message?: string };
  image?: { metadata: { name: string } };
}

async function importFrom(insecure: boolean, host = secure.host): Promise<Result> {
  const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/tls/imagestreamimports', {
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'tls' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: `${host}/team/app:v1` }, importPolicy: { insecure } }] },
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json<{ status: { images: Result[] } }>().status.images[0] as Result;
}

async function patchConfig(spec: unknown): Promise<void> {
  const r = await api(server, 'PATCH', '/apis/config.openshift.io/v1/images/cluster', { body: { spec }, contentType: 'application/merge-patch+json' });
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  plain = await startRegistry();
  image = await pushImage(plain.host, 'team/app', 'v1', { seed: 'tls' });
  secure = await startRegistry({ tls: { cert: pki.certPem, key: pki.keyPem }, storage: plain.storage });
  server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8'] });
  const ns = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tls' } } });
  assert.equal(ns.status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await secure?.stop();
  await plain?.stop();
  rmSync(pkiDir, { recursive: true, force: true });
});

describe('imports over TLS with a private CA', () => {
  it('refuses a certificate from an untrusted CA', async () => {
    const r = await importFrom(false);
    assert.equal(r.status.reason, 'InternalError');
    assert.match(r.status.message ?? '', /certificate/i);
  });

  it('imports without verification when the import is insecure', async () => {
    const r = await importFrom(true);
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
  });

  it('trusts the CA once additionalTrustedCA names a ConfigMap holding it', async () => {
    const cm = await api(server, 'POST', '/api/v1/namespaces/openshift-config/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas' }, data: { [secure.host.replace(':', '..')]: pki.caCertPem } },
    });
    assert.equal(cm.status, 201, cm.text);
    await patchConfig({ additionalTrustedCA: { name: 'registry-cas' } });
    const r = await importFrom(false);
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, image.digest);
  });

  it('pulls through from that registry with the same trusted CAs, and not without them', async () => {
    const created = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/tls/imagestreams', {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'pulled' },
        spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: `${secure.host}/team/app:v1` } }] },
      },
    });
    assert.equal(created.status, 201, created.text);
    await eventually('the tag imported from the TLS registry', async () => {
      const r = await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/tls/imagestreamtags/pulled:v1');
      return r.status === 200 ? r : undefined;
    });
    // Its layer is not stored here: a pull of it goes to the TLS registry.
    const blob = `/v2/tls/pulled/blobs/${image.layerDigest}`;
    await patchConfig({ additionalTrustedCA: null });
    await eventually('the CA no longer trusted', async () => ((await importFrom(false)).status.reason === 'InternalError' ? true : undefined));
    const refused = await registryRequest(server, 'GET', blob);
    assert.notEqual(refused.status, 200);
    assert.ok(Array.isArray(refused.json<{ errors?: unknown }>().errors), refused.body.toString());
    await patchConfig({ additionalTrustedCA: { name: 'registry-cas' } });
    await eventually('the CA trusted again', async () => ((await importFrom(false)).status.status === 'Success' ? true : undefined));
    const pulled = await registryRequest(server, 'GET', blob);
    assert.equal(pulled.status, 200, pulled.body.toString());
    assert.equal(sha256(pulled.body), image.layerDigest);
  });

  it('refuses a registry listed in registrySources.blockedRegistries', async () => {
    await patchConfig({ registrySources: { blockedRegistries: [secure.host] } });
    const r = await importFrom(false);
    assert.equal(r.status.reason, 'Forbidden');
    assert.equal(r.status.message, `forbidden: registry ${secure.host} blocked`);
    await patchConfig({ registrySources: null });
  });

  it('reaches a plain-HTTP registry only once registrySources.insecureRegistries lists it', async () => {
    const refused = await importFrom(false, plain.host);
    assert.equal(refused.status.status, 'Failure');
    await patchConfig({ registrySources: { insecureRegistries: [plain.host] } });
    const r = await importFrom(false, plain.host);
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, image.digest);
    await patchConfig({ registrySources: null });
  });
});
