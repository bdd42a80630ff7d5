/** The load generator shared by the benchmarks: autocannon runs and one-off HTTPS calls. */
import { request, type Agent } from 'node:https';
import autocannon from 'autocannon';

export const DURATION = Number(process.env['BENCH_SECONDS'] ?? 5);
export const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);

export type Cannon = Parameters<typeof autocannon>[0];

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
}

export async function run(opts: Cannon): Promise<Figure> {
  const r = await autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
  if (r.non2xx > 0 || r.errors > 0) process.stderr.write(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors\n`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

export async function fetchJson(base: string, ca: string, method: string, path: string, headers: Record<string, string>, body?: unknown, agent?: Agent) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, ca, ...(agent ? { agent } : {}) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
