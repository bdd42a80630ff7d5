/**
 * Watch fan-out: many concurrent watchers of image streams, then writes; for each write, the time
 * from sending it until every watcher received its event. Next to it, a bare node:https server that
 * holds as many streaming responses and writes one event line to each when it is posted to.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:https';
import { startServerProcess } from '../test/support/server-process.js';
import { fetchJson } from './load.js';

const NS = 'fanout';
const WRITES = 5;

interface Fanout {
  /** Per write: ms until the last watcher had the event; the median over the writes. */
  readonly allMs: number;
  /** p50 and p99 over every (write, watcher) delivery. */
  readonly p50: number;
  readonly p99: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

/** Opens `n` streaming GETs; `onLine(i, line)` for every line watcher i receives. Resolves once all answered. */
async function openWatches(url: string, n: number, headers: Record<string, string>, ca: string, agent: Agent, onLine: (line: string) => void) {
  const reqs: { destroy(): void }[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(url, { headers, ca, agent }, (res) => {
            let buf = '';
            res.on('data', (d: Buffer) => {
              buf += d.toString();
              let i;
              while ((i = buf.indexOf('\n')) >= 0) {
                onLine(buf.slice(0, i));
                buf = buf.slice(i + 1);
              }
            });
            res.on('error', () => undefined);
            resolve();
          });
          req.on('error', reject);
          req.end();
          reqs.push(req);
        }),
    ),
  );
  return () => reqs.forEach((r) => r.destroy());
}

async function fanout(n: number, open: (onLine: (line: string) => void) => Promise<() => void>, write: (name: string) => Promise<void>): Promise<Fanout> {
  const arrivals = new Map<string, number[]>();
  const close = await open((line) => {
    const m = /"name":"(fan-\d+)"/.exec(line);
    if (m?.[1]) arrivals.get(m[1])?.push(performance.now());
  });
  const all: number[] = [];
  const lasts: number[] = [];
  try {
    for (let w = 0; w < WRITES; w++) {
      const name = `fan-${w}`;
      const got: number[] = [];
      arrivals.set(name, got);
      const t0 = performance.now();
      await write(name);
      const deadline = Date.now() + 30_000;
      while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      const lat = got.map((t) => t - t0);
      all.push(...lat);
      lasts.push(got.length < n ? Number.POSITIVE_INFINITY : Math.max(...lat));
    }
  } finally {
    close();
  }
  return { allMs: Math.round(quantile(lasts, 0.5)), p50: Math.round(quantile(all, 0.5)), p99: Math.round(quantile(all, 0.99)) };
}

export async function measureWatchFanout(watchers: number): Promise<{ table: string; allMs: number }> {
  process.stdout.write(`watch fan-out to ${watchers} watchers…\n`);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  // Every watcher connects from 127.0.0.1, as clients behind one load balancer or proxy would.
  const server = await startServerProcess({
    args: ['--log-level', 'error', '--max-watches-per-user', String(watchers + 10), '--max-connections-per-client', String(watchers + 100)],
  });
  let ours: Fanout;
  try {
    const headers = { authorization: `Bearer ${server.token}`, accept: 'application/json', 'content-type': 'application/json' };
    await fetchJson(server.url, server.ca, 'POST', '/api/v1/namespaces', headers, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const streams = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;
    ours = await fanout(
      watchers,
      (onLine) => openWatches(`${server.url}${streams}?watch=true`, watchers, headers, server.ca, agent, onLine),
      async (name) => {
        await fetchJson(server.url, server.ca, 'POST', streams, headers, { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name } });
      },
    );
  } finally {
    await server.stop();
  }

  // The bare baseline, with the same certificate: it holds the responses and writes to each on POST.
  const dir = server.dataDir;
  const held = new Set<ServerResponse>();
  const bare = createServer({ cert: readFileSync(`${dir}/serving.crt`), key: readFileSync(`${dir}/serving.key`) }, (req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const line = `${JSON.stringify({ type: 'ADDED', object: JSON.parse(body) as unknown })}\n`;
        for (const r of held) r.write(line);
        res.writeHead(201).end(body);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    held.add(res);
    res.on('close', () => held.delete(res));
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const addr = bare.address();
  const bareUrl = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const ca = readFileSync(`${dir}/ca.crt`, 'utf8');
  let base: Fanout;
  try {
    base = await fanout(
      watchers,
      (onLine) => openWatches(`${bareUrl}/watch`, watchers, {}, ca, agent, onLine),
      async (name) => {
        await fetchJson(bareUrl, ca, 'POST', '/write', { 'content-type': 'application/json' }, { metadata: { name } });
      },
    );
  } finally {
    bare.closeAllConnections();
    bare.close();
    agent.destroy();
    server.cleanup();
  }
  const table = [
    `Watch fan-out: ${watchers} concurrent watches of image streams over HTTPS, ${WRITES} creates; per create, the time until every watcher had its event (median over the creates), and p50 / p99 of single deliveries:`,
    '',
    '| | until all delivered ms | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: |',
    `| server | ${ours.allMs} | ${ours.p50} | ${ours.p99} |`,
    `| bare node:https | ${base.allMs} | ${base.p50} | ${base.p99} |`,
  ].join('\n');
  return { table, allMs: ours.allMs };
}
