/**
 * `npm run soak`: how the server holds up under hostile clients while normal load runs. Three phases
 * of SOAK_SECONDS each (default 20), all on loopback from this process:
 *  1. before: normal load only (autocannon GETs of one image stream, 8 connections);
 *  2. during: the same load plus attackers: 500 TCP connections that never start TLS, 500 TLS
 *     connections that send part of a request and then neither finish it nor read, and ~20
 *     concurrent image imports from a registry that sends headers and then one byte every 2 s;
 *  3. after: attackers gone (the slow registry keeps dripping to whoever still listens); a 5 s
 *     pause, then normal load only again.
 * Per phase: load throughput and latency, the server's open descriptors and RSS (sampled every
 * second), attacker connections the server closed, import answers, and the server's sockets to the
 * slow registry. A benchmark, not a test: it asserts nothing. Written to bench/results/soak.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Agent } from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fetchJson, run, type Figure } from './load.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] ?? 20);
const NS = 'soak';
const LOAD_CONNECTIONS = 8;
const RAW_ATTACKERS = 500;
const TLS_ATTACKERS = 500;
const IMPORTERS = 20;
/** Each attacker pool opens at most this many connections in all, whatever the server does. */
const MAX_OPENS_PER_POOL = 500 * Math.max(20, SOAK_SECONDS);
const MAX_IMPORT_REQUESTS = IMPORTERS * 500;
/** A pause before reopening or re-issuing, so a server that refuses at once does not make a busy loop. */
const REOPEN_DELAY_MS = 50;
const REISSUE_DELAY_MS = 100;
/** How long a TLS attacker keeps a socket the server has closed (it never reads, so it never closes). */
const HOLD_CLOSED_MS = 15_000;
const DRIP_MS = 2_000;
const SETTLE_MS = 5_000;
const SHUTDOWN_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Resolves after `ms` without keeping the process alive. */
const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/** Open descriptors (entries of /proc/PID/fd) and resident memory (VmRSS, KiB); undefined once it exited. */
function processUsage(pid: number): { fds: number; rssKiB: number } | undefined {
  try {
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKiB: Number(rss ?? 0) };
  } catch {
    return undefined;
  }
}

/**
 * Local ports of this machine's TCP sockets to `port` that are in CLOSE_WAIT: the peer (the server)
 * sent its FIN. A client that never reads does not see that through its socket, the kernel does.
 */
function peerClosedPorts(port: number): Set<number> {
  const remote = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, rem, state] = line.trim().split(/\s+/);
    if (state === '08' && rem?.endsWith(remote) && local) ports.add(parseInt(local.split(':')[1] ?? '', 16));
  }
  return ports;
}

/** A fixed number of hostile connections, each reopened when the server closes it, bounded in count. */
class AttackPool {
  private readonly live = new Set<Socket>();
  /** Sockets the server closed that this client, which never reads, keeps open a while. */
  private readonly held = new Set<Socket>();
  private running = false;
  opened = 0;
  closedByServer = 0;
  neverConnected = 0;

  constructor(
    private readonly size: number,
    private readonly open: () => Socket,
  ) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  private spawn(): void {
    if (!this.running || this.opened >= MAX_OPENS_PER_POOL) return;
    this.opened++;
    const socket = this.open();
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (this.live.delete(socket)) this.lost(connected);
    });
    this.live.add(socket);
  }

  private lost(connected: boolean): void {
    if (!this.running) return;
    if (connected) this.closedByServer++;
    else this.neverConnected++;
    setTimeout(() => this.spawn(), REOPEN_DELAY_MS);
  }

  /** Counts (and replaces) the sockets the kernel says the server closed, though this client has not noticed. */
  sweep(peerClosed: Set<number>): void {
    for (const socket of this.live) {
      if (socket.localPort === undefined || !peerClosed.has(socket.localPort)) continue;
      this.live.delete(socket);
      this.held.add(socket);
      setTimeout(() => {
        socket.destroy();
        this.held.delete(socket);
      }, HOLD_CLOSED_MS).unref();
      this.lost(true);
    }
  }

  stop(): void {
    this.running = false;
    for (const socket of [...this.live, ...this.held]) socket.destroy();
    this.live.clear();
    this.held.clear();
  }
}

/**
 * A plain-HTTP registry on 127.0.0.1: `/v2/` answers at once; a manifest gets its headers and then
 * one byte every DRIP_MS for as long as the requester stays. Counts its open sockets itself.
 */
async function startSlowRegistry(): Promise<{ host: string; openSockets(): number; manifestRequests: number; close(): void }> {
  const sockets = new Set<Socket>();
  const drips = new Set<NodeJS.Timeout>();
  const v2 = { 'docker-distribution-api-version': 'registry/2.0' };
  const stats = { manifestRequests: 0 };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { ...v2, 'content-type': 'application/json' }).end('{}');
    } else if (path.includes('/manifests/')) {
      stats.manifestRequests++;
      res.writeHead(200, { ...v2, 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
      res.flushHeaders();
      const drip = setInterval(() => res.write(' '), DRIP_MS);
      drips.add(drip);
      res.once('close', () => {
        clearInterval(drip);
        drips.delete(drip);
      });
    } else {
      res.writeHead(404, v2).end();
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    openSockets: () => sockets.size,
    get manifestRequests() {
      return stats.manifestRequests;
    },
    close() {
      for (const drip of drips) clearInterval(drip);
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** ~IMPORTERS concurrent `ImageStreamImport`s (import: false) of one image from the slow registry, re-issued as they end. */
class ImportDriver {
  private running = false;
  private workers: Promise<void>[] = [];
  private readonly agent = new Agent({ keepAlive: false, maxSockets: IMPORTERS });
  issued = 0;
  settled = 0;
  /** Answers by label (HTTP code, and for 2xx the image's import status), for the current phase. */
  answers = new Map<string, number>();
  /** One message per label, to show what the server said. */
  readonly examples = new Map<string, string>();

  constructor(
    private readonly server: ServerProcess,
    private readonly image: string,
  ) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: IMPORTERS }, () => this.worker());
  }

  private async worker(): Promise<void> {
    const headers = { authorization: `Bearer ${this.server.token}`, 'content-type': 'application/json', accept: 'application/json' };
    const body = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'slow' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: this.image }, importPolicy: { insecure: true } }] },
    };
    while (this.running && this.issued < MAX_IMPORT_REQUESTS) {
      this.issued++;
      try {
        const r = await fetchJson(
          this.server.url,
          this.server.ca,
          'POST',
          `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreamimports`,
          headers,
          body,
          this.agent,
        );
        this.settled++;
        this.record(r.status, r.text);
      } catch (err) {
        this.settled++;
        // Errors after stop are our own hang-ups, not answers.
        if (this.running) this.count('connection error', (err as Error).message);
      }
      if (this.running) await sleep(REISSUE_DELAY_MS);
    }
  }

  private record(status: number, text: string): void {
    let label = String(status);
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: string; status?: { images?: { status?: { status?: string; reason?: string; message?: string } }[] } };
      const image = parsed.status?.images?.[0]?.status;
      if (image) {
        label = `${status}, image ${image.status ?? '?'}${image.reason ? ` (${image.reason})` : ''}`;
        message = image.message ?? '';
      } else if (parsed.message) {
        message = parsed.message;
      }
    } catch {
      // not JSON: the raw text is the example
    }
    this.count(label, message);
  }

  private count(label: string, message: string): void {
    this.answers.set(label, (this.answers.get(label) ?? 0) + 1);
    if (!this.examples.has(label)) this.examples.set(label, message);
  }

  /** Requests sent and not answered yet. */
  pending(): number {
    return this.issued - this.settled;
  }

  /** Hangs up every request in flight (the client goes away) and stops issuing. */
  async stop(): Promise<number> {
    const pending = this.pending();
    this.running = false;
    this.agent.destroy();
    await Promise.race([Promise.all(this.workers), timeout(2_000)]);
    return pending;
  }
}

interface PhaseRow {
  name: string;
  load?: Figure;
  fdsMax: number;
  fdsFinal: number;
  rssMaxKiB: number;
  rssFinalKiB: number;
  closedRaw: number;
  closedTls: number;
  neverConnected: number;
  answers: Map<string, number>;
  importsPending: number;
  registrySocketsMax: number;
  registrySockets: number;
  manifestRequests: number;
}

async function main(): Promise<void> {
  const registry = await startSlowRegistry();
  let server: ServerProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const pools: AttackPool[] = [];
  let importer: ImportDriver | undefined;
  try {
    server = await startServerProcess({
      args: [
        '--log-level',
        'error',
        '--import-allowed-networks',
        '127.0.0.0/8',
        '--max-connections-per-client',
        '2000',
        '--tls-handshake-timeout',
        '5s',
        '--request-receive-timeout',
        '5s',
        '--image-import-request-timeout',
        '3s',
      ],
    });
    const s = server;
    const pid = s.child.pid ?? 0;
    const port = Number(new URL(s.url).port);
    const auth = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', accept: 'application/json' };
    await fetchJson(s.url, s.ca, 'POST', '/api/v1/namespaces', auth, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const streams = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;
    const created = await fetchJson(s.url, s.ca, 'POST', streams, auth, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'app' },
      spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: 'quay.io/soak/app:latest' }, reference: true }] },
    });
    if (created.status !== 201) throw new Error(`creating the image stream: HTTP ${created.status} ${created.text}`);
    const normalLoad = () => run({ url: `${s.url}${streams}/app`, headers: auth, connections: LOAD_CONNECTIONS, duration: SOAK_SECONDS }, pid);
    const idle = processUsage(pid);

    let tlsHandshakes = 0;
    const rawPool = new AttackPool(RAW_ATTACKERS, () => tcpConnect({ host: '127.0.0.1', port }));
    const tlsPool = new AttackPool(TLS_ATTACKERS, () => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: s.ca });
      // Part of a request line and headers; never the blank line that ends them, and no reading.
      socket.once('secureConnect', () => {
        tlsHandshakes++;
        socket.write(`GET ${streams}/app HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: soak`);
      });
      return socket;
    });
    pools.push(rawPool, tlsPool);
    const driver = new ImportDriver(s, `${registry.host}/slow/img:latest`);
    importer = driver;

    // Every second: the server's descriptors and memory, and the attackers' view of what it closed.
    let current: PhaseRow | undefined;
    const sample = () => {
      const usage = processUsage(pid);
      if (usage && current) {
        current.fdsMax = Math.max(current.fdsMax, usage.fds);
        current.fdsFinal = usage.fds;
        current.rssMaxKiB = Math.max(current.rssMaxKiB, usage.rssKiB);
        current.rssFinalKiB = usage.rssKiB;
      }
      if (current) current.registrySocketsMax = Math.max(current.registrySocketsMax, registry.openSockets());
      const closed = peerClosedPorts(port);
      for (const pool of pools) pool.sweep(closed);
    };
    sampler = setInterval(sample, 1_000);

    const rows: PhaseRow[] = [];
    const phase = async (name: string, body: () => Promise<Figure>) => {
      process.stdout.write(`${name} (${SOAK_SECONDS} s)…\n`);
      const start = {
        raw: rawPool.closedByServer,
        tls: tlsPool.closedByServer,
        never: pools.reduce((n, p) => n + p.neverConnected, 0),
        manifests: registry.manifestRequests,
      };
      driver.answers = new Map();
      const row: PhaseRow = {
        name,
        fdsMax: 0,
        fdsFinal: 0,
        rssMaxKiB: 0,
        rssFinalKiB: 0,
        closedRaw: 0,
        closedTls: 0,
        neverConnected: 0,
        answers: driver.answers,
        importsPending: 0,
        registrySocketsMax: 0,
        registrySockets: 0,
        manifestRequests: 0,
      };
      current = row;
      sample();
      row.load = await body();
      sample();
      current = undefined;
      row.closedRaw = rawPool.closedByServer - start.raw;
      row.closedTls = tlsPool.closedByServer - start.tls;
      row.neverConnected = pools.reduce((n, p) => n + p.neverConnected, 0) - start.never;
      row.importsPending = driver.pending();
      row.registrySockets = registry.openSockets();
      row.manifestRequests = registry.manifestRequests - start.manifests;
      rows.push(row);
    };

    await phase('before', normalLoad);
    await phase('during', async () => {
      for (const pool of pools) pool.start();
      driver.start();
      return normalLoad();
    });
    for (const pool of pools) pool.stop();
    const hungUp = await driver.stop();
    await phase('after', async () => {
      await sleep(SETTLE_MS);
      return normalLoad();
    });
    clearInterval(sampler);

    const shutdown = await stopServer(s);

    const report = renderReport({
      rows,
      idle,
      hungUp,
      shutdown,
      tlsHandshakes,
      raw: rawPool,
      tls: tlsPool,
      importer: driver,
      registrySocketsAtExit: registry.openSockets(),
    });
    process.stdout.write(`\n${report}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(join('bench/results', 'soak.md'), `${report}\n`);
  } finally {
    if (sampler) clearInterval(sampler);
    for (const pool of pools) pool.stop();
    await importer?.stop();
    if (server) {
      await stopServer(server); // at once if it already exited
      server.cleanup();
    }
    registry.close();
  }
}

/** SIGTERM, then SIGKILL if it has not exited within SHUTDOWN_WAIT_MS; says which. */
async function stopServer(server: ServerProcess): Promise<string> {
  const signalled = performance.now();
  const exit = await Promise.race([server.stop().then(() => 'exited' as const), timeout(SHUTDOWN_WAIT_MS)]);
  if (exit === 'exited') return `exited ${Math.round(performance.now() - signalled)} ms after SIGTERM`;
  await server.kill();
  return `had not exited ${SHUTDOWN_WAIT_MS / 1000} s after SIGTERM: killed`;
}

function renderReport(r: {
  rows: PhaseRow[];
  idle: { fds: number; rssKiB: number } | undefined;
  hungUp: number;
  shutdown: string;
  tlsHandshakes: number;
  raw: AttackPool;
  tls: AttackPool;
  importer: ImportDriver;
  registrySocketsAtExit: number;
}): string {
  const mib = (kib: number) => (kib / 1024).toFixed(0);
  const cells = (f: (row: PhaseRow) => string | number) => r.rows.map((row) => String(f(row))).join(' | ');
  const answers = (row: PhaseRow) => [...row.answers].map(([label, n]) => `${n} × ${label}`).join('; ') || 'none';
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [
    '## Soak: normal load next to hostile clients',
    '',
    `Measured ${new Date().toISOString()} on ${machine}; ${SOAK_SECONDS} s per phase (the "after" phase starts with a ${SETTLE_MS / 1000} s pause without load). ` +
      `Server flags: --tls-handshake-timeout 5s --request-receive-timeout 5s --image-import-request-timeout 3s --max-connections-per-client 2000, the rest default. ` +
      `Normal load: GET of one image stream, ${LOAD_CONNECTIONS} connections. During the attack: ${RAW_ATTACKERS} TCP connections that never start TLS, ` +
      `${TLS_ATTACKERS} TLS connections with a partial request that never read (a connection the server closed is kept ${HOLD_CLOSED_MS / 1000} s, then dropped), each reopened when the server closes it, ` +
      `and ${IMPORTERS} concurrent ImageStreamImports from a registry that drips one byte every ${DRIP_MS / 1000} s. ` +
      `Idle server before any load: ${r.idle?.fds ?? '?'} fds, ${r.idle ? mib(r.idle.rssKiB) : '?'} MiB RSS.`,
    '',
    `| | ${r.rows.map((row) => row.name).join(' | ')} |`,
    `| --- |${r.rows.map(() => ' ---: |').join('')}`,
    `| normal load req/s | ${cells((row) => row.load?.rps ?? '?')} |`,
    `| normal load p50 / p99 ms | ${cells((row) => `${row.load?.p50 ?? '?'} / ${row.load?.p99 ?? '?'}`)} |`,
    `| server CPU µs per normal request (all its work / normal requests) | ${cells((row) => row.load?.cpuUs ?? '?')} |`,
    `| server open fds, max / final | ${cells((row) => `${row.fdsMax} / ${row.fdsFinal}`)} |`,
    `| server RSS MiB, max / final | ${cells((row) => `${mib(row.rssMaxKiB)} / ${mib(row.rssFinalKiB)}`)} |`,
    `| attacker connections the server closed: no-TLS / partial-request | ${cells((row) => `${row.closedRaw} / ${row.closedTls}`)} |`,
    `| attacker connects that failed before TCP connected | ${cells((row) => row.neverConnected)} |`,
    `| import requests answered (HTTP code, image status) | ${cells(answers)} |`,
    `| import requests in flight at the end | ${cells((row) => row.importsPending)} |`,
    `| manifest requests reaching the slow registry | ${cells((row) => row.manifestRequests)} |`,
    `| server's open sockets to the slow registry, max / at the end | ${cells((row) => `${row.registrySocketsMax} / ${row.registrySockets}`)} |`,
    '',
    `Attackers opened ${r.raw.opened} no-TLS and ${r.tls.opened} partial-request connections in all (${r.tlsHandshakes} of the latter finished their TLS handshake and sent their partial request); ${r.importer.issued} import requests were sent, ` +
      `${r.hungUp} of them still unanswered when the attack stopped (this client hung up on them). ` +
      `The server ${r.shutdown}; the slow registry then still had ${r.registrySocketsAtExit} open sockets.`,
  ];
  if (r.importer.examples.size > 0) {
    lines.push('', 'What the import answers said (one example per kind):', '');
    for (const [label, message] of r.importer.examples) lines.push(`- ${label}: ${message.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  return lines.join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
