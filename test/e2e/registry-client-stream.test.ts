/**
 * Streaming blobs for pull-through (RegistryClient.openBlob over httpOpen): a 20 MiB layer from the
 * real registry (token and basic auth) arrives in small chunks and verified; what a real registry
 * will not do on demand comes from fakes on loopback: wrong bytes for a digest, an upstream that
 * stalls mid-body, a redirect to another host (storage), a reader that stops reading, answers that
 * are not 2xx.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllowedNetworks } from '../../src/importer/address-guard.js';
import { httpOpen } from '../../src/importer/http.js';
import { RegistryClient, RegistryError, type RegistryClientOptions } from '../../src/importer/registry-client.js';
import { sha256, startRegistry, TEST_PASSWORD, TEST_USER, type Registry } from '../support/registry.js';

const policy = parseAllowedNetworks(['127.0.0.0/8']);
const MiB = 1024 * 1024;

/** `size` pseudo-random bytes in 1 MiB chunks, the same every time for the same seed (an AES-CTR keystream). */
function* generated(seed: Buffer, size: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', seed, Buffer.alloc(16));
  for (let left = size; left > 0; left -= MiB) yield cipher.update(Buffer.alloc(Math.min(MiB, left)));
}

/** Pushes a large blob without holding it: generated once to hash it, and again to send it. */
async function pushLargeBlob(host: string, repo: string, size: number, auth: Record<string, string>): Promise<string> {
  const seed = randomBytes(16);
  const hash = createHash('sha256');
  for (const c of generated(seed, size)) hash.update(c);
  const digest = `sha256:${hash.digest('hex')}`;
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
  const location = start.headers.get('location');
  assert.equal(start.status, 202);
  assert.ok(location);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    body: Readable.from(generated(seed, size)),
    duplex: 'half',
  } as RequestInit);
  assert.equal(put.status, 201, await put.text());
  return digest;
}

async function pushSmallBlob(host: string, repo: string, content: Buffer, auth: Record<string, string>): Promise<string> {
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
  const url = new URL(start.headers.get('location') ?? '', `http://${host}`);
  url.searchParams.set('digest', sha256(content));
  const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: content });
  assert.equal(put.status, 201);
  return sha256(content);
}

function client(registry: string, extra: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry, insecure: true, policy, retries: 0, timeoutMs: 10_000, ...extra });
}

/** Reads a stream chunk by chunk, hashing it: nothing is kept but the hash, the count and the largest chunk. */
async function consume(stream: NodeJS.ReadableStream): Promise<{ digest: string; bytes: number; chunks: number; largest: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  let largest = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    hash.update(c);
    bytes += c.length;
    chunks++;
    largest = Math.max(largest, c.length);
  }
  return { digest: `sha256:${hash.digest('hex')}`, bytes, chunks, largest };
}

const integrityError = (e: unknown) => e instanceof RegistryError && e.kind === 'Internal' && e.message.startsWith('content integrity error:');

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; host: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const v2 = (res: ServerResponse) => res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' }).end('{}');

describe('openBlob from the real registry', () => {
  let token: Registry;
  let basic: Registry;
  let big = '';
  let small = '';
  const SIZE = 20 * MiB;

  before(async () => {
    [token, basic] = await Promise.all([startRegistry({ auth: 'token' }), startRegistry({ auth: 'htpasswd' })]);
    big = await pushLargeBlob(token.host, 'team/big', SIZE, await token.pushHeaders('team/big'));
    small = await pushSmallBlob(basic.host, 'team/small', Buffer.from('a small layer'), await basic.pushHeaders('team/small'));
  });
  after(async () => {
    await Promise.all([token?.stop(), basic?.stop()]);
  });

  it('streams a 20 MiB layer in small chunks behind a bearer token, and verifies it', async (t) => {
    const c = client(token.host, { credentials: { username: TEST_USER, password: TEST_PASSWORD } });
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const blob = await c.openBlob('team/big', big);
    assert.equal(blob.size, SIZE);
    assert.equal(blob.mediaType, 'application/octet-stream');
    blob.stream.on('data', () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    });
    const got = await consume(blob.stream);
    assert.equal(got.digest, big);
    assert.equal(got.bytes, SIZE);
    // Arrived as it was read: many chunks, none anywhere near the blob's size.
    assert.ok(got.largest <= MiB, `largest chunk ${got.largest}`);
    assert.ok(got.chunks >= 20, `${got.chunks} chunks`);
    // Measured, not asserted: garbage collection decides when freed chunks leave these numbers.
    const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    t.diagnostic(
      `${got.chunks} chunks, largest ${got.largest} B; growth during the stream: rss ${mb(peakRss - before.rss)}, heap ${mb(peakHeap - before.heapUsed)}, buffers ${mb(peakBuffers - before.arrayBuffers)}`,
    );
  });

  it('maps refusals as the other calls do: unknown blob, anonymous pull, wrong password', async () => {
    const absent = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(client(token.host, { credentials: { username: TEST_USER, password: TEST_PASSWORD } }).openBlob('team/big', absent), {
      name: 'RegistryError',
      kind: 'NotFound',
    });
    await assert.rejects(client(token.host).openBlob('team/big', big), { name: 'RegistryError', kind: 'Unauthorized' });
    await assert.rejects(client(basic.host, { credentials: { username: TEST_USER, password: 'wrong' } }).openBlob('team/small', small), {
      name: 'RegistryError',
      kind: 'IncorrectCredentials',
    });
    const ok = await client(basic.host, { credentials: { username: TEST_USER, password: TEST_PASSWORD } }).openBlob('team/small', small);
    assert.equal((await consume(ok.stream)).digest, small);
  });

  it('refuses a digest it cannot verify before contacting the registry', async () => {
    await assert.rejects(client(token.host).openBlob('team/big', 'sha512:abc'), (e: unknown) => e instanceof RegistryError && /only sha256/.test(e.message));
    await assert.rejects(client(token.host).openBlob('team/big', `sha256:${'0'.repeat(63)}/../x`), RegistryError);
  });
});

describe('openBlob against registries that misbehave', () => {
  const good = randomBytes(256 * 1024);
  const goodDigest = sha256(good);
  let fake: { server: Server; host: string };
  let storage: { server: Server; host: string };
  let storageAuth: string | undefined;
  const registryAuth: (string | undefined)[] = [];
  let stalledClosed: Promise<void> = Promise.resolve();
  let failures = 0;

  before(async () => {
    storage = await listen((req, res) => {
      storageAuth = req.headers.authorization;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': good.length }).end(good);
    });
    const storagePort = (storage.server.address() as AddressInfo).port;
    fake = await listen((req, res) => {
      const url = req.url ?? '';
      if (url === '/v2/') {
        if (req.headers.authorization) return v2(res);
        return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"', 'Docker-Distribution-Api-Version': 'registry/2.0' }).end();
      }
      const repo = /^\/v2\/([^/]+\/[^/]+)\/blobs\//.exec(url)?.[1];
      switch (repo) {
        case 'bad/corrupt': {
          // The right length, the wrong bytes.
          const wrong = Buffer.from(good);
          wrong[1000] = (wrong[1000] ?? 0) ^ 0xff;
          return res.writeHead(200, { 'Content-Length': wrong.length }).end(wrong);
        }
        case 'bad/short':
          // Chunked, so the connection ends cleanly with part of the blob.
          return res.writeHead(200).end(good.subarray(0, 1000));
        case 'bad/stall':
          stalledClosed = new Promise((r) => res.on('close', r));
          res.writeHead(200, { 'Content-Length': good.length });
          return void res.write(good.subarray(0, 10)); // and then nothing
        case 'bad/redirect':
          registryAuth.push(req.headers.authorization);
          // Storage on another host (a name, so the guarded lookup decides it), as S3 would be.
          return res.writeHead(307, { Location: `http://localhost:${storagePort}/blob?sig=x` }).end('redirecting');
        case 'bad/hop':
          registryAuth.push(req.headers.authorization);
          return res.writeHead(302, { Location: '/v2/bad/plain/blobs/x' }).end();
        case 'bad/plain':
          registryAuth.push(req.headers.authorization);
          return res.writeHead(200, { 'Content-Length': good.length }).end(good);
        case 'bad/flaky':
          if (failures++ === 0) return res.writeHead(503, { 'Retry-After': '0' }).end('{"errors":[{"code":"UNAVAILABLE"}]}');
          return res.writeHead(200, { 'Content-Length': good.length }).end(good);
        default:
          return res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}');
      }
    });
  });
  after(() => {
    fake.server.closeAllConnections();
    fake.server.close();
    storage.server.close();
  });

  const creds = { username: 'u', password: 'p' };

  it('fails the stream with a content integrity error when the bytes do not hash to the digest', async () => {
    const blob = await client(fake.host, { credentials: creds }).openBlob('bad/corrupt', goodDigest);
    let written = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        cb();
      },
    });
    // The bytes pass (a consumer writing them to disk has them) and then the stream fails, so the
    // consumer knows to discard them.
    await assert.rejects(pipeline(blob.stream, sink), (e: unknown) => integrityError(e) && (e as Error).message.includes(goodDigest));
    assert.equal(written, good.length);
  });

  it('fails the stream when fewer bytes arrive than the digest needs', async () => {
    const blob = await client(fake.host, { credentials: creds }).openBlob('bad/short', goodDigest);
    assert.equal(blob.size, undefined);
    await assert.rejects(consume(blob.stream), integrityError);
  });

  it('cuts off an upstream that stops sending mid-body, and closes its connection', { timeout: 30_000 }, async () => {
    const blob = await client(fake.host, { credentials: creds, idleTimeoutMs: 300 }).openBlob('bad/stall', goodDigest);
    await assert.rejects(
      consume(blob.stream),
      (e: unknown) => e instanceof RegistryError && e.kind === 'Internal' && /no data from .* for 300 ms/.test(e.message),
    );
    await stalledClosed;
  });

  it('follows a redirect to another host without the registry credentials, and keeps them on the same host', async () => {
    registryAuth.length = 0;
    const blob = await client(fake.host, { credentials: creds }).openBlob('bad/redirect', goodDigest);
    assert.equal((await consume(blob.stream)).digest, goodDigest);
    assert.match(registryAuth[0] ?? '', /^Basic /);
    assert.equal(storageAuth, undefined);

    registryAuth.length = 0;
    const same = await client(fake.host, { credentials: creds }).openBlob('bad/hop', goodDigest);
    assert.equal((await consume(same.stream)).digest, goodDigest);
    assert.equal(registryAuth.length, 2);
    assert.ok(registryAuth.every((a) => a?.startsWith('Basic ')));
  });

  it('retries a 503 before the body, and maps a 404 to NotFound', async () => {
    const blob = await client(fake.host, { credentials: creds, retries: 1 }).openBlob('bad/flaky', goodDigest);
    assert.equal((await consume(blob.stream)).digest, goodDigest);
    await assert.rejects(client(fake.host, { credentials: creds }).openBlob('bad/none', goodDigest), { name: 'RegistryError', kind: 'NotFound' });
  });

  it("ends the stream with the client's signal", { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const blob = await client(fake.host, { credentials: creds, signal: controller.signal, idleTimeoutMs: 60_000 }).openBlob('bad/stall', goodDigest);
    const consumed = consume(blob.stream);
    controller.abort(new Error('the pull was cancelled'));
    await assert.rejects(consumed, /the pull was cancelled/);
  });
});

describe('httpOpen', () => {
  const TOTAL = 64 * MiB;
  let sent = 0;
  let finished = false;
  let fake: { server: Server; host: string };

  before(async () => {
    fake = await listen((req, res) => {
      if (req.url === '/big') {
        // Writes as fast as the client takes it, waiting whenever the socket is full.
        sent = 0;
        finished = false;
        const piece = Buffer.alloc(64 * 1024, 7);
        res.writeHead(200, { 'Content-Length': TOTAL });
        const more = () => {
          while (sent < TOTAL) {
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', more);
          }
          finished = true;
          res.end();
        };
        return more();
      }
      if (req.url === '/error') return res.writeHead(500, { 'Content-Type': 'text/plain' }).end(Buffer.alloc(MiB, 'e'));
      if (req.url === '/silent') return; // never answers
      res.writeHead(404).end('no such thing');
    });
  });
  after(() => {
    fake.server.closeAllConnections();
    fake.server.close();
  });

  const options = { headersTimeoutMs: 5_000, idleTimeoutMs: 200, policy };

  it('reads no further ahead than the reader: a paused reader holds the upstream back, and is not cut off as idle', async () => {
    const res = await httpOpen(`http://${fake.host}/big`, options);
    assert.equal(res.status, 200);
    let read = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) {
      read += c.length;
      if (read >= MiB) break;
    }
    // `break` destroyed that iterator's stream; open again and pause instead.
    const again = await httpOpen(`http://${fake.host}/big`, options);
    const first = await new Promise<Buffer>((r) => again.body.once('data', r));
    again.body.pause();
    // A body read into memory would have all 64 MiB by now; a streamed one stops at the socket's buffers.
    await sleep(1_000);
    assert.equal(finished, false, `the upstream sent ${sent} bytes to a reader that took ${first.length}`);
    assert.ok(sent < TOTAL);
    // Paused far longer than the idle timeout, and not cut off: the reader was the slow one.
    let rest = first.length;
    again.body.on('data', (c: Buffer) => (rest += c.length));
    await new Promise((r, j) => again.body.on('end', r).on('error', j).resume());
    assert.equal(rest, TOTAL);
  });

  it('keeps the head of an answer that is not 2xx, as a buffer and as the body', async () => {
    const res = await httpOpen(`http://${fake.host}/error`, options);
    assert.equal(res.status, 500);
    assert.equal(res.errorBody?.length, 64 * 1024);
    let n = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) n += c.length;
    assert.equal(n, 64 * 1024);
  });

  it('fails when the headers do not arrive in time', async () => {
    await assert.rejects(httpOpen(`http://${fake.host}/silent`, { ...options, headersTimeoutMs: 300 }), /timed out after 300 ms waiting for the headers/);
  });

  it('refuses a loopback address unless the policy allows it, literal or by name', async () => {
    const closed = parseAllowedNetworks([]);
    await assert.rejects(httpOpen(`http://${fake.host}/big`, { ...options, policy: closed }), { name: 'BlockedAddressError' });
    const port = (fake.server.address() as AddressInfo).port;
    await assert.rejects(httpOpen(`http://localhost:${port}/big`, { ...options, policy: closed }), { name: 'BlockedAddressError' });
  });
});
