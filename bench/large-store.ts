/**
 * A large store at two sizes, ten times apart: image streams, images and tag history entries written
 * straight into a SQLite data dir, then the real server started on it as a separate process. For each
 * size: the server's memory after start, its start-up time, and get and list latency; and between
 * the sizes, how each figure grows (the exponent k in figure ∝ size^k: 0 flat, 1 linear).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectKey } from '../src/apiserver/generic/resource-store.js';
import { namespacesInfo } from '../src/resources/core/namespaces/definition.js';
import { imagesInfo } from '../src/resources/image/images/definition.js';
import { imageStreamsInfo } from '../src/resources/image/imagestreams/definition.js';
import { openEtcdStore } from '../src/storage/etcd/etcd-store.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { startServerProcess } from '../test/support/server-process.js';
import { startEtcd } from '../test/support/etcd.js';
import { cpuTicks, fetchJson, run, type Figure } from './load.js';

const NS = 'bench';
const HISTORY = 100;
const IMAGES_PER_STREAM = 10;
const ETCD_SEED_CONCURRENCY = 64;

interface Size {
  readonly streams: number;
  readonly images: number;
  readonly history: number;
}

interface Measured {
  readonly size: Size;
  readonly seedSeconds: number;
  readonly startSeconds: number;
  readonly settleSeconds: number;
  readonly rssMiB: number;
  readonly getStream: Figure;
  readonly getImage: Figure;
  readonly listPage: Figure;
}

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

/** Where seeding writes: a Store's create, or anything that takes a key and its value. */
type Put = (key: string, value: string) => Promise<unknown>;

/**
 * The objects of a large store, in the order they are written: the namespace, the images, then the
 * streams (each with HISTORY tag history entries pointing at its images).
 */
function* largeStoreObjects(streams: number): Generator<[string, string]> {
  const now = new Date().toISOString();
  const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), uid: randomUUID(), creationTimestamp: now });
  yield [
    objectKey(namespacesInfo, undefined, NS),
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(NS), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }),
  ];
  const images = streams * IMAGES_PER_STREAM;
  for (let i = 0; i < images; i++) {
    const name = digest(i);
    yield [
      objectKey(imagesInfo, undefined, name),
      JSON.stringify({
        apiVersion: 'image.openshift.io/v1',
        kind: 'Image',
        metadata: meta(name),
        dockerImageReference: `registry.example.com/bench/s${Math.floor(i / IMAGES_PER_STREAM)}@${name}`,
        dockerImageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        dockerImageMetadata: { kind: 'DockerImage', apiVersion: '1.0', Architecture: 'amd64', Size: 1000 + i },
        dockerImageLayers: [{ name: digest(images + i), size: 1000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }),
    ];
  }
  for (let s = 0; s < streams; s++) {
    const items = Array.from({ length: HISTORY }, (_, h) => {
      const img = digest(s * IMAGES_PER_STREAM + (h % IMAGES_PER_STREAM));
      return { created: now, dockerImageReference: `registry.example.com/bench/s${s}@${img}`, image: img, generation: HISTORY - h };
    });
    yield [
      objectKey(imageStreamsInfo, NS, `s${s}`),
      JSON.stringify({
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { ...meta(`s${s}`, NS), generation: HISTORY },
        spec: {
          lookupPolicy: { local: false },
          tags: [
            {
              name: 'latest',
              from: { kind: 'DockerImage', name: `registry.example.com/bench/s${s}:latest` },
              generation: HISTORY,
              reference: true,
              referencePolicy: { type: 'Source' },
            },
          ],
        },
        status: { dockerImageRepository: '', tags: [{ tag: 'latest', items }] },
      }),
    ];
  }
}

/** Writes the objects of a large store through `put`, `concurrency` writes in flight. */
async function seedObjects(put: Put, streams: number, concurrency: number): Promise<Size> {
  const objects = largeStoreObjects(streams);
  const worker = async () => {
    for (let next = objects.next(); !next.done; next = objects.next()) await put(...next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { streams, images: streams * IMAGES_PER_STREAM, history: streams * HISTORY };
}

export async function seedLargeStore(dataDir: string, streams: number): Promise<Size> {
  const store = openSqliteStore({ path: join(dataDir, 'state.db'), compactInterval: 0, synchronous: 'NORMAL' });
  try {
    // One write at a time, as this row has always been measured.
    return await seedObjects((k, v) => store.create(k, v), streams, 1);
  } finally {
    await store.close();
  }
}

/** The same objects written into etcd through the server's own etcd Store, ETCD_SEED_CONCURRENCY writes in flight. */
export async function seedLargeEtcd(endpoints: readonly string[], streams: number): Promise<Size> {
  const store = openEtcdStore({ servers: endpoints, compactInterval: 0, requestTimeoutMs: 60_000 });
  try {
    return await seedObjects((k, v) => store.create(k, v), streams, ETCD_SEED_CONCURRENCY);
  } finally {
    await store.close();
  }
}

/**
 * Seconds until the process has been near idle (under 5% of a core) for half a second: what it
 * still does after it listens (the import controller's first pass over every stream) would
 * otherwise be measured as get and list latency.
 */
async function untilIdle(pid: number): Promise<number> {
  const t0 = performance.now();
  let before = cpuTicks(pid);
  while (performance.now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuTicks(pid);
    if (now - before <= 2) break;
    before = now;
  }
  return (performance.now() - t0) / 1000;
}

function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

async function measure(streams: number): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-large-'));
  try {
    const t0 = performance.now();
    const size = await seedLargeStore(dataDir, streams);
    const seedSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const server = await startServerProcess({ dataDir, args: ['--log-level', 'error'] });
    const startSeconds = (performance.now() - t1) / 1000;
    const settleSeconds = await untilIdle(server.child.pid ?? 0);
    try {
      const headers = { authorization: `Bearer ${server.token}`, accept: 'application/json' };
      const tls = { tls: { ca: server.ca } } as object;
      const base = `${server.url}/apis/image.openshift.io/v1`;
      const getStream = await run({ url: `${base}/namespaces/${NS}/imagestreams/s${Math.floor(streams / 2)}`, headers, ...tls }, server.child.pid);
      const getImage = await run({ url: `${base}/images/${digest(Math.floor(size.images / 2))}`, headers, ...tls });
      // Pages of 50 streams (5,000 history entries each) from the middle of the key space.
      const listPage = await run({ url: `${base}/namespaces/${NS}/imagestreams?limit=50`, headers, ...tls });
      return { size, seedSeconds, startSeconds, settleSeconds, rssMiB: rssMiB(server.child.pid ?? 0), getStream, getImage, listPage };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** etcd's figures at one size: seeding it, and a server on it with and without the watch cache. */
interface EtcdMeasured {
  readonly size: Size;
  readonly seedSeconds: number;
  readonly cached: EtcdServerFigures;
  readonly uncached: EtcdServerFigures;
}

interface EtcdServerFigures {
  /** Seconds from the process's start until /readyz answers 200 (with the cache: every resource listed). */
  readonly readySeconds: number;
  readonly rssMiB: number;
  /** Peak RSS of the process (VmHWM), start-up included. */
  readonly peakMiB: number;
  /** V8's used heap, from the server's own /metrics. */
  readonly heapMiB: number;
}

function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Math.round(Number(m[1]) / 1024) : 0;
}

async function get(url: string, ca: string, token?: string): Promise<{ status: number; text: string }> {
  return fetchJson(url, ca, 'GET', new URL(url).pathname, token ? { authorization: `Bearer ${token}` } : {});
}

/** A server process on `etcd` with `args`, measured once ready and idle, then stopped. */
async function etcdServer(endpoints: readonly string[], args: string[]): Promise<EtcdServerFigures> {
  const t0 = performance.now();
  const server = await startServerProcess({ args: ['--log-level', 'error', '--storage-backend', 'etcd3', '--etcd-servers', endpoints.join(','), ...args] });
  try {
    const pid = server.child.pid ?? 0;
    const deadline = Date.now() + 600_000;
    while ((await get(`${server.url}/readyz`, server.ca).catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('the server on etcd did not become ready in 10 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const readySeconds = (performance.now() - t0) / 1000;
    await untilIdle(pid);
    const metrics = (await get(`${server.url}/metrics`, server.ca, server.token)).text;
    const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? 0);
    return { readySeconds, rssMiB: statusMiB(pid, 'VmRSS'), peakMiB: statusMiB(pid, 'VmHWM'), heapMiB: Math.round(heap / 2 ** 20) };
  } finally {
    await server.stop();
    server.cleanup();
  }
}

/**
 * The same objects in etcd (written through the server's etcd Store), and the server on it twice:
 * with the watch cache (the default; every object held in memory) and with --watch-cache=false.
 */
async function measureEtcd(streams: number): Promise<EtcdMeasured> {
  const etcd = await startEtcd();
  try {
    const t0 = performance.now();
    const size = await seedLargeEtcd(etcd.endpoints, streams);
    const seedSeconds = (performance.now() - t0) / 1000;
    const cached = await etcdServer(etcd.endpoints, []);
    const uncached = await etcdServer(etcd.endpoints, ['--watch-cache=false']);
    return { size, seedSeconds, cached, uncached };
  } finally {
    await etcd.stop();
  }
}

const exponent = (a: number, b: number, ratio: number) => (a > 0 && b > 0 ? (Math.log(b / a) / Math.log(ratio)).toFixed(2) : 'n/a');

const sizeText = (z: Size) => `${z.streams} streams, ${z.images} images, ${z.history} history entries`;

/**
 * The large store on SQLite (`sqlite`) and on etcd with and without the watch cache (`etcd`), at
 * `baseStreams` and ten times that; one table of both.
 */
export async function measureLargeStore(
  baseStreams: number,
  parts: { sqlite?: boolean; etcd?: boolean } = { sqlite: true, etcd: true },
): Promise<{ table: string; listP50Exponent: number; getP50Exponent: number }> {
  const lines: string[] = [];
  let listP50Exponent = 0;
  let getP50Exponent = 0;
  if (parts.sqlite) {
    process.stdout.write(`large store: ${baseStreams} and ${baseStreams * 10} image streams…\n`);
    const small = await measure(baseStreams);
    const large = await measure(baseStreams * 10);
    const row = (label: string, f: (m: Measured) => number, unit: string) =>
      `| ${label} | ${f(small)}${unit} | ${f(large)}${unit} | ${exponent(f(small), f(large), 10)} |`;
    const growth = (f: (m: Measured) => number) => (f(small) > 0 && f(large) > 0 ? Math.log(f(large) / f(small)) / Math.log(10) : 0);
    // Latencies of 0 ms (below autocannon's resolution) count as 1 ms so a ratio exists.
    listP50Exponent = growth((m) => Math.max(1, m.listPage.p50));
    getP50Exponent = growth((m) => Math.max(1, m.getStream.p50));
    lines.push(
      `A large store, ${sizeText(small.size)} against ${sizeText(large.size)} (SQLite; the server in its own process; latency p50 / p99 ms at the connections above):`,
      '',
      '| figure | 1× | 10× | growth exponent |',
      '| --- | ---: | ---: | ---: |',
      row('seeding the store directly', (m) => Number(m.seedSeconds.toFixed(1)), ' s'),
      row('server start-up until it listens', (m) => Number(m.startSeconds.toFixed(2)), ' s'),
      row('then busy (first pass of the import controller) until idle', (m) => Number(m.settleSeconds.toFixed(1)), ' s'),
      row('server memory (RSS) after start and the gets below', (m) => m.rssMiB, ' MiB'),
      row('get one image stream (100 history entries), req/s', (m) => m.getStream.rps, ''),
      row('get one image stream, p99', (m) => m.getStream.p99, ' ms'),
      row('get one image stream, server CPU per request', (m) => m.getStream.cpuUs ?? 0, ' µs'),
      row('get one image, req/s', (m) => m.getImage.rps, ''),
      row('list a page of 50 image streams, req/s', (m) => m.listPage.rps, ''),
      row('list a page of 50 image streams, p50', (m) => m.listPage.p50, ' ms'),
      row('list a page of 50 image streams, p99', (m) => m.listPage.p99, ' ms'),
    );
  }
  if (parts.etcd) {
    process.stdout.write(`large store on etcd: ${baseStreams} and ${baseStreams * 10} image streams, with and without the watch cache…\n`);
    const small = await measureEtcd(baseStreams);
    const large = await measureEtcd(baseStreams * 10);
    const row = (label: string, f: (m: EtcdMeasured) => number, unit: string) =>
      `| ${label} | ${f(small)}${unit} | ${f(large)}${unit} | ${exponent(f(small), f(large), 10)} |`;
    if (lines.length) lines.push('');
    lines.push(
      `The same store on etcd, ${sizeText(small.size)} against ${sizeText(large.size)} (one member, written through the server's etcd Store with ${ETCD_SEED_CONCURRENCY} writes in flight), and the server on it (its own process, idle after start-up) with the watch cache, which holds every object, and with \`--watch-cache=false\`:`,
      '',
      '| figure | 1× | 10× | growth exponent |',
      '| --- | ---: | ---: | ---: |',
      row('seeding etcd', (m) => Number(m.seedSeconds.toFixed(1)), ' s'),
      row('server start-up until ready, with the watch cache (every resource listed)', (m) => Number(m.cached.readySeconds.toFixed(2)), ' s'),
      row('server start-up until ready, --watch-cache=false', (m) => Number(m.uncached.readySeconds.toFixed(2)), ' s'),
      row('server memory (RSS), with the watch cache', (m) => m.cached.rssMiB, ' MiB'),
      row('server memory (RSS), --watch-cache=false', (m) => m.uncached.rssMiB, ' MiB'),
      row('RSS the watch cache adds', (m) => m.cached.rssMiB - m.uncached.rssMiB, ' MiB'),
      row('used V8 heap, with the watch cache', (m) => m.cached.heapMiB, ' MiB'),
      row('used V8 heap, --watch-cache=false', (m) => m.uncached.heapMiB, ' MiB'),
      row('peak RSS (start-up included), with the watch cache', (m) => m.cached.peakMiB, ' MiB'),
      row('peak RSS (start-up included), --watch-cache=false', (m) => m.uncached.peakMiB, ' MiB'),
    );
  }
  return { table: lines.join('\n'), listP50Exponent, getP50Exponent };
}
