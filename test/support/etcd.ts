/**
 * Real etcd (Debian's `etcd-server`) for tests: one member or a cluster of several on loopback ports,
 * each in its own temporary data dir, with members that can be killed and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly running: boolean;
  /** SIGKILL: the member stops at once, as on a crash. */
  kill(): Promise<void>;
  /** Starts the member again on its data dir and waits until it serves. */
  start(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  /** The member currently leading raft. */
  leader(): Promise<EtcdMember | undefined>;
  /** Waits until a majority serves linearizable reads again. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`etcd: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startEtcd(opts: { members?: number } = {}): Promise<EtcdCluster> {
  const n = opts.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'etcd-'));
  const specs = [];
  for (let i = 0; i < n; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');

  const members = specs.map((s) => {
    let proc: ChildProcess | undefined;
    const clientUrl = `http://127.0.0.1:${s.client}`;
    const launch = () => {
      proc = spawn(
        'etcd',
        [
          '--name', s.name,
          '--data-dir', join(root, s.name),
          '--listen-client-urls', clientUrl,
          '--advertise-client-urls', clientUrl,
          '--listen-peer-urls', `http://127.0.0.1:${s.peer}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${s.peer}`,
          '--initial-cluster', initialCluster,
          '--initial-cluster-token', 'image-apiserver-test',
          // Short raft timings: a new leader within a second after the old one dies.
          '--heartbeat-interval', '50',
          '--election-timeout', '500',
          '--log-level', 'error',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      proc.stderr?.resume();
      proc.on('error', () => undefined);
    };
    const member: EtcdMember = {
      name: s.name,
      clientUrl,
      get running() {
        return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
      },
      async kill() {
        const p = proc;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        await new Promise<void>((r) => {
          p.once('exit', () => r());
          p.kill('SIGKILL');
        });
      },
      async start() {
        launch();
        await until(`${s.name} to serve`, async () => (await fetch(`${clientUrl}/version`).then((r) => r.ok).catch(() => false)), 15_000);
      },
    };
    return member;
  });

  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.clientUrl),
    members,
    async leader() {
      for (const m of members) {
        if (!m.running) continue;
        try {
          const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
          const st = (await res.json()) as { header?: { member_id?: string }; leader?: string };
          if (st.leader && st.header?.member_id === st.leader) return m;
        } catch {
          // not answering: not the leader
        }
      }
      return undefined;
    },
    async waitHealthy(timeoutMs = 20_000) {
      await until('a healthy cluster', async () => {
        for (const m of members) if (m.running && (await healthy(m.clientUrl))) return true;
        return false;
      }, timeoutMs);
    },
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    // Members of a new cluster wait for each other: launch all, then wait.
    await Promise.all(members.map((m) => m.start()));
    await cluster.waitHealthy();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
