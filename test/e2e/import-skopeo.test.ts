/**
 * Imports of images pushed by skopeo: an OCI image, the same converted to Docker schema 2, and an
 * index of two platforms converted by skopeo to a Docker manifest list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRegistry, type Registry } from '../support/registry.js';
import { OciLayout, skopeoCopy, skopeoDigest } from '../support/skopeo.js';

let server: ServerProcess;
let registry: Registry;
const layout = new OciLayout();

interface Result {
  status: { status: string; reason?: string; message?: string };
  image?: {
    metadata: { name: string };
    dockerImageManifestMediaType: string;
    dockerImageMetadata: { Config?: { Env?: string[] } };
    dockerImageManifests?: { mediaType: string; architecture: string }[];
  };
  manifests?: { metadata: { name: string }; dockerImageManifestMediaType: string }[];
}

async function importOne(from: string, mode?: string): Promise<Result> {
  const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/sk/imagestreamimports', {
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'sk' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: from }, importPolicy: { insecure: true, ...(mode ? { importMode: mode } : {}) } }] },
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json<{ status: { images: Result[] } }>().status.images[0] as Result;
}

before(async () => {
  registry = await startRegistry();
  const amd = layout.image('skopeo-amd64', 'amd64');
  const arm = layout.image('skopeo-arm64', 'arm64');
  layout.tag('v1', amd);
  layout.tag('multi', layout.index([amd, arm]));
  skopeoCopy(layout, 'v1', `${registry.host}/sk/app:oci`);
  skopeoCopy(layout, 'v1', `${registry.host}/sk/app:docker`, { docker: true });
  skopeoCopy(layout, 'multi', `${registry.host}/sk/multi:list`, { docker: true, all: true });
  server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8'] });
  const ns = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sk' } } });
  assert.equal(ns.status, 201);
});

after(async () => {
  rmSync(layout.dir, { recursive: true, force: true });
  await server?.stop();
  server?.cleanup();
  await registry?.stop();
});

describe('images pushed by skopeo', () => {
  it('imports the OCI image and its config', async () => {
    const r = await importOne(`${registry.host}/sk/app:oci`);
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, skopeoDigest(`${registry.host}/sk/app:oci`));
    assert.equal(r.image?.dockerImageManifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.ok(r.image?.dockerImageMetadata.Config?.Env?.includes('SEED=skopeo-amd64'));
  });

  it('imports the Docker schema 2 conversion', async () => {
    const r = await importOne(`${registry.host}/sk/app:docker`);
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.dockerImageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(r.image?.metadata.name, skopeoDigest(`${registry.host}/sk/app:docker`));
  });

  it('imports a Docker manifest list in both import modes', async () => {
    const legacy = await importOne(`${registry.host}/sk/multi:list`);
    assert.equal(legacy.status.status, 'Success', JSON.stringify(legacy.status));
    assert.equal(legacy.image?.dockerImageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const all = await importOne(`${registry.host}/sk/multi:list`, 'PreserveOriginal');
    assert.equal(all.status.status, 'Success', JSON.stringify(all.status));
    assert.equal(all.image?.dockerImageManifestMediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.deepEqual(
      all.image?.dockerImageManifests?.map((m) => m.architecture),
      ['amd64', 'arm64'],
    );
    assert.equal(all.manifests?.length, 2);
    assert.ok(all.manifests?.every((m) => m.dockerImageManifestMediaType === 'application/vnd.docker.distribution.manifest.v2+json'));
  });
});
