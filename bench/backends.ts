/**
 * The same load against one replica on SQLite, one replica on etcd (with its watch cache, the
 * default, and without), and two replicas sharing that etcd, side by side in one run. With two
 * replicas the connections are split between them and their throughputs added; latencies are the
 * worse of the two.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseFlags } from '../src/server/flags.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { startEtcd } from '../test/support/etcd.js';
import { CONNECTIONS, fetchJson, run, type Cannon, type Figure } from './load.js';

const NS = 'bench';
const STREAMS = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;
/** Streams each setup starts with: the list row reads all of them in one page. */
const SEEDED = 500;
const OPERATIONS = ['get', 'list', 'create', 'update'] as const;
type Operation = (typeof OPERATIONS)[number];
const HEADINGS: Record<Operation, string> = {
  get: 'get one image stream',
  list: `list ${SEEDED} image streams`,
  create: 'create image stream',
  update: 'update (merge patch)',
};

interface Setup {
  readonly name: string;
  readonly servers: RunningServer[];
  readonly dirs: string[];
}

async function replica(args: string[], shareFrom?: string): Promise<{ server: RunningServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-backend-'));
  if (shareFrom) for (const f of ['ca.crt', 'ca.key', 'admin.token']) copyFileSync(join(shareFrom, f), join(dir, f));
  const flags = parseFlags(['--data-dir', dir, '--secure-port', '0', '--log-level', 'error', ...args]);
  return { server: await startServer(flags, { logger: pino({ level: 'error' }) }), dir };
}

/** Runs `opts` against every server of a setup at once, `CONNECTIONS` in all. */
async function spread(setup: Setup, path: string, opts: Omit<Cannon, 'url'>): Promise<Figure> {
  const each = Math.max(1, Math.floor(CONNECTIONS / setup.servers.length));
  const figures = await Promise.all(
    setup.servers.map((s) => run({ ...opts, connections: each, url: `${s.url}${path}`, ...({ tls: { ca: s.caCertPem } } as object) })),
  );
  return {
    rps: figures.reduce((n, f) => n + f.rps, 0),
    p50: Math.max(...figures.map((f) => f.p50)),
    p99: Math.max(...figures.map((f) => f.p99)),
  };
}

async function load(setup: Setup): Promise<Record<Operation, Figure>> {
  const first = setup.servers[0];
  if (!first) throw new Error('a setup without servers');
  const headers = { authorization: `Bearer ${first.adminToken}`, 'content-type': 'application/json', accept: 'application/json' };
  await fetchJson(first.url, first.caCertPem, 'POST', '/api/v1/namespaces', headers, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // The same streams as the main table's list: one tag each.
  let next = 0;
  const seed = async () => {
    for (let i = next++; i < SEEDED; i = next++) {
      await fetchJson(first.url, first.caCertPem, 'POST', STREAMS, headers, {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: `s${i}` },
        spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: `quay.io/bench/s${i}:latest` }, reference: true }] },
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, seed));
  let n = 0;
  let u = 0;
  return {
    get: await spread(setup, `${STREAMS}/s1`, { headers }),
    list: await spread(setup, `${STREAMS}?limit=${SEEDED}`, { headers }),
    create: await spread(setup, STREAMS, {
      method: 'POST',
      headers,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: `c${n++}` } }),
          }),
        },
      ],
    }),
    // Each request patches its own stream: contention on one key would measure conflicts instead.
    update: await spread(setup, `${STREAMS}/s2`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/merge-patch+json' },
      requests: [
        {
          setupRequest: (req) => ({ ...req, path: `${STREAMS}/s${u % 100}`, body: JSON.stringify({ metadata: { labels: { n: String(u++) } } }) }),
        },
      ],
    }),
  };
}

export interface Backends {
  readonly table: string;
  /** etcd with one replica (watch cache on, the default) over SQLite, req/s. */
  readonly etcdOverSqlite: Record<Operation, number>;
}

export async function measureBackends(): Promise<Backends> {
  process.stdout.write('storage backends…\n');
  const etcd = await startEtcd();
  const results: { name: string; figures: Record<Operation, Figure> }[] = [];
  const setups: (() => Promise<Setup>)[] = [
    async () => {
      const a = await replica([]);
      return { name: 'SQLite, 1 replica', servers: [a.server], dirs: [a.dir] };
    },
    async () => {
      const a = await replica(['--storage-backend', 'etcd3', '--etcd-servers', etcd.endpoints.join(','), '--etcd-prefix', '/bench-one']);
      return { name: 'etcd, 1 replica', servers: [a.server], dirs: [a.dir] };
    },
    async () => {
      const a = await replica([
        '--storage-backend',
        'etcd3',
        '--etcd-servers',
        etcd.endpoints.join(','),
        '--etcd-prefix',
        '/bench-nocache',
        '--watch-cache=false',
      ]);
      return { name: 'etcd, 1 replica, --watch-cache=false', servers: [a.server], dirs: [a.dir] };
    },
    async () => {
      const args = ['--storage-backend', 'etcd3', '--etcd-servers', etcd.endpoints.join(','), '--etcd-prefix', '/bench-two'];
      const a = await replica(args);
      const b = await replica(args, a.dir);
      return { name: 'etcd, 2 replicas', servers: [a.server, b.server], dirs: [a.dir, b.dir] };
    },
  ];
  try {
    for (const make of setups) {
      const setup = await make();
      try {
        results.push({ name: setup.name, figures: await load(setup) });
      } finally {
        for (const s of setup.servers) await s.close();
        for (const d of setup.dirs) rmSync(d, { recursive: true, force: true });
      }
    }
  } finally {
    await etcd.stop();
  }
  const base = results[0]?.figures;
  const cell = (f: Figure | undefined, b: Figure | undefined) =>
    f ? `${f.rps} (${b ? (f.rps / Math.max(1, b.rps)).toFixed(2) : '-'}×) · ${f.p50} / ${f.p99}` : '-';
  const one = results.find((r) => r.name === 'etcd, 1 replica')?.figures;
  const ratio = (op: Operation) => (one && base ? one[op].rps / Math.max(1, base[op].rps) : 0);
  const table = [
    `Storage backends, the same load (${CONNECTIONS} connections in all, ${SEEDED} streams to start with; req/s, ratio to SQLite, p50 / p99 ms; etcd is one member on this machine, the watch cache on unless said):`,
    '',
    `| setup | ${OPERATIONS.map((op) => HEADINGS[op]).join(' | ')} |`,
    `| --- | ${OPERATIONS.map(() => '---:').join(' | ')} |`,
    ...results.map((r) => `| ${r.name} | ${OPERATIONS.map((op) => cell(r.figures[op], base?.[op])).join(' | ')} |`),
  ].join('\n');
  return { table, etcdOverSqlite: { get: ratio('get'), list: ratio('list'), create: ratio('create'), update: ratio('update') } };
}
