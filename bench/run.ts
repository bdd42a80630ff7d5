/**
 * `npm run bench`: throughput and latency of get, list, create and update on loopback, each next to
 * a bare node:https server that answers the same bytes, in the same run. A benchmark, not a test:
 * it prints and records figures, it asserts nothing. Results go to bench/results/ and BENCHMARKS.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { parseFlags } from '../src/server/flags.js';
import { startServer } from '../src/server/server.js';

interface Row {
  operation: string;
  server: { rps: number; p50: number; p99: number };
  bare: { rps: number; p50: number; p99: number };
}

const DURATION = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const NS = 'bench';

type Cannon = Parameters<typeof autocannon>[0];

async function run(opts: Cannon): Promise<{ rps: number; p50: number; p99: number }> {
  const r = await autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
  if (r.non2xx > 0 || r.errors > 0) process.stderr.write(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors\n`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const flags = parseFlags(['--data-dir', dataDir, '--secure-port', '0', '--log-level', 'error']);
  const server = await startServer(flags, { logger: pino({ level: 'error' }) });
  const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', accept: 'application/json' };
  const base = server.url;
  const tls = { ca: server.caCertPem };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetchJson(base, server.caCertPem, method, path, auth, body);
    return res;
  };
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const isPath = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;
  for (let i = 0; i < 500; i++) {
    await call('POST', isPath, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: `s${String(i).padStart(4, '0')}` },
      spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: `quay.io/bench/s${i}:latest` }, reference: true }] },
    });
  }
  const one = (await call('GET', `${isPath}/s0001`)).text;
  const page = (await call('GET', `${isPath}?limit=500`)).text;

  // The bare baseline: node:https answering the same bytes with the same TLS.
  const { readFileSync } = await import('node:fs');
  const bare = createServer({ cert: readFileSync(join(dataDir, 'serving.crt')), key: readFileSync(join(dataDir, 'serving.key')) }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const out = req.url?.includes('limit=') ? page : one;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareAddr = bare.address();
  const bareUrl = `https://127.0.0.1:${typeof bareAddr === 'object' && bareAddr ? bareAddr.port : 0}`;

  const rows: Row[] = [];
  const measure = async (operation: string, opts: Omit<Cannon, 'url'> & { path: string }) => {
    process.stdout.write(`${operation}…\n`);
    const { path, headers, ...rest } = opts;
    const h = { ...auth, ...(headers ?? {}) };
    const s = await run({ ...rest, url: `${base}${path}`, headers: h, ...({ tls } as object) });
    const b = await run({ ...rest, url: `${bareUrl}${path}`, headers: h, ...({ tls } as object) });
    rows.push({ operation, server: s, bare: b });
  };
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'; // autocannon takes no CA; loopback to our own test servers only
  await measure('get one image stream', { path: `${isPath}/s0001` });
  await measure('list 500 image streams', { path: `${isPath}?limit=500` });
  let n = 0;
  await measure('create image stream', {
    path: isPath,
    method: 'POST',
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: `c${n++}` }, spec: {} }),
        }),
      },
    ],
  });
  let u = 0;
  await measure('update (merge patch) image stream', {
    path: `${isPath}/s0002`,
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ metadata: { labels: { n: String(u++) } } }) }) }],
  });

  bare.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const table = [
    `Measured ${new Date().toISOString()} on ${machine}; ${CONNECTIONS} connections, ${DURATION} s per figure, HTTPS on loopback.`,
    '',
    '| operation | server req/s | bare req/s | ratio | server p50 / p99 ms | bare p50 / p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.operation} | ${r.server.rps} | ${r.bare.rps} | ${(r.server.rps / Math.max(1, r.bare.rps)).toFixed(2)} | ${r.server.p50} / ${r.server.p99} | ${r.bare.p50} / ${r.bare.p99} |`,
    ),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(join('bench/results', 'latest.json'), JSON.stringify({ machine, rows }, null, 2));
  writeFileSync(
    'BENCHMARKS.md',
    `# Benchmarks\n\nProduced by \`npm run bench\` (bench/run.ts). Each row runs the same load against the server and against a bare\n\`node:https\` server that answers the same bytes, in the same run; the ratio is server / bare.\n\n${table}\n`,
  );
}

async function fetchJson(base: string, ca: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const { request } = await import('node:https');
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, ca }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
