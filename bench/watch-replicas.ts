/**
 * Watch fan-out through the watch cache: many concurrent watchers of image streams spread over two
 * server replicas on one etcd, then a few creates. Measured: how many watches etcd itself serves
 * (its own `etcd_debugging_mvcc_watcher_total`, before the replicas start, once they are ready and
 * with every watcher open), whether every watcher got every create, and per create the time from
 * sending it until the last watcher had it.
 *
 * The watchers are raw HTTP/1.1 requests on TLS sockets from this one process, resumed TLS sessions
 * after the first per replica: a client library per watcher would cost the load generator more
 * than the server. Next to it, two bare node:https processes that hold as many streaming responses
 * and write one event line to each when told to, received by the same client.
 */
import { fork } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { etcdWatchCount, startEtcd } from '../test/support/etcd.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { fetchJson } from './load.js';

const NS = 'fanout';
const STREAMS = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;
/** Handshakes in flight while the watchers connect: the server closes a connection whose handshake takes over 10 s. */
const OPENING = 64;
const MARKER = Buffer.from('"name":"fan-');

interface Target {
  readonly host: string;
  readonly port: number;
  readonly ca: string;
  readonly path: string;
  readonly token?: string;
}

/** Per create: when each watcher first had it. */
class Deliveries {
  readonly at: Float64Array[];
  readonly count: number[];
  constructor(
    readonly watchers: number,
    readonly writes: number,
  ) {
    this.at = Array.from({ length: writes }, () => new Float64Array(watchers));
    this.count = Array.from({ length: writes }, () => 0);
  }
  saw(watcher: number, write: number, now: number): void {
    const row = this.at[write];
    if (row?.[watcher] !== 0) return;
    row[watcher] = now;
    this.count[write] = (this.count[write] ?? 0) + 1;
  }
}

/**
 * Finds the creates a watcher received in a chunk of its stream: the marker and the digits after it
 * (the caller prepends the end of the previous chunk, so a marker the network cut in two is found).
 */
function scan(chunk: Buffer, onWrite: (w: number) => void): void {
  let i = chunk.indexOf(MARKER);
  while (i >= 0) {
    let j = i + MARKER.length;
    let n = 0;
    let digits = 0;
    for (; j < chunk.length; j++) {
      const c = chunk[j] ?? 0;
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
      digits++;
    }
    if (digits > 0 && j < chunk.length) onWrite(n);
    i = chunk.indexOf(MARKER, j);
  }
}

/** One watch: a GET on a TLS socket; resolves once the 200 and its headers arrived. */
function openWatch(t: Target, index: number, d: Deliveries, session: Buffer | undefined, onSession?: (s: Buffer) => void): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: t.host, port: t.port, ca: t.ca, servername: 'localhost', ...(session ? { session } : {}) });
    if (onSession) socket.once('session', onSession);
    let head = true;
    let tail: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (head) {
        const text = chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (!text.startsWith('HTTP/1.1 200')) {
          reject(new Error(`watch ${index}: ${text.split('\r\n')[0]}`));
          socket.destroy();
          return;
        }
        if (end < 0) return;
        head = false;
        resolve(socket);
        chunk = chunk.subarray(end + 4);
      }
      const data = tail ? Buffer.concat([tail, chunk]) : chunk;
      scan(data, (w) => d.saw(index, w, now));
      tail = data.subarray(Math.max(0, data.length - MARKER.length - 8));
    });
    socket.on('error', (err) => {
      if (head) reject(err);
    });
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${t.path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\nAccept: application/json\r\n${t.token ? `Authorization: Bearer ${t.token}\r\n` : ''}\r\n`,
      );
    });
  });
}

/** Opens `n` watches spread over the targets in turn, OPENING at a time; the first per target gives the session to resume. */
async function openAll(targets: readonly Target[], n: number, d: Deliveries): Promise<TLSSocket[]> {
  const sockets: TLSSocket[] = [];
  const sessions: (Buffer | undefined)[] = [];
  for (const [i, t] of targets.entries()) {
    let gotSession: (s: Buffer) => void = () => undefined;
    const session = new Promise<Buffer>((r) => (gotSession = r));
    sockets.push(await openWatch(t, i, d, undefined, gotSession));
    sessions[i] = await Promise.race([session, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
  }
  let next = targets.length;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const ti = i % targets.length;
      sockets.push(await openWatch(targets[ti] as Target, i, d, sessions[ti]));
    }
  };
  await Promise.all(Array.from({ length: OPENING }, worker));
  return sockets;
}

interface Round {
  /** ms from sending the create until the last watcher had it (Infinity when some never did). */
  readonly lastMs: number;
  readonly firstMs: number;
  readonly p50Ms: number;
  readonly delivered: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

/** Sends the creates one after the other, each once the previous reached everyone (or 30 s passed). */
async function rounds(d: Deliveries, write: (w: number) => Promise<void>): Promise<Round[]> {
  const out: Round[] = [];
  for (let w = 0; w < d.writes; w++) {
    const t0 = performance.now();
    await write(w);
    const deadline = Date.now() + 30_000;
    while ((d.count[w] ?? 0) < d.watchers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const lat = Array.from(d.at[w] ?? [])
      .filter((t) => t > 0)
      .map((t) => t - t0);
    out.push({
      lastMs: (d.count[w] ?? 0) < d.watchers ? Number.POSITIVE_INFINITY : Math.max(...lat),
      firstMs: lat.length ? Math.min(...lat) : Number.POSITIVE_INFINITY,
      p50Ms: quantile(lat, 0.5),
      delivered: d.count[w] ?? 0,
    });
  }
  return out;
}

/**
 * The watches etcd serves, once the count has held still for a second: a replica's caches are ready
 * once listed, and their watches reach etcd a moment later.
 */
async function etcdWatchers(clientUrl: string): Promise<number> {
  const read = () => etcdWatchCount(clientUrl);
  let last = await read();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function untilReady(s: ServerProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await fetchJson(s.url, s.ca, 'GET', '/readyz', {}).catch(() => ({ status: 0 }))).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${s.url} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resource types the replica's watch cache holds, from its own metrics. */
async function cachedTypes(s: ServerProcess): Promise<number> {
  const text = (await fetchJson(s.url, s.ca, 'GET', '/metrics', { authorization: `Bearer ${s.token}` })).text;
  return new Set([...text.matchAll(/^apiserver_watch_cache_objects\{resource="([^"]+)"\}/gm)].map((m) => m[1])).size;
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

export interface WatchReplicasResult {
  readonly table: string;
  readonly watchers: number;
  readonly writes: number;
  /** Median over the creates of the time until the last watcher had it. */
  readonly lastMs: number;
  /** Watches etcd served with every watcher open, less those before the replicas started. */
  readonly etcdWatches: number;
  /** Watches the watchers added on etcd (0: every one served from the caches). */
  readonly clientWatchesOnEtcd: number;
  readonly expectedWatches: number;
  readonly delivered: number;
  readonly expected: number;
}

/**
 * This process's limit on open files (its soft limit, from /proc): every watcher is one socket here,
 * and Node cannot raise the limit itself (`ulimit -n` before the bench does).
 */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] && m[1] !== 'unlimited' ? Number(m[1]) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export async function measureWatchReplicas(requested: number, writes = 5): Promise<WatchReplicasResult> {
  // Room for the bench's other descriptors; the table says when the limit cut the watchers down.
  const limit = openFileLimit();
  const watchers = Math.min(requested, limit - 200);
  const capped = watchers < requested ? ` (${requested} asked for; the open-file limit here is ${limit})` : '';
  process.stdout.write(`watch fan-out to ${watchers} watchers over two replicas on etcd…\n`);
  const perReplica = Math.ceil(watchers / 2);
  const etcd = await startEtcd();
  const endpoint = etcd.endpoints[0] ?? '';
  const replicas: ServerProcess[] = [];
  const dirs: string[] = [];
  let ours: { rounds: Round[]; before: number; first: number; idle: number; open: number; types: number; openSeconds: number };
  try {
    const before = await etcdWatchers(endpoint);
    const afterEach: number[] = [];
    // Every watcher connects from 127.0.0.1 as one user: the per-client and per-user caps are raised to fit.
    const args = [
      '--log-level',
      'error',
      '--storage-backend',
      'etcd3',
      '--etcd-servers',
      etcd.endpoints.join(','),
      '--max-watches-per-user',
      String(perReplica + 10),
      '--max-connections-per-client',
      String(perReplica + 100),
    ];
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-replica-'));
      dirs.push(dir);
      const first = dirs[0];
      // One CA and one admin token for both, as replicas behind one address share them.
      if (i > 0 && first) for (const f of ['ca.crt', 'ca.key', 'admin.token']) copyFileSync(join(first, f), join(dir, f));
      const s = await startServerProcess({
        dataDir: dir,
        args,
        // BENCH_CPU_PROF=1: each replica's CPU profile, written when it stops.
        ...(process.env['BENCH_CPU_PROF'] === '1' ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'bench/results/profiles')] } : {}),
      });
      replicas.push(s);
      await untilReady(s);
      afterEach.push(await etcdWatchers(endpoint));
    }
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const idle = afterEach[1] ?? Number.NaN;
    const types = await cachedTypes(a);
    const headers = { authorization: `Bearer ${a.token}`, accept: 'application/json', 'content-type': 'application/json' };
    await fetchJson(a.url, a.ca, 'POST', '/api/v1/namespaces', headers, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const d = new Deliveries(watchers, writes);
    const t0 = performance.now();
    const sockets = await openAll(
      replicas.map((s) => ({ ...hostPort(s.url), ca: s.ca, path: `${STREAMS}?watch=true`, token: s.token })),
      watchers,
      d,
    );
    const openSeconds = (performance.now() - t0) / 1000;
    const open = await etcdWatchers(endpoint);
    try {
      // Creates through each replica in turn: a watcher on the other replica learns of it through etcd.
      const measured = await rounds(d, async (w) => {
        const s = w % 2 === 0 ? a : b;
        const res = await fetchJson(s.url, s.ca, 'POST', STREAMS, headers, {
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStream',
          metadata: { name: `fan-${w}` },
        });
        if (res.status !== 201) throw new Error(`create fan-${w}: ${res.status} ${res.text}`);
      });
      ours = { rounds: measured, before, first: afterEach[0] ?? Number.NaN, idle, open, types, openSeconds };
    } finally {
      for (const s of sockets) s.destroy();
    }
  } finally {
    for (const s of replicas) await s.stop();
    await etcd.stop();
  }
  const bare = await measureBare(watchers, writes, dirs[0] ?? '');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

  const median = (rs: Round[], f: (r: Round) => number) => quantile(rs.map(f), 0.5);
  const delivered = ours.rounds.reduce((n, r) => n + r.delivered, 0);
  const fmt = (ms: number) => (Number.isFinite(ms) ? String(Math.round(ms)) : 'never');
  const lastMs = median(ours.rounds, (r) => r.lastMs);
  const table = [
    `Watch fan-out through the watch cache: ${watchers} concurrent watches of image streams${capped}, half on each of two replicas (their own processes) on one etcd member, raw HTTP/1.1 over TLS from one client process (opened in ${ours.openSeconds.toFixed(1)} s; the per-user watch cap and the per-client connection cap raised to ${perReplica + 10} and ${perReplica + 100}, all watchers being one user on 127.0.0.1); ${writes} creates, through the replicas in turn. Watches etcd served (its own \`etcd_debugging_mvcc_watcher_total\`, each read once it held still for a second): ${ours.before} before the replicas started, ${ours.first} once replica A was ready, ${ours.idle} once both were, ${ours.open} with every watcher open (${ours.open - ours.idle} for the ${watchers} watchers); each replica caches ${ours.types} resource types (× 2 replicas = ${ours.types * 2}), the other ${ours.idle - ours.before - ours.types * 2} are watches the replicas' own components (RBAC cache, cluster image config, import controller, leader election) hold on etcd directly. Deliveries: ${delivered} of ${watchers * writes}. Per create, ms from sending it until the first, the median and the last watcher had it; next to it two bare node:https processes holding as many responses (half each), told over IPC to write one event line to each:`,
    '',
    '| create | through | first ms | p50 ms | last ms | delivered |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...ours.rounds.map(
      (r, i) => `| fan-${i} | replica ${i % 2 === 0 ? 'A' : 'B'} | ${fmt(r.firstMs)} | ${fmt(r.p50Ms)} | ${fmt(r.lastMs)} | ${r.delivered} / ${watchers} |`,
    ),
    `| median | | ${fmt(median(ours.rounds, (r) => r.firstMs))} | ${fmt(median(ours.rounds, (r) => r.p50Ms))} | ${fmt(lastMs)} | |`,
    `| bare node:https, median | | ${fmt(median(bare, (r) => r.firstMs))} | ${fmt(median(bare, (r) => r.p50Ms))} | ${fmt(median(bare, (r) => r.lastMs))} | ${bare.reduce((n, r) => n + r.delivered, 0)} / ${watchers * writes} |`,
  ].join('\n');
  return {
    table,
    watchers,
    writes,
    lastMs,
    etcdWatches: ours.open - ours.before,
    clientWatchesOnEtcd: ours.open - ours.idle,
    expectedWatches: ours.types * 2,
    delivered,
    expected: watchers * writes,
  };
}

/** The same watchers and writes against two bare node:https processes with the first replica's certificate. */
async function measureBare(watchers: number, writes: number, dataDir: string): Promise<Round[]> {
  const children = await Promise.all(
    [0, 1].map(async () => {
      const child = fork(fileURLToPath(new URL('./bare-watch-server.ts', import.meta.url)), [dataDir], { execArgv: ['--import', 'tsx'] });
      const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (m: { port?: number }) => resolve(m.port ?? 0));
        child.once('exit', (code) => reject(new Error(`the bare watch server exited with ${code}`)));
      });
      return { child, port };
    }),
  );
  const ca = readFileSync(join(dataDir, 'ca.crt'), 'utf8');
  const d = new Deliveries(watchers, writes);
  const sockets = await openAll(
    children.map((c) => ({ host: '127.0.0.1', port: c.port, ca, path: '/watch' })),
    watchers,
    d,
  );
  try {
    return await rounds(d, async (w) => {
      for (const c of children) c.child.send({ name: `fan-${w}` });
    });
  } finally {
    for (const s of sockets) s.destroy();
    for (const c of children) c.child.kill();
  }
}
