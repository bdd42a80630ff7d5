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

async function importOne(repo: string): Promise<{ status: { status: string; reason?: string; message?: string }; image?: { metadata: { name: string } } }> {
  const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/faults/imagestreamimports', {
    body: {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'f' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: `${host}/${repo}:v1` }, importPolicy: { insecure: true } }] },
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json<{ status: { images: [{ status: { status: string; reason?: string; message?: string }; image?: { metadata: { name: string } } }] } }>().status.images[0];
}

describe('registry faults', () => {
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
