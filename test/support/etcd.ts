/**
 * Real etcd (Debian's `etcd-server`) for tests: one member or a cluster of several on loopback ports,
 * each in its own temporary data dir, with members that can be killed and started again.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/** With `tls`: the files a client needs (etcd then requires a client certificate signed by the CA). */
export interface EtcdTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly tls?: EtcdTls;
  readonly members: EtcdMember[];
  /** The member currently leading raft. */
  leader(): Promise<EtcdMember | undefined>;
  /** Waits until a majority serves linearizable reads again. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A CA, a serving certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeTls(dir: string): EtcdTls & { serverCert: string; serverKey: string } {
  const f = (n: string) => join(dir, n);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=test-etcd-ca');
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    );
  };
  issue('server', 'etcd', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  issue('client', 'image-apiserver', 'extendedKeyUsage=clientAuth\n');
  return { caFile: f('ca.crt'), certFile: f('client.crt'), keyFile: f('client.key'), serverCert: f('server.crt'), serverKey: f('server.key') };
}

/** GET on a member's client URL, over TLS with the client certificate when the cluster uses it. */
function get(url: string, tls: EtcdTls | undefined, opts: { method?: string; body?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const tlsOpts = tls ? { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {};
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: opts.method ?? 'GET', timeout: 1000, ...tlsOpts }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function healthy(url: string, tls: EtcdTls | undefined): Promise<boolean> {
  try {
    const res = await get(`${url}/health`, tls);
    return (JSON.parse(res.text) as { health?: string }).health === 'true';
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

/** The watches an etcd member serves now, from its own metrics. */
export async function etcdWatchCount(clientUrl: string): Promise<number> {
  const text = await (await fetch(`${clientUrl}/metrics`)).text();
  return Number(/^etcd_debugging_mvcc_watcher_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

export async function startEtcd(opts: { members?: number; tls?: boolean } = {}): Promise<EtcdCluster> {
  const n = opts.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'etcd-'));
  const certs = opts.tls ? makeTls(root) : undefined;
  const tls: EtcdTls | undefined = certs && { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile };
  const specs = [];
  for (let i = 0; i < n; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');

  const members = specs.map((s) => {
    let proc: ChildProcess | undefined;
    const clientUrl = `${certs ? 'https' : 'http'}://127.0.0.1:${s.client}`;
    const launch = () => {
      proc = spawn(
        'etcd',
        [
          '--name',
          s.name,
          '--data-dir',
          join(root, s.name),
          '--listen-client-urls',
          clientUrl,
          '--advertise-client-urls',
          clientUrl,
          '--listen-peer-urls',
          `http://127.0.0.1:${s.peer}`,
          '--initial-advertise-peer-urls',
          `http://127.0.0.1:${s.peer}`,
          '--initial-cluster',
          initialCluster,
          '--initial-cluster-token',
          'image-apiserver-test',
          // Short raft timings: a new leader within a second after the old one dies.
          '--heartbeat-interval',
          '50',
          '--election-timeout',
          '500',
          '--log-level',
          'error',
          ...(certs ? ['--cert-file', certs.serverCert, '--key-file', certs.serverKey, '--trusted-ca-file', certs.caFile, '--client-cert-auth'] : []),
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
        await until(
          `${s.name} to serve`,
          async () =>
            await get(`${clientUrl}/version`, tls)
              .then((r) => r.status === 200)
              .catch(() => false),
          15_000,
        );
      },
    };
    return member;
  });

  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.clientUrl),
    ...(tls ? { tls } : {}),
    members,
    async leader() {
      for (const m of members) {
        if (!m.running) continue;
        try {
          const res = await get(`${m.clientUrl}/v3/maintenance/status`, tls, { method: 'POST', body: '{}' });
          const st = JSON.parse(res.text) as { header?: { member_id?: string }; leader?: string };
          if (st.leader && st.header?.member_id === st.leader) return m;
        } catch {
          // not answering: not the leader
        }
      }
      return undefined;
    },
    async waitHealthy(timeoutMs = 20_000) {
      await until(
        'a healthy cluster',
        async () => {
          for (const m of members) if (m.running && (await healthy(m.clientUrl, tls))) return true;
          return false;
        },
        timeoutMs,
      );
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
