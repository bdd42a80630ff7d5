/**
 * JSON field presence as the Go types' `json` tags decide it, for every image kind the server
 * answers: a field without `omitempty` is always there (null when unset), an `omitempty` one is
 * absent when empty. One table per type, checked against real answers of the server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const NS = '/apis/image.openshift.io/v1/namespaces/presence';

/** Per Go type: fields always present, and fields that must be absent when the object has no value for them. */
const PRESENCE: Record<string, { always: string[]; absentWhenEmpty: string[] }> = {
  TagReference: { always: ['name', 'annotations', 'generation'], absentWhenEmpty: ['from', 'reference'] },
  ImageStreamSpec: { always: ['lookupPolicy'], absentWhenEmpty: ['dockerImageRepository', 'tags'] },
  ImageStreamStatus: { always: ['dockerImageRepository'], absentWhenEmpty: ['publicDockerImageRepository', 'tags'] },
  NamedTagEventList: { always: ['tag', 'items'], absentWhenEmpty: ['conditions'] },
  TagEvent: { always: ['created', 'dockerImageReference', 'image', 'generation'], absentWhenEmpty: [] },
  ImageStreamTag: { always: ['tag', 'generation', 'lookupPolicy', 'image'], absentWhenEmpty: ['conditions'] },
  ImageTag: { always: ['spec', 'status', 'image'], absentWhenEmpty: [] },
  ImageStreamLayers: { always: ['blobs', 'images'], absentWhenEmpty: [] },
  ImageBlobReferences: { always: ['imageMissing', 'layers', 'config'], absentWhenEmpty: ['manifests'] },
  ImageLayerData: { always: ['size', 'mediaType'], absentWhenEmpty: [] },
  ObjectMeta: { always: [], absentWhenEmpty: ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'] },
};

function check(type: string, obj: unknown): void {
  const rule = PRESENCE[type];
  assert.ok(rule, type);
  assert.ok(obj !== null && typeof obj === 'object', `${type} is an object`);
  const o = obj as Record<string, unknown>;
  for (const f of rule.always) assert.ok(f in o, `${type}.${f} is always present: ${JSON.stringify(o)}`);
  for (const f of rule.absentWhenEmpty) {
    const v = o[f];
    const empty =
      v === undefined || v === null || v === '' || v === false || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);
    if (empty) assert.ok(!(f in o), `${type}.${f} is omitempty: absent when empty, not ${JSON.stringify(v)}`);
  }
}

describe('JSON field presence, as the Go types encode it', () => {
  let server: ServerProcess;
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {} });
  const layer = sha('presence-layer');
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 10 }],
  });
  const digest = sha(manifest);

  before(async () => {
    server = await startServerProcess();
    assert.equal(
      (await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'presence' } } })).status,
      201,
    );
    // A spec tag that only references (no import), and a pushed-style tag from a mapping.
    const stream = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'app' },
      spec: { tags: [{ name: 'ref', from: { kind: 'DockerImage', name: 'quay.io/a/b:1' }, reference: true }, { name: 'holder' }] },
    };
    assert.equal((await api(server, 'POST', `${NS}/imagestreams`, { body: stream })).status, 201);
    const mapped = await api(server, 'POST', `${NS}/imagestreammappings`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamMapping',
        metadata: { name: 'app' },
        tag: 'pushed',
        image: {
          metadata: { name: digest },
          dockerImageReference: `registry.example.com/presence/app@${digest}`,
          dockerImageManifest: manifest,
          dockerImageConfig: config,
        },
      },
    });
    assert.equal(mapped.status, 201, mapped.text);
    assert.equal(
      (await api(server, 'POST', `${NS}/imagestreams`, { body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'empty' } } }))
        .status,
      201,
    );
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('ImageStream: spec, spec tags, status, status tags and their events', async () => {
    const s = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<Record<string, Record<string, unknown[]> & Record<string, unknown>>>();
    check('ObjectMeta', s['metadata']);
    check('ImageStreamSpec', s['spec']);
    for (const t of s['spec']?.['tags'] ?? []) check('TagReference', t);
    check('ImageStreamStatus', s['status']);
    for (const t of (s['status']?.['tags'] ?? []) as Record<string, unknown>[]) {
      check('NamedTagEventList', t);
      for (const e of (t['items'] ?? []) as unknown[]) check('TagEvent', e);
    }
    const empty = (await api(server, 'GET', `${NS}/imagestreams/empty`)).json<Record<string, unknown>>();
    check('ImageStreamSpec', empty['spec']);
    check('ImageStreamStatus', empty['status']);
  });

  it('ImageStreamTag and ImageTag', async () => {
    const ist = (await api(server, 'GET', `${NS}/imagestreamtags/app:pushed`)).json<Record<string, unknown>>();
    check('ImageStreamTag', ist);
    check('ObjectMeta', ist['metadata']);
    for (const name of ['app:pushed', 'app:ref', 'app:holder']) {
      const itag = (await api(server, 'GET', `${NS}/imagetags/${name}`)).json<Record<string, unknown>>();
      check('ImageTag', itag);
      if (itag['spec']) check('TagReference', itag['spec']);
      if (itag['status']) check('NamedTagEventList', itag['status']);
    }
  });

  it('ImageStreamLayers, for a present image and a missing one', async () => {
    const layers = (await api(server, 'GET', `${NS}/imagestreams/app/layers`)).json<Record<string, Record<string, unknown>>>();
    check('ImageStreamLayers', layers);
    for (const b of Object.values(layers['blobs'] ?? {})) check('ImageLayerData', b);
    for (const i of Object.values(layers['images'] ?? {})) check('ImageBlobReferences', i);
    assert.equal((await api(server, 'DELETE', `/apis/image.openshift.io/v1/images/${digest}`)).status, 200);
    const after = (await api(server, 'GET', `${NS}/imagestreams/app/layers`)).json<{ images: Record<string, unknown> }>();
    check('ImageBlobReferences', after.images[digest]);
    assert.deepEqual(after.images[digest], { imageMissing: true, layers: null, config: null });
  });
});
