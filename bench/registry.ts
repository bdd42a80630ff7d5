/**
 * The integrated registry's throughput. Push and pull of one image with a 100 MiB layer of random
 * bytes by skopeo, through the server and through a bare `docker-registry` (CNCF distribution) on
 * this machine, over plain HTTP and over HTTPS with the server's certificate; every round a new
 * layer, so that nothing is skipped as already present or mounted. Then single GETs of the 100 MiB
 * blob with node:https's client, from the server and from a bare node:https server streaming the
 * same file from disk. A benchmark: it measures and reports, it asserts nothing.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigImage, type BigImage, type SkopeoEndpoint, skopeoPull, skopeoPush } from '../test/support/big-image.js';
import { startRegistry } from '../test/support/registry.js';
import { startServerProcess } from '../test/support/server-process.js';
import { fetchJson } from './load.js';

const MiB = 1024 * 1024;
const NS = 'bench';

interface Target {
  readonly name: 'server' | 'http' | 'https';
  readonly host: string;
  readonly endpoint: SkopeoEndpoint;
  readonly push: number[];
  readonly pull: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
/** 10^6 bytes per second. */
const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

/** One GET on a new connection, the body read and dropped; seconds and bytes received. */
function download(url: string, ca: string, headers: Record<string, string>): Promise<{ seconds: number; bytes: number; status: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = get(url, { ca, headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ seconds: (performance.now() - t) / 1000, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The bare file server in a child process, streaming `file` to every request. */
async function startBareFileServer(dataDir: string, file: string): Promise<{ url: string; stop(): void }> {
  const child = fork(fileURLToPath(new URL('./bare-file-server.ts', import.meta.url)), [dataDir, file], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) => resolve(m.port ?? 0));
    child.once('exit', (code) => reject(new Error(`the bare file server exited with ${code}`)));
  });
  return { url: `https://127.0.0.1:${port}/blob`, stop: () => child.kill() };
}

function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function version(cmd: string): string {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return `${cmd} (version unknown)`;
  }
}

export async function measureRegistry(short: boolean): Promise<{ table: string }> {
  const layerBytes = (short ? 8 : 100) * MiB;
  const rounds = short ? 1 : 3;
  const downloads = short ? 1 : 5;
  process.stdout.write(`registry push and pull, ${layerBytes / MiB} MiB layer, ${rounds} rounds…\n`);
  const server = await startServerProcess({ args: ['--log-level', 'error'] });
  const plain = await startRegistry();
  const tls = await startRegistry({
    tls: { cert: readFileSync(join(server.dataDir, 'serving.crt'), 'utf8'), key: readFileSync(join(server.dataDir, 'serving.key'), 'utf8') },
  });
  const images: BigImage[] = [];
  let bare: { url: string; stop(): void } | undefined;
  try {
    const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', accept: 'application/json' };
    await fetchJson(server.url, server.ca, 'POST', '/api/v1/namespaces', auth, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const targets: Target[] = [
      { name: 'server', host: new URL(server.url).host, endpoint: { creds: `bench:${server.token}`, tlsVerify: false }, push: [], pull: [] },
      { name: 'http', host: plain.host, endpoint: { tlsVerify: false }, push: [], pull: [] },
      { name: 'https', host: tls.host, endpoint: { tlsVerify: false }, push: [], pull: [] },
    ];
    for (let round = 0; round < rounds; round++) {
      const image = await bigImage(layerBytes);
      images.push(image);
      // Each round starts with another target, so that drift on a shared machine spreads over all three.
      const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
      for (const t of order) {
        const ref = `${t.host}/${NS}/big${round}:v1`;
        t.push.push(await timed(() => skopeoPush(image, ref, t.endpoint)));
        const into = mkdtempSync(join(tmpdir(), 'bench-pull-'));
        try {
          t.pull.push(await timed(() => skopeoPull(ref, into, 'v1', t.endpoint)));
        } finally {
          rmSync(into, { recursive: true, force: true });
        }
      }
    }

    process.stdout.write(`blob download, ${downloads} GETs each…\n`);
    const last = images[images.length - 1];
    if (!last) throw new Error('no image was pushed');
    const blobUrl = `${server.url}/v2/${NS}/big${rounds - 1}/blobs/${last.layerDigest}`;
    bare = await startBareFileServer(server.dataDir, last.layerPath);
    const fromServer: number[] = [];
    const fromBare: number[] = [];
    for (let i = 0; i < downloads; i++) {
      for (const [url, headers, out] of [
        [blobUrl, { authorization: `Bearer ${server.token}` }, fromServer],
        [bare.url, {}, fromBare],
      ] as const) {
        const d = await download(url, server.ca, headers);
        if (d.status !== 200 || d.bytes !== last.layerSize) process.stderr.write(`  warning: ${url} answered ${d.status} with ${d.bytes} bytes\n`);
        out.push(d.seconds);
      }
    }
    const peak = peakRssMiB(server.child.pid);

    const fig = (t: Target | undefined, op: 'push' | 'pull') => (t ? mbps(last.layerSize, median(t[op])) : Number.NaN);
    const [s, h, hs] = targets;
    const row = (label: string, op: 'push' | 'pull') => {
      const a = fig(s, op);
      const b = fig(h, op);
      const c = fig(hs, op);
      return `| ${label} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} | ${c.toFixed(0)} | ${(a / c).toFixed(2)} |`;
    };
    const get1 = mbps(last.layerSize, median(fromServer));
    const get2 = mbps(last.layerSize, median(fromBare));
    const mib = layerBytes / MiB;
    const table = [
      `Integrated registry (/v2/ on the server's HTTPS port), measured ${new Date().toISOString()} on ${machine()}: ${version('skopeo')} pushing (\`skopeo copy oci:… docker://…\`) and pulling (\`skopeo copy docker://… oci:…\`, into a new directory) one image whose single layer is ${mib} MiB of random bytes, median of ${rounds} rounds with a new layer each; next to a bare \`${version('docker-registry')}\` (filesystem storage, no auth) on 127.0.0.1 over plain HTTP and over HTTPS with the server's certificate. MB/s is 10⁶ bytes of layer per second of the whole skopeo run; ratio is server / docker-registry:`,
      '',
      '| operation | server MB/s | docker-registry HTTP MB/s | ratio | docker-registry HTTPS MB/s | ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row(`push, ${mib} MiB layer`, 'push'),
      row(`pull, ${mib} MiB layer`, 'pull'),
      '',
      `Blob download: one GET of the ${mib} MiB layer blob with node:https's client on a new connection (the body read and dropped), median of ${downloads}, next to a bare node:https server streaming the same file from disk with the same certificate; the server's peak RSS (VmHWM) after all the registry rows: ${peak ?? '?'} MiB.`,
      '',
      '| operation | server MB/s | bare node:https file server MB/s | ratio |',
      '| --- | ---: | ---: | ---: |',
      `| GET of the ${mib} MiB blob | ${get1.toFixed(0)} | ${get2.toFixed(0)} | ${(get1 / get2).toFixed(2)} |`,
    ].join('\n');
    return { table };
  } finally {
    bare?.stop();
    await plain.stop();
    await tls.stop();
    await server.stop();
    server.cleanup();
    for (const i of images) i.remove();
  }
}
