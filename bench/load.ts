/** The load generator shared by the benchmarks: autocannon runs and one-off HTTPS calls. */
import { request, type Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const DURATION = Number(process.env['BENCH_SECONDS'] ?? 5);
export const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);

export type Cannon = Parameters<typeof autocannon>[0];

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) the serving process spent per request, in microseconds, when its pid was given. */
  cpuUs?: number;
}

/** CPU time (user + system) of a process so far, in clock ticks (1/100 s on Linux). */
export function cpuTicks(pid: number): number {
  // /proc/PID/stat: the command may hold spaces, so fields are counted after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/**
 * A load run; with the serving process's pid, also its CPU per request: a figure that drifts far
 * less than throughput on a shared machine, and counts the server's work, not the load generator's.
 */
export async function run(opts: Cannon, pid?: number): Promise<Figure> {
  const before = pid ? cpuTicks(pid) : 0;
  const r = await autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
  if (r.non2xx > 0 || r.errors > 0) process.stderr.write(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors\n`);
  const figure: Figure = { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
  if (pid && r.requests.total > 0) figure.cpuUs = Math.round(((cpuTicks(pid) - before) * 10_000) / r.requests.total);
  return figure;
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
