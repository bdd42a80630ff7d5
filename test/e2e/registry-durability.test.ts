/**
 * The integrated registry under large blobs and crashes: a 200 MiB layer pushed and pulled by
 * skopeo streams through the server (its peak memory grows far less than the layer), and a
 * `kill -9` in the middle of a blob upload leaves no partial blob to serve, an upload that can be
 * resumed from the bytes that reached the disk, and a registry that takes the whole push again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bigImage, type BigImage, fileDigest, layoutImage, skopeoPull, skopeoPush } from '../support/big-image.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmHWM (peak resident set) and VmRSS of a process, in bytes. */
function memoryOf(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { peak: kb('VmHWM'), rss: kb('VmRSS') };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

function hostOf(server: ServerProcess): string {
  return new URL(server.url).host;
}

function skopeoAuth(server: ServerProcess) {
  return { creds: `user:${server.token}`, tlsVerify: false };
}

async function createNamespace(server: ServerProcess, name: string): Promise<void> {
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  assert.equal(r.status, 201, r.text);
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One registry request with the admin's bearer token; `body` is sent whole, or streamed when a function. */
function registryRequest(
  server: ServerProcess,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer | (() => NodeJS.ReadableStream); agent?: Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      {
        method,
        ca: server.ca,
        headers: { Authorization: `Bearer ${server.token}`, ...(opts.headers ?? {}) },
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (typeof opts.body === 'function') void pipeline(opts.body(), req).catch(reject);
    else req.end(opts.body);
  });
}

/** The distribution error code of a failed registry answer. */
function errorCode(r: RawResponse): string | undefined {
  return (JSON.parse(r.body.toString('utf8')) as { errors?: { code?: string }[] }).errors?.[0]?.code;
}

describe('registry: a 200 MiB layer', () => {
  let server: ServerProcess;
  const cleanups: (() => void)[] = [];

  before(async () => {
    server = await startServerProcess();
    await createNamespace(server, 'big');
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const c of cleanups) c();
  });

  it('streams the push and the pull: the server’s peak RSS grows by far less than the layer, and the layer comes back with its digest', async () => {
    const host = hostOf(server);
    const pid = server.child.pid;
    assert.ok(pid);
    // A small push and pull first, so the figures below count the layer, not the registry code's first use.
    const warm = await bigImage(MiB);
    cleanups.push(warm.remove);
    await skopeoPush(warm, `${host}/big/warm:v1`, skopeoAuth(server));
    const warmPulled = mkdtempSync(join(tmpdir(), 'pulled-'));
    cleanups.push(() => rmSync(warmPulled, { recursive: true, force: true }));
    await skopeoPull(`${host}/big/warm:v1`, warmPulled, 'v1', skopeoAuth(server));

    const image = await bigImage(200 * MiB);
    cleanups.push(image.remove);
    const before = memoryOf(pid);
    await skopeoPush(image, `${host}/big/app:v1`, skopeoAuth(server));
    const afterPush = memoryOf(pid);
    const pulled = mkdtempSync(join(tmpdir(), 'pulled-'));
    cleanups.push(() => rmSync(pulled, { recursive: true, force: true }));
    await skopeoPull(`${host}/big/app:v1`, pulled, 'v1', skopeoAuth(server));
    const afterPull = memoryOf(pid);

    console.log(
      `layer ${mib(image.layerSize)}; server VmHWM before ${mib(before.peak)}, after push ${mib(afterPush.peak)}, after pull ${mib(afterPull.peak)} ` +
        `(growth ${mib(afterPull.peak - before.peak)}); VmRSS before ${mib(before.rss)}, after push ${mib(afterPush.rss)}, after pull ${mib(afterPull.rss)}`,
    );

    const got = layoutImage(pulled, 'v1');
    assert.deepEqual(got.layers, [image.layerDigest]);
    assert.equal(got.manifestDigest, image.manifestDigest);
    assert.equal(await fileDigest(join(pulled, 'blobs', 'sha256', image.layerDigest.slice(7))), image.layerDigest);
    assert.ok(
      afterPull.peak - before.peak < 100 * MiB,
      `peak RSS grew by ${mib(afterPull.peak - before.peak)} for a ${mib(image.layerSize)} layer: the blob was buffered, not streamed`,
    );
  });
});

describe('registry: kill -9 in the middle of a blob upload', () => {
  const REPO = 'durable/app';
  /** What the interrupted PATCH sends before it stalls (of a larger layer). */
  const SENT = 12 * MiB;
  let first: ServerProcess;
  let second: ServerProcess;
  let image: BigImage;
  let location: string;
  const cleanups: (() => void)[] = [];

  before(async () => {
    image = await bigImage(32 * MiB);
    cleanups.push(image.remove);
    first = await startServerProcess();
    await createNamespace(first, 'durable');

    const start = await registryRequest(first, 'POST', `/v2/${REPO}/blobs/uploads/`);
    assert.equal(start.status, 202, start.body.toString());
    location = String(start.headers.location);

    // A chunked PATCH that sends SENT bytes in small pieces, then stalls with the body unfinished.
    const patch = request(new URL(location, first.url), {
      method: 'PATCH',
      ca: first.ca,
      headers: { Authorization: `Bearer ${first.token}`, 'Content-Type': 'application/octet-stream' },
    });
    patch.on('error', () => undefined); // cut by the kill
    patch.on('response', (res) => res.resume());
    const layer = readFileSync(image.layerPath);
    for (let off = 0; off < SENT; off += 256 * 1024) {
      if (!patch.write(layer.subarray(off, Math.min(SENT, off + 256 * 1024)))) await new Promise((r) => patch.once('drain', r));
      await sleep(5);
    }
    // Kill only once the server has every byte sent so far on disk (the upload's status says so).
    const agent = new Agent({ keepAlive: false });
    for (let i = 0; ; i++) {
      const status = await registryRequest(first, 'GET', location, { agent });
      assert.equal(status.status, 204, status.body.toString());
      if (status.headers.range === `0-${SENT - 1}`) break;
      if (i > 300) assert.fail(`the upload reached only ${String(status.headers.range)} of 0-${SENT - 1}`);
      await sleep(50);
    }
    agent.destroy();
    await first.kill();
    patch.destroy();

    const port = new URL(first.url).port;
    second = await startServerProcess({ dataDir: first.dataDir, args: ['--secure-port', port] });
  });

  after(async () => {
    await first?.kill();
    await second?.stop();
    first?.cleanup();
    for (const c of cleanups) c();
  });

  it('restarts on the same port and data dir', () => {
    assert.equal(second.url, first.url);
  });

  it('serves nothing of the interrupted blob: GET and HEAD answer 404 BLOB_UNKNOWN', async () => {
    const get = await registryRequest(second, 'GET', `/v2/${REPO}/blobs/${image.layerDigest}`);
    assert.equal(get.status, 404, get.body.toString());
    assert.equal(errorCode(get), 'BLOB_UNKNOWN');
    const head = await registryRequest(second, 'HEAD', `/v2/${REPO}/blobs/${image.layerDigest}`);
    assert.equal(head.status, 404);
  });

  it('answers GET on the interrupted upload with 204 and the Range of the bytes that arrived', async () => {
    const status = await registryRequest(second, 'GET', location);
    assert.equal(status.status, 204, status.body.toString());
    assert.equal(status.headers.range, `0-${SENT - 1}`);
    assert.equal(status.headers.location, location);
  });

  it('takes a retried push of the whole image, and the pulled image has the pushed layer', async () => {
    const host = hostOf(second);
    await skopeoPush(image, `${host}/${REPO}:v1`, skopeoAuth(second));
    const pulled = mkdtempSync(join(tmpdir(), 'pulled-'));
    cleanups.push(() => rmSync(pulled, { recursive: true, force: true }));
    await skopeoPull(`${host}/${REPO}:v1`, pulled, 'v1', skopeoAuth(second));
    const got = layoutImage(pulled, 'v1');
    assert.equal(got.manifestDigest, image.manifestDigest);
    assert.deepEqual(got.layers, [image.layerDigest]);
    assert.equal(await fileDigest(join(pulled, 'blobs', 'sha256', image.layerDigest.slice(7))), image.layerDigest);
  });

  it('finishes the interrupted upload from its offset: a PATCH of the rest, then PUT ?digest=', async () => {
    const rest = await registryRequest(second, 'PATCH', location, {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `${SENT}-${image.layerSize - 1}`,
        'Content-Length': String(image.layerSize - SENT),
      },
      body: () => createReadStream(image.layerPath, { start: SENT }),
    });
    assert.equal(rest.status, 202, rest.body.toString());
    assert.equal(rest.headers.range, `0-${image.layerSize - 1}`);
    const put = await registryRequest(second, 'PUT', `${location}?digest=${image.layerDigest}`, { headers: { 'Content-Length': '0' } });
    assert.equal(put.status, 201, put.body.toString());
    assert.equal(put.headers['docker-content-digest'], image.layerDigest);
    const gone = await registryRequest(second, 'GET', location);
    assert.equal(gone.status, 404);
    assert.equal(errorCode(gone), 'BLOB_UPLOAD_UNKNOWN');
    const blob = await registryRequest(second, 'GET', `/v2/${REPO}/blobs/${image.layerDigest}`);
    assert.equal(blob.status, 200);
    assert.equal(`sha256:${createHash('sha256').update(blob.body).digest('hex')}`, image.layerDigest);
  });
});
