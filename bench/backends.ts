/**
 * The same load against one replica on SQLite, one replica on etcd and two replicas sharing that etcd,
 * side by side in one run. With two replicas the connections are split between them and their
 * throughputs added; latencies are the worse of the two.
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

async function load(setup: Setup): Promise<Record<string, Figure>> {
  const first = setup.servers[0];
  if (!first) throw new Error('a setup without servers');
  const headers = { authorization: `Bearer ${first.adminToken}`, 'content-type': 'application/json', accept: 'application/json' };
  await fetchJson(first.url, first.caCertPem, 'POST', '/api/v1/namespaces', headers, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (let i = 0; i < 100; i++) {
    await fetchJson(first.url, first.caCertPem, 'POST', STREAMS, headers, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: `s${i}` },
    });
  }
  let n = 0;
  let u = 0;
  return {
    get: await spread(setup, `${STREAMS}/s1`, { headers }),
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

export async function measureBackends(): Promise<string> {
  process.stdout.write('storage backends…\n');
  const etcd = await startEtcd();
  const results: { name: string; figures: Record<string, Figure> }[] = [];
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
  return [
    `Storage backends, the same load (${CONNECTIONS} connections in all; req/s, ratio to SQLite, p50 / p99 ms):`,
    '',
    '| setup | get one image stream | create image stream | update (merge patch) |',
    '| --- | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${cell(r.figures['get'], base?.['get'])} | ${cell(r.figures['create'], base?.['create'])} | ${cell(r.figures['update'], base?.['update'])} |`,
    ),
  ].join('\n');
}
