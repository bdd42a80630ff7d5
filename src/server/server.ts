/**
 * The process a user starts: data dir, PKI, admin credentials, store, API, HTTPS listener, and
 * an orderly shutdown (stop accepting, end watches, let in-flight requests finish, close the store).
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createApiApp } from '../apiserver/http/app.js';
import { createMetrics, type Metrics } from '../apiserver/http/metrics.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { openStore } from '../storage/open.js';
import { etcdLeaderElection, singleReplica, type LeaderElection } from '../controllers/leader-election.js';
import { instrumentStore } from '../storage/instrumented-store.js';
import type { Store } from '../storage/store.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { buildApiResources } from './api-resources.js';
import { startRegistry } from './registry.js';
import { pruneBackend } from './prune.js';
import { createPruneScheduler } from '../prune/scheduler.js';
import { createWatchCache, parseWatchCacheSizes } from './watch-cache.js';
import { parseAllowedNetworks } from '../importer/address-guard.js';
import { DEFAULT_IMPORT_LIMITS } from '../importer/limits.js';
import { createImportMetrics } from '../importer/metrics.js';
import { ensureAdminToken, writeKubeconfig } from './credentials.js';
import { certificateAuthenticator, tokenAuthenticator, unionAuthenticator } from '../auth/authenticator.js';
import { readTokenFile } from '../auth/token-file.js';
import type { ServerFlags } from './flags.js';
import { ensureServingPki } from './pki.js';
import { VERSION_INFO } from './version.js';

export interface RunningServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  readonly adminToken: string;
  readonly caCertPem: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
}

function kubeconfigHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '') return '127.0.0.1';
  if (bindAddress === '::') return '[::1]';
  return isIP(bindAddress) === 6 ? `[${bindAddress}]` : bindAddress;
}

export async function startServer(flags: ServerFlags, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: flags.logLevel, base: { component: 'image-apiserver' } });
  const dataDir = resolve(flags.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const hosts = [
    ...new Set([
      'localhost',
      '127.0.0.1',
      '::1',
      ...(flags.bindAddress && flags.bindAddress !== '0.0.0.0' && flags.bindAddress !== '::' ? [flags.bindAddress] : []),
    ]),
  ];
  const pki = ensureServingPki(dataDir, hosts);
  const tls =
    flags.tlsCertFile && flags.tlsPrivateKeyFile
      ? { cert: readFileSync(flags.tlsCertFile, 'utf8'), key: readFileSync(flags.tlsPrivateKeyFile, 'utf8') }
      : { cert: pki.certPem, key: pki.keyPem };
  const adminToken = ensureAdminToken(dataDir);

  const metrics = createMetrics();
  const { store: rawStore, election } = openBackend(flags, dataDir, logger, metrics);
  // On etcd, reads and watches come from memory; SQLite is in the process already.
  const watchCache =
    flags.storageBackend === 'etcd3' && flags.watchCache
      ? createWatchCache(rawStore, parseWatchCacheSizes(flags.watchCacheSizes), metrics.registry)
      : undefined;
  const store = instrumentStore(watchCache?.store ?? rawStore, metrics);
  const api = await buildApiResources({
    store,
    logger,
    // Before seeding and the caches that watch (RBAC, cluster config): their watches are then the cache's, not etcd's.
    ...(watchCache ? { onInstalled: (infos: readonly ResourceInfo[]) => watchCache.start(infos) } : {}),
    importer: {
      network: parseAllowedNetworks(flags.importAllowedNetworks),
      maxTagsPerRepository: flags.maxImagesBulkImportedPerRepository,
      scheduledIntervalMs: flags.scheduledImportIntervalSeconds * 1000,
      requestTimeoutMs: flags.importRequestTimeoutMs,
      importTimeoutMs: flags.importTimeoutMs,
      limits: {
        maxDocumentBytes: flags.importMaxDocumentBytes,
        maxBytes: flags.importMaxBytes,
        maxTags: flags.importMaxTags,
        maxManifests: flags.importMaxManifests,
        maxDepth: DEFAULT_IMPORT_LIMITS.maxDepth,
        maxConfigBytes: flags.importMaxConfigBytes,
      },
      metrics: createImportMetrics(metrics.registry),
      registryQps: flags.importRegistryQps,
      scheduledPerMinute: flags.maxScheduledImportsPerMinute,
    },
  });

  const admin = { name: 'admin', uid: 'admin', groups: ['system:masters', 'system:authenticated'] };
  const tokens = new Map(flags.tokenAuthFile ? readTokenFile(flags.tokenAuthFile) : []);
  tokens.set(adminToken, admin);
  const authenticate = unionAuthenticator(tokenAuthenticator(tokens), ...(flags.clientCaFile ? [certificateAuthenticator] : []));
  const clientCa = flags.clientCaFile ? readFileSync(flags.clientCaFile, 'utf8') : undefined;
  const audit = flags.auditLogPath ? createWriteStream(flags.auditLogPath, { flags: 'a', mode: 0o600 }) : undefined;
  const minTimeout = flags.minRequestTimeoutSeconds;
  const registry = await startRegistry(api, authenticate, {
    storageDir: resolve(flags.registryStorageDir ?? join(dataDir, 'registry')),
    network: parseAllowedNetworks(flags.importAllowedNetworks),
    pullThroughTimeoutMs: flags.importRequestTimeoutMs,
    gcGraceMs: flags.registryGcGraceMs,
    logger,
  });
  // Scheduled pruning runs where the controllers run: on the leader only.
  const pruner =
    flags.pruneIntervalMs > 0
      ? createPruneScheduler({
          backend: pruneBackend(api, registry),
          intervalMs: flags.pruneIntervalMs,
          options: { keepTagRevisions: flags.pruneKeepTagRevisions, keepYoungerThanMs: flags.pruneKeepYoungerThanMs, all: flags.pruneAll },
          logger,
          metrics: metrics.registry,
        })
      : undefined;
  const { app, endWatches, connections } = createApiApp({
    mounted: registry,
    handlers: api.handlers,
    authenticate,
    authorize: api.authorize,
    maxRequestsInflight: flags.maxRequestsInflight,
    slowRequestThresholdMs: flags.slowRequestThresholdMs,
    maxWatchesPerUser: flags.maxWatchesPerUser,
    requestTimeoutMs: flags.requestTimeoutMs,
    connections: {
      handshakeTimeoutMs: flags.tlsHandshakeTimeoutMs,
      receiveTimeoutMs: flags.requestReceiveTimeoutMs,
      // A request that is being worked on sends nothing until its answer: never idle before its deadline.
      idleTimeoutMs: Math.max(flags.idleConnectionTimeoutMs, flags.requestTimeoutMs + 5_000),
      maxPerClient: flags.maxConnectionsPerClient,
    },
    ...(audit ? { audit: (entry: Record<string, unknown>) => audit.write(`${JSON.stringify(entry)}\n`) } : {}),
    openapi: api.openapi,
    logger,
    metrics,
    version: VERSION_INFO,
    ...(watchCache ? { cachesReady: () => watchCache.store.ready() } : {}),
    ready: async () => {
      try {
        await store.currentRevision();
        return true;
      } catch {
        return false;
      }
    },
    // As kube-apiserver: unset or 0 picks a random time in [min, 2·min); a negative one ends the watch at once.
    watchTimeoutMs: (requested) =>
      requested === undefined || requested === 0
        ? (minTimeout + Math.floor(Math.random() * minTimeout)) * 1000
        : Math.max(0, Math.min(requested, 2 * minTimeout) * 1000),
    bookmarkIntervalMs: flags.watchBookmarkIntervalMs,
    // Client certificates are asked for, not required: bearer tokens stay possible; only certificates
    // that chain to the client CA authenticate (socket.authorized).
    https: { ...tls, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
  });

  await app.listen({ host: flags.bindAddress, port: flags.securePort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : flags.securePort;
  const url = `https://${kubeconfigHost(flags.bindAddress)}:${port}`;
  // Image streams name the integrated registry at this address unless the cluster config names another.
  api.need('clusterConfig').setDefaultInternalRegistryHostname(flags.registryHostname ?? `${kubeconfigHost(flags.bindAddress)}:${port}`);
  const kubeconfigPath = join(dataDir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfigPath, url, pki.caCertPem, adminToken);
  election.run({
    onStartedLeading: () => {
      api.startControllers();
      pruner?.start();
    },
    onStoppedLeading: () => {
      api.stopControllers();
      pruner?.stop();
    },
  });
  logger.info({ url, kubeconfig: kubeconfigPath, dataDir }, `serving on ${url}; kubectl --kubeconfig ${kubeconfigPath} get imagestreams -A`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: no new connections, ending watches, waiting for in-flight requests');
      // Ends the watches and every connection that carries no request; the rest close behind their answer.
      endWatches();
      const timer = setTimeout(() => {
        logger.warn('shutdown timeout: closing remaining connections');
        connections.destroyAll();
      }, flags.shutdownTimeoutSeconds * 1000);
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        pruner?.stop();
        await election.stop();
        registry.close();
        watchCache?.close();
        await api.close();
        await store.close();
        if (audit) await new Promise((r) => audit.end(r));
        logger.info('stopped');
      }
    })());

  return { url, port, kubeconfigPath, adminToken, caCertPem: pki.caCertPem, close };
}

/** The store of `--storage-backend`, and how this replica learns whether it runs the controllers. */
function openBackend(flags: ServerFlags, dataDir: string, logger: Logger, metrics: Metrics): { store: Store; election: LeaderElection } {
  const compaction = { interval: flags.compactionIntervalMs, minRetain: flags.compactionRetain };
  if (flags.storageBackend === 'sqlite') {
    const { store } = openStore({
      kind: 'sqlite',
      dataDir,
      compaction,
      synchronous: flags.sqliteSynchronous,
      onCommit: (writes) => metrics.observeCommit(writes),
    });
    return { store, election: singleReplica() };
  }
  const { store, etcd } = openStore({
    kind: 'etcd3',
    servers: flags.etcdServers,
    prefix: flags.etcdPrefix,
    compaction,
    ...(flags.etcdCaFile ? { caFile: flags.etcdCaFile } : {}),
    ...(flags.etcdCertFile ? { certFile: flags.etcdCertFile } : {}),
    ...(flags.etcdKeyFile ? { keyFile: flags.etcdKeyFile } : {}),
  });
  // One client for the store and the election; the store closes it, after the election resigned.
  const election = etcdLeaderElection({
    client: etcd,
    name: `${flags.etcdPrefix.replace(/\/+$/, '')}#controllers/image-import`,
    identity: `${hostname()}_${process.pid}_${randomUUID().slice(0, 8)}`,
    leaseSeconds: flags.leaderElectLeaseSeconds,
    logger,
  });
  return { store, election };
}
