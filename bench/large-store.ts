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
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { startServerProcess } from '../test/support/server-process.js';
import { cpuTicks, run, type Figure } from './load.js';

const NS = 'bench';
const HISTORY = 100;
const IMAGES_PER_STREAM = 10;

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

export async function seedLargeStore(dataDir: string, streams: number): Promise<Size> {
  const store = openSqliteStore({ path: join(dataDir, 'state.db'), compactInterval: 0, synchronous: 'NORMAL' });
  const now = new Date().toISOString();
  const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), uid: randomUUID(), creationTimestamp: now });
  await store.create(
    objectKey(namespacesInfo, undefined, NS),
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(NS), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }),
  );
  const images = streams * IMAGES_PER_STREAM;
  for (let i = 0; i < images; i++) {
    const name = digest(i);
    await store.create(
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
    );
  }
  for (let s = 0; s < streams; s++) {
    const items = Array.from({ length: HISTORY }, (_, h) => {
      const img = digest(s * IMAGES_PER_STREAM + (h % IMAGES_PER_STREAM));
      return { created: now, dockerImageReference: `registry.example.com/bench/s${s}@${img}`, image: img, generation: HISTORY - h };
    });
    await store.create(
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
    );
  }
  await store.close();
  return { streams, images, history: streams * HISTORY };
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
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Math.round(Number(m[1]) / 1024) : 0;
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

const exponent = (a: number, b: number, ratio: number) => (a > 0 && b > 0 ? (Math.log(b / a) / Math.log(ratio)).toFixed(2) : 'n/a');

export async function measureLargeStore(baseStreams: number): Promise<{ table: string; listP50Exponent: number; getP50Exponent: number }> {
  process.stdout.write(`large store: ${baseStreams} and ${baseStreams * 10} image streams…\n`);
  const small = await measure(baseStreams);
  const large = await measure(baseStreams * 10);
  const row = (label: string, f: (m: Measured) => number, unit: string) =>
    `| ${label} | ${f(small)}${unit} | ${f(large)}${unit} | ${exponent(f(small), f(large), 10)} |`;
  const sz = (m: Measured) => `${m.size.streams} streams, ${m.size.images} images, ${m.size.history} history entries`;
  const growth = (f: (m: Measured) => number) => (f(small) > 0 && f(large) > 0 ? Math.log(f(large) / f(small)) / Math.log(10) : 0);
  // Latencies of 0 ms (below autocannon's resolution) count as 1 ms so a ratio exists.
  const listP50Exponent = growth((m) => Math.max(1, m.listPage.p50));
  const getP50Exponent = growth((m) => Math.max(1, m.getStream.p50));
  const table = [
    `A large store, ${sz(small)} against ${sz(large)} (SQLite; the server in its own process; latency p50 / p99 ms at the connections above):`,
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
  ].join('\n');
  return { table, listP50Exponent, getP50Exponent };
}
