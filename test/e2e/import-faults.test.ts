/**
 * What a real registry will not do on demand, from a fake one on loopback: a malformed manifest, a
 * manifest whose digest does not match its content, a connection that stalls, 429 with Retry-After,
 * and a registry that keeps failing. Every entry ends with an image or a Status saying why, and the
 * request answers 201 within its timeouts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
let fake: Server;
let host = '';
let throttled = 0;

const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {} });
const good = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [],
});

before(async () => {
  fake = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' }).end('{}');
    if (url.endsWith(`/blobs/${sha(config)}`)) return res.writeHead(200).end(config);
    // Tags in pages linked as distribution does (`Link: <…?last=…&n=…>; rel="next"`).
    if (url === '/v2/paged/app/tags/list')
      return res.writeHead(200, { Link: '</v2/paged/app/tags/list?last=b&n=2>; rel="next"' }).end('{"name":"paged/app","tags":["a","b"]}');
    if (url === '/v2/paged/app/tags/list?last=b&n=2')
      return res.writeHead(200, { Link: '</v2/paged/app/tags/list?last=d&n=2>; rel="next"' }).end('{"name":"paged/app","tags":["c","d"]}');
    if (url === '/v2/paged/app/tags/list?last=d&n=2') return res.writeHead(200).end('{"name":"paged/app","tags":["e"]}');
    const m = /^\/v2\/([^/]+\/[^/]+)\/manifests\/(.+)$/.exec(url);
    const repo = m?.[1];
    const oci = { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' };
    switch (repo) {
      case 'faults/malformed':
        return res.writeHead(200, oci).end('{"schemaVersion": 2, "this is": "not a manifest"');
      case 'faults/mismatch':
        return res.writeHead(200, { ...oci, 'Docker-Content-Digest': `sha256:${'0'.repeat(64)}` }).end(good);
      case 'faults/stall':
        return; // never answers
      case 'faults/throttled':
        if (throttled++ === 0) return res.writeHead(429, { 'Retry-After': '1' }).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
        return res.writeHead(200, { ...oci, 'Docker-Content-Digest': sha(good) }).end(good);
      case 'paged/app':
        return res.writeHead(200, { ...oci, 'Docker-Content-Digest': sha(good) }).end(good);
      case 'faults/broken':
        return res.writeHead(503).end('{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}');
      default:
        return res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    }
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const a = fake.address();
  host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8', '--image-import-request-timeout', '1s'] });
  const ns = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'faults' } } });
  assert.equal(ns.status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  fake.closeAllConnections();
  await new Promise((r) => fake.close(r));
});

interface ImageResult {
  status: { status: string; reason?: string; message?: string };
  image?: { metadata: { name: string }; dockerImageLayers: { name: string; size: number }[]; dockerImageManifestMediaType: string };
}

/** A preview import of `ref` (`host/repo:tag`) through `to`. */
function postPreview(ref: string, to: ServerProcess = server) {
  return api(to, 'POST', '/apis/image.openshift.io/v1/namespaces/faults/imagestreamimports', {
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'f' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: ref }, importPolicy: { insecure: true } }] },
    },
  });
}

async function preview(ref: string): Promise<ImageResult> {
  const r = await postPreview(ref);
  assert.equal(r.status, 201, r.text);
  return r.json<{ status: { images: [ImageResult] } }>().status.images[0];
}

const importOne = (repo: string) => preview(`${host}/${repo}:v1`);

describe('registry faults', () => {
  it('follows every page of a tag list in a repository import', async () => {
    const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/faults/imagestreamimports', {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamImport',
        metadata: { name: 'paged' },
        spec: { import: false, repository: { from: { kind: 'DockerImage', name: `${host}/paged/app` }, importPolicy: { insecure: true } } },
      },
    });
    assert.equal(r.status, 201, r.text);
    const repo = r.json<{ status: { repository: { images: { tag: string; status: { status: string } }[]; additionalTags?: string[] } } }>().status.repository;
    assert.deepEqual([...repo.images.map((i) => i.tag), ...(repo.additionalTags ?? [])].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.ok(repo.images.every((i) => i.status.status === 'Success'));
  });

  it('reports a malformed manifest as an InternalError Status', async () => {
    const r = await importOne('faults/malformed');
    assert.equal(r.status.reason, 'InternalError');
    assert.match(r.status.message ?? '', /unsupported image manifest type|unable to parse/);
  });

  it('refuses a manifest whose content does not match the digest the registry gave', async () => {
    const r = await importOne('faults/mismatch');
    assert.equal(r.status.reason, 'InternalError');
    assert.match(r.status.message ?? '', /content integrity error/);
  });

  it('gives up on a stalled registry within the request timeout', async () => {
    const r = await importOne('faults/stall');
    assert.equal(r.status.reason, 'InternalError');
    assert.match(r.status.message ?? '', /timed out/);
  });

  it('waits out a 429 with Retry-After and then imports', async () => {
    const r = await importOne('faults/throttled');
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, sha(good));
    assert.ok(throttled >= 2);
  });

  it('reports a registry that keeps failing with its HTTP status', async () => {
    const r = await importOne('faults/broken');
    assert.equal(r.status.reason, 'InternalError');
    assert.match(r.status.message ?? '', /503/);
  });
});

describe('the request deadline', () => {
  it('answers 504 with a Status when a request runs past --request-timeout, and keeps serving', async () => {
    const slow = await startServerProcess({
      args: ['--import-allowed-networks', '127.0.0.0/8', '--image-import-request-timeout', '30s', '--request-timeout', '2s'],
    });
    try {
      assert.equal(
        (await api(slow, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'faults' } } })).status,
        201,
      );
      const r = await postPreview(`${host}/faults/stall:v1`, slow);
      assert.equal(r.status, 504, r.text);
      const st = r.json<{ kind: string; reason: string; message: string }>();
      assert.equal(st.kind, 'Status');
      assert.equal(st.reason, 'Timeout');
      assert.equal(st.message, 'request did not complete within the allowed duration of 2s');
      assert.equal((await api(slow, 'GET', '/api/v1/namespaces/faults')).status, 200);
    } finally {
      await slow.stop();
      slow.cleanup();
    }
  });
});

describe('registry behaviours a real registry will not show on demand', () => {
  let authed: Server;
  let blobstore: Server;
  let authedHost = '';
  const blobRequests: { authorization?: string }[] = [];
  const schema1 = JSON.stringify({
    schemaVersion: 1,
    name: 'old/app',
    tag: 'v1',
    architecture: 'amd64',
    fsLayers: [{ blobSum: `sha256:${'b'.repeat(64)}` }, { blobSum: `sha256:${'a'.repeat(64)}` }],
    history: [
      { v1Compatibility: JSON.stringify({ id: 'top', parent: 'base', created: '2020-01-01T00:00:00Z', config: { Cmd: ['/old'] }, Size: 20 }) },
      { v1Compatibility: JSON.stringify({ id: 'base', created: '2019-01-01T00:00:00Z', Size: 10 }) },
    ],
  });
  const basic = `Basic ${Buffer.from('user:secret').toString('base64')}`;
  // A signed schema 1 manifest as libtrust writes it: the payload, then the signatures spliced in
  // before its closing bytes; its digest is the payload's.
  const payload = JSON.stringify(JSON.parse(schema1), null, 3);
  const formatLength = payload.lastIndexOf('\n}');
  const protectedHeader = Buffer.from(
    JSON.stringify({ formatLength, formatTail: Buffer.from(payload.slice(formatLength)).toString('base64url'), time: '2020-01-01T00:00:00Z' }),
  ).toString('base64url');
  const signed = `${payload.slice(0, formatLength)},\n   "signatures": [{"header": {"alg": "ES256"}, "signature": "c2ln", "protected": "${protectedHeader}"}]${payload.slice(formatLength)}`;
  const tampered = signed.replace('"tag": "v1"', '"tag": "v2"');
  assert.notEqual(tampered, signed);

  before(async () => {
    blobstore = createServer((req, res) => {
      blobRequests.push({ ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      res.writeHead(200).end(config);
    });
    await new Promise<void>((r) => blobstore.listen(0, '127.0.0.1', r));
    const b = blobstore.address();
    const blobHost = `127.0.0.1:${typeof b === 'object' && b ? b.port : 0}`;
    authed = createServer((req, res) => {
      if (req.headers.authorization !== basic)
        return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"', 'Docker-Distribution-Api-Version': 'registry/2.0' }).end();
      const url = req.url ?? '';
      if (url === '/v2/') return res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' }).end('{}');
      if (url === '/v2/old/app/manifests/v1')
        return res
          .writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'Docker-Content-Digest': sha(schema1) })
          .end(schema1);
      if (url === '/v2/old/signed/manifests/v1' || url === '/v2/old/tampered/manifests/v1')
        return res
          .writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'Docker-Content-Digest': sha(payload) })
          .end(url.includes('tampered') ? tampered : signed);
      if (url === '/v2/new/app/manifests/v1') return res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(good);
      if (url.startsWith('/v2/new/app/blobs/')) return res.writeHead(307, { Location: `http://${blobHost}/storage/config` }).end();
      return res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    });
    await new Promise<void>((r) => authed.listen(0, '127.0.0.1', r));
    const a = authed.address();
    authedHost = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const auth = Buffer.from(JSON.stringify({ auths: { [authedHost]: { auth: Buffer.from('user:secret').toString('base64') } } })).toString('base64');
    const secret = await api(server, 'POST', '/api/v1/namespaces/faults/secrets', {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'fake' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': auth } },
    });
    assert.equal(secret.status, 201, secret.text);
  });

  after(async () => {
    for (const s of [authed, blobstore]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('imports a Docker schema 1 manifest, layers oldest first', async () => {
    const img = await preview(`${authedHost}/old/app:v1`);
    assert.equal(img.status.status, 'Success', JSON.stringify(img.status));
    assert.equal(img.image?.metadata.name, sha(schema1));
    assert.equal(img.image?.dockerImageManifestMediaType, 'application/vnd.docker.distribution.manifest.v1+json');
    assert.deepEqual(
      img.image?.dockerImageLayers.map((l) => l.size),
      [10, 20],
    );
  });

  it('identifies a signed schema 1 manifest by its payload, and refuses one changed after signing', async () => {
    const ok = await preview(`${authedHost}/old/signed:v1`);
    assert.equal(ok.status.status, 'Success', JSON.stringify(ok.status));
    assert.equal(ok.image?.metadata.name, sha(payload));
    const bad = await preview(`${authedHost}/old/tampered:v1`);
    assert.equal(bad.status.status, 'Failure');
    assert.match(
      bad.status.message ?? '',
      /content integrity error: the registry named the manifest sha256:[0-9a-f]{64} but its content is sha256:[0-9a-f]{64}/,
    );
  });

  it('follows a redirect to blob storage without sending the registry credentials there', async () => {
    const img = await preview(`${authedHost}/new/app:v1`);
    assert.equal(img.status.status, 'Success', JSON.stringify(img.status));
    assert.ok(blobRequests.length > 0, 'the blob store was never asked');
    assert.ok(
      blobRequests.every((r) => r.authorization === undefined),
      'credentials reached the blob store',
    );
  });
});
