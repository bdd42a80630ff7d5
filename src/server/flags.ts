/**
 * Command-line flags. Names follow kube-apiserver's where one exists (--secure-port,
 * --bind-address, --tls-cert-file, --min-request-timeout, --etcd-compaction-interval, …).
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

export interface ServerFlags {
  readonly dataDir: string;
  readonly bindAddress: string;
  readonly securePort: number;
  readonly tlsCertFile?: string;
  readonly tlsPrivateKeyFile?: string;
  readonly tokenAuthFile?: string;
  readonly auditLogPath?: string;
  readonly maxRequestsInflight: number;
  readonly maxWatchesPerUser: number;
  readonly clientCaFile?: string;
  readonly storageBackend: 'sqlite' | 'etcd3';
  /** With `etcd3`: client URLs of the etcd members. */
  readonly etcdServers: readonly string[];
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  readonly etcdPrefix: string;
  /** How long a controller leader's lease lasts without renewal (etcd3 only). */
  readonly leaderElectLeaseSeconds: number;
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  readonly compactionIntervalMs: number;
  readonly compactionRetain: number;
  readonly minRequestTimeoutSeconds: number;
  /** How long a request other than a watch may take before it is answered 504. */
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutSeconds: number;
  readonly logLevel: string;
  readonly maxImagesBulkImportedPerRepository: number;
  /** CIDRs the importer may contact although they are loopback, private or link-local. */
  readonly importAllowedNetworks: readonly string[];
  readonly scheduledImportIntervalSeconds: number;
  readonly importRequestTimeoutMs: number;
  readonly importRegistryQps: number;
  readonly maxScheduledImportsPerMinute: number;
  /** Deadline of one import run by the controllers (an API request's import ends with the request). */
  readonly importTimeoutMs: number;
  /** Largest manifest, config, tag list page or token answer an import reads. */
  readonly importMaxDocumentBytes: number;
  /** Bytes one import may read from registries in all. */
  readonly importMaxBytes: number;
  /** Tags a repository import reads from a tag list. */
  readonly importMaxTags: number;
  /** Entries of one manifest list or index an import follows. */
  readonly importMaxManifests: number;
  /** Bytes of an image config's metadata an imported Image keeps (the largest fields beyond are dropped). */
  readonly importMaxConfigBytes: number;
  readonly tlsHandshakeTimeoutMs: number;
  readonly requestReceiveTimeoutMs: number;
  readonly idleConnectionTimeoutMs: number;
  readonly maxConnectionsPerClient: number;
  /** How often a watch that allows bookmarks gets one. */
  readonly watchBookmarkIntervalMs: number;
  /** With etcd3: serve reads and watches from memory (one etcd watch per resource per replica). */
  readonly watchCache: boolean;
  /** `resource[.group]#size`: a resource's initial watch window; 0 leaves it uncached. */
  readonly watchCacheSizes: readonly string[];
  /** Requests that take longer are logged at info level (with the default --log-level). */
  readonly slowRequestThresholdMs: number;
  /** Where the integrated registry keeps blobs and uploads (default: `registry` in the data dir). */
  readonly registryStorageDir?: string;
  /** `host:port` clients reach the integrated registry at (default: this server's own address). */
  readonly registryHostname?: string;
  /** Registry garbage collection keeps blobs written or used more recently than this. */
  readonly registryGcGraceMs: number;
  /** How often the leader prunes images; 0: never. */
  readonly pruneIntervalMs: number;
  readonly pruneKeepTagRevisions: number;
  readonly pruneKeepYoungerThanMs: number;
  /** Scheduled pruning also deletes Images the integrated registry does not manage. */
  readonly pruneAll: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm start -- [flags]

Serves image.openshift.io/v1 and config.openshift.io/v1 over HTTPS, with an embedded store.

Flags:
  --data-dir DIR                  where the store, the CA, the serving certificate, the admin token and
                                  admin.kubeconfig live (default ./data; created 0700 on first start)
  --bind-address ADDR             IP address to listen on (default 127.0.0.1)
  --secure-port PORT              HTTPS port; 0 picks a free port (default 8443)
  --tls-cert-file FILE            serving certificate (PEM); default: one issued by the data dir's own CA
  --tls-private-key-file FILE     key for --tls-cert-file
  --token-auth-file FILE          bearer tokens, one per line: token,user,uid,"group1,group2" (as kube-apiserver)
  --client-ca-file FILE           CA bundle (PEM) for client certificates: CN is the user, O the groups
  --audit-log-path FILE           append one JSON line per mutating request (who, what, when, result); off by default
  --max-requests-inflight N       requests served at once, watches apart; beyond it 429 with Retry-After (default 400)
  --max-watches-per-user N        open watches one user may hold (default 100)
  --max-connections-per-client N  connections one client address may hold open; more are closed at
                                  accept (default 512)
  --tls-handshake-timeout DUR     a connection must finish its TLS handshake within this (default 10s)
  --request-receive-timeout DUR   a client must send a whole request within this, or gets 408 (default 60s)
  --idle-connection-timeout DUR   a connection without traffic either way for this long is closed;
                                  watches are bounded by their own timeout instead (default 2m)
  --watch-bookmark-interval DUR   how often a watch that allows bookmarks gets one (default 1m)
  --storage-backend NAME          sqlite (default: embedded, in the data dir) or etcd3 (several replicas may share it)
  --etcd-servers URLS             with etcd3: comma-separated client URLs, e.g. https://a:2379,https://b:2379
  --etcd-cafile FILE              CA bundle that signed the etcd servers' certificates
  --etcd-certfile FILE            client certificate for etcd (with --etcd-keyfile)
  --etcd-keyfile FILE             key of --etcd-certfile
  --etcd-prefix PREFIX            key prefix of this server's objects in etcd (default /registry)
  --leader-elect-lease-duration DUR
                                  with etcd3: how long the import controllers' leader holds its lease
                                  without renewing it; another replica takes over after it (default 15s)
  --sqlite-synchronous MODE       FULL (default: a write is on disk before it is acknowledged) or NORMAL
                                  (survives a process crash, may lose the last writes on power loss)
  --etcd-compaction-interval DUR  how often old revisions are compacted, e.g. 5m, 30s, 0 to disable (default 5m)
  --compaction-retain N           revisions always kept by compaction, so recent watches can resume (default 1000)
  --request-timeout DUR           a request other than a watch that takes longer is answered 504 (default 60s)
  --min-request-timeout SECONDS   watches last a random time between this and twice this (default 1800)
  --shutdown-timeout SECONDS      how long SIGTERM waits for in-flight requests (default 30)
  --log-level LEVEL               trace, debug, info, warn, error (default info)
  --max-images-bulk-imported-per-repository N
                                  tags imported by a repository import; the rest are listed in
                                  additionalTags; -1 for no limit (default 50)
  --import-allowed-networks CIDRS comma-separated networks the importer may contact although they are
                                  loopback, private or link-local (default: none; e.g. 127.0.0.0/8 for a
                                  registry on this machine)
  --image-import-request-timeout DUR
                                  how long one registry request of an import may take (default 15s)
  --image-import-registry-qps N   requests per second each registry gets from all imports together
                                  (default 10, bursts of twice that)
  --image-import-timeout DUR      how long one import by the controllers may take in all; an import
                                  requested through the API ends with its request (default 2m)
  --image-import-max-document-bytes SIZE
                                  largest manifest, config, tag list page or token answer read from a
                                  registry, e.g. 4Mi (default 4Mi)
  --image-import-max-bytes SIZE   bytes one import may read from registries in all (default 64Mi)
  --image-import-max-tags N       tags a repository import reads from the tag list (default 10000)
  --image-import-max-manifests N  entries of one manifest list or index an import follows (default 100)
  --image-import-max-config-bytes SIZE
                                  metadata an imported Image keeps from its image config; beyond it labels,
                                  then the largest fields, are dropped and the tag's condition says so
                                  (default 512Ki: an Image is one object, and etcd takes at most 1.5Mi)
  --scheduled-image-import-minimum-interval-seconds N
                                  how often tags with importPolicy.scheduled are re-imported (default 900)
  --max-scheduled-image-imports-per-minute N
                                  budget of scheduled imports across all streams (default 60)
  --watch-cache BOOL              with etcd3: serve gets, lists and watches from an in-memory cache fed by one
                                  etcd watch per resource per replica, reads staying linearizable (default true)
  --watch-cache-sizes LIST        comma-separated resource[.group]#size: a resource's initial window of
                                  recent events (it grows with the event rate); 0 leaves the resource
                                  uncached, e.g. events#0,imagestreams.image.openshift.io#5000
  --slow-request-threshold DUR    at --log-level info, only requests that fail with 5xx or take longer
                                  than this are logged; debug logs every request (default 1s)
  --registry-storage-dir DIR      where the integrated registry (/v2/ on this port) keeps blobs and uploads;
                                  replicas share one directory on a shared filesystem (default DATA_DIR/registry)
  --registry-hostname HOST:PORT   the address clients push to and pull from, used for image streams'
                                  dockerImageRepository unless the cluster image config's
                                  status.internalRegistryHostname names one (default: this server's address)
  --registry-gc-grace DUR         registry garbage collection keeps blobs written or used more recently than
                                  this, so pushes in flight keep the blobs their manifest has yet to name
                                  (default 1h)
  --prune-interval DUR            how often the controllers' leader prunes images: trims tag history, deletes
                                  Images no stream references, then collects the registry's garbage; 0 is
                                  off (default 0)
  --prune-keep-tag-revisions N    newest history entries of each tag scheduled pruning keeps (default 3)
  --prune-keep-younger-than DUR   history entries and Images younger than this are kept (default 60m)
  --prune-all                     scheduled pruning also deletes Images the integrated registry does not
                                  manage, imported ones (--prune-all=false too)
  -h, --help                      print this help
`;

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** A boolean flag's value as Go's strconv.ParseBool reads it (kube flags take `--flag=false`). */
function parseBool(flag: string, v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new FlagError(`${flag}: ${JSON.stringify(v)} is not a boolean`);
}

/** Go-style durations as kube flags take them: 300ms, 30s, 5m, 1h30m; a bare number is seconds. */
export function parseDuration(s: string): number {
  if (/^[0-9]+$/.test(s)) return Number(s) * 1000;
  const re = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== s.length || s.length === 0) throw new FlagError(`invalid duration ${JSON.stringify(s)} (use e.g. 30s, 5m, 1h)`);
  return total;
}

function port(s: string): number {
  if (!/^[0-9]+$/.test(s) || Number(s) > 65535) throw new FlagError(`--secure-port must be a port number from 0 to 65535, got ${JSON.stringify(s)}`);
  return Number(s);
}

function positiveInt(name: string, s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new FlagError(`--${name} must be a whole number, got ${JSON.stringify(s)}`);
  return Number(s);
}

/** A byte count, plain or with a binary suffix as Kubernetes quantities write it: 512Ki, 4Mi, 1Gi. */
export function parseBytes(name: string, s: string): number {
  const m = /^([0-9]+)(Ki|Mi|Gi)?$/.exec(s);
  if (!m) throw new FlagError(`--${name} must be a byte count such as 4194304, 512Ki, 4Mi or 1Gi, got ${JSON.stringify(s)}`);
  const unit = m[2] === 'Ki' ? 1024 : m[2] === 'Mi' ? 1024 ** 2 : m[2] === 'Gi' ? 1024 ** 3 : 1;
  return Number(m[1]) * unit;
}

function bulkLimit(s: string): number {
  if (!/^(-1|[0-9]+)$/.test(s)) throw new FlagError(`--max-images-bulk-imported-per-repository must be a whole number or -1, got ${JSON.stringify(s)}`);
  return Number(s);
}

function networks(s: string): string[] {
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of list) {
    const [addr = '', bits] = n.split('/');
    if (!isIP(addr) || (bits !== undefined && !/^[0-9]{1,3}$/.test(bits)))
      throw new FlagError(`--import-allowed-networks: ${JSON.stringify(n)} is not an address or CIDR`);
  }
  return list;
}

export function parseFlags(argv: readonly string[]): ServerFlags {
  let values;
  try {
    ({ values } = parseArgs({
      // A kube-style boolean also takes `--prune-all=true|false`, which parseArgs refuses for a boolean.
      args: argv.flatMap((a) => (a.startsWith('--prune-all=') ? (parseBool('--prune-all', a.slice(12)) ? ['--prune-all'] : []) : [a])),
      strict: true,
      allowPositionals: false,
      options: {
        'data-dir': { type: 'string', default: './data' },
        'bind-address': { type: 'string', default: '127.0.0.1' },
        'secure-port': { type: 'string', default: '8443' },
        'tls-cert-file': { type: 'string' },
        'tls-private-key-file': { type: 'string' },
        'token-auth-file': { type: 'string' },
        'registry-storage-dir': { type: 'string' },
        'watch-cache': { type: 'string', default: 'true' },
        'watch-cache-sizes': { type: 'string', default: '' },
        'slow-request-threshold': { type: 'string', default: '1s' },
        'registry-hostname': { type: 'string' },
        'client-ca-file': { type: 'string' },
        'audit-log-path': { type: 'string' },
        'max-requests-inflight': { type: 'string', default: '400' },
        'max-watches-per-user': { type: 'string', default: '100' },
        'storage-backend': { type: 'string', default: 'sqlite' },
        'etcd-servers': { type: 'string', default: '' },
        'etcd-cafile': { type: 'string' },
        'etcd-certfile': { type: 'string' },
        'etcd-keyfile': { type: 'string' },
        'etcd-prefix': { type: 'string', default: '/registry' },
        'leader-elect-lease-duration': { type: 'string', default: '15s' },
        'sqlite-synchronous': { type: 'string', default: 'FULL' },
        'etcd-compaction-interval': { type: 'string', default: '5m' },
        'compaction-retain': { type: 'string', default: '1000' },
        'min-request-timeout': { type: 'string', default: '1800' },
        'request-timeout': { type: 'string', default: '60s' },
        'shutdown-timeout': { type: 'string', default: '30' },
        'log-level': { type: 'string', default: 'info' },
        'max-images-bulk-imported-per-repository': { type: 'string', default: '50' },
        'import-allowed-networks': { type: 'string', default: '' },
        'scheduled-image-import-minimum-interval-seconds': { type: 'string', default: '900' },
        'image-import-request-timeout': { type: 'string', default: '15s' },
        'image-import-registry-qps': { type: 'string', default: '10' },
        'max-scheduled-image-imports-per-minute': { type: 'string', default: '60' },
        'image-import-timeout': { type: 'string', default: '2m' },
        'image-import-max-document-bytes': { type: 'string', default: '4Mi' },
        'image-import-max-bytes': { type: 'string', default: '64Mi' },
        'image-import-max-tags': { type: 'string', default: '10000' },
        'image-import-max-manifests': { type: 'string', default: '100' },
        'image-import-max-config-bytes': { type: 'string', default: '512Ki' },
        'tls-handshake-timeout': { type: 'string', default: '10s' },
        'request-receive-timeout': { type: 'string', default: '60s' },
        'idle-connection-timeout': { type: 'string', default: '2m' },
        'max-connections-per-client': { type: 'string', default: '512' },
        'watch-bookmark-interval': { type: 'string', default: '1m' },
        'registry-gc-grace': { type: 'string', default: '1h' },
        'prune-interval': { type: 'string', default: '0' },
        'prune-keep-tag-revisions': { type: 'string', default: '3' },
        'prune-keep-younger-than': { type: 'string', default: '60m' },
        'prune-all': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const backend = values['storage-backend'];
  if (backend !== 'sqlite' && backend !== 'etcd3')
    throw new FlagError(`--storage-backend: unsupported backend ${JSON.stringify(backend)} (supported: sqlite, etcd3)`);
  const etcdServers = etcdUrls(values['etcd-servers']);
  if (backend === 'etcd3' && etcdServers.length === 0) throw new FlagError('--etcd-servers is required with --storage-backend etcd3');
  if (Boolean(values['etcd-certfile']) !== Boolean(values['etcd-keyfile'])) throw new FlagError('--etcd-certfile and --etcd-keyfile must be given together');
  const etcdPrefix = values['etcd-prefix'];
  if (!etcdPrefix.startsWith('/')) throw new FlagError(`--etcd-prefix must start with "/", got ${JSON.stringify(etcdPrefix)}`);
  const leaseMs = parseDuration(values['leader-elect-lease-duration']);
  if (leaseMs < 2000) throw new FlagError('--leader-elect-lease-duration must be at least 2s');
  const sync = values['sqlite-synchronous'];
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new FlagError(`--sqlite-synchronous must be FULL or NORMAL, got ${JSON.stringify(sync)}`);
  const cert = values['tls-cert-file'];
  const key = values['tls-private-key-file'];
  if (Boolean(cert) !== Boolean(key)) throw new FlagError('--tls-cert-file and --tls-private-key-file must be given together');
  const level = values['log-level'];
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level))
    throw new FlagError(`--log-level: unknown level ${JSON.stringify(level)}`);
  return {
    dataDir: values['data-dir'],
    bindAddress: values['bind-address'],
    securePort: port(values['secure-port']),
    ...(cert ? { tlsCertFile: cert } : {}),
    ...(key ? { tlsPrivateKeyFile: key } : {}),
    ...(values['token-auth-file'] ? { tokenAuthFile: values['token-auth-file'] } : {}),
    watchCache: parseBool('--watch-cache', values['watch-cache']),
    watchCacheSizes: values['watch-cache-sizes']
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean),
    slowRequestThresholdMs: parseDuration(values['slow-request-threshold']),
    ...(values['registry-storage-dir'] ? { registryStorageDir: values['registry-storage-dir'] } : {}),
    ...(values['registry-hostname'] ? { registryHostname: values['registry-hostname'] } : {}),
    ...(values['client-ca-file'] ? { clientCaFile: values['client-ca-file'] } : {}),
    ...(values['audit-log-path'] ? { auditLogPath: values['audit-log-path'] } : {}),
    maxRequestsInflight: Math.max(1, positiveInt('max-requests-inflight', values['max-requests-inflight'])),
    maxWatchesPerUser: Math.max(1, positiveInt('max-watches-per-user', values['max-watches-per-user'])),
    storageBackend: backend,
    etcdServers,
    ...(values['etcd-cafile'] ? { etcdCaFile: values['etcd-cafile'] } : {}),
    ...(values['etcd-certfile'] ? { etcdCertFile: values['etcd-certfile'] } : {}),
    ...(values['etcd-keyfile'] ? { etcdKeyFile: values['etcd-keyfile'] } : {}),
    etcdPrefix,
    leaderElectLeaseSeconds: Math.ceil(leaseMs / 1000),
    sqliteSynchronous: sync,
    compactionIntervalMs: parseDuration(values['etcd-compaction-interval']),
    compactionRetain: positiveInt('compaction-retain', values['compaction-retain']),
    minRequestTimeoutSeconds: positiveInt('min-request-timeout', values['min-request-timeout']),
    requestTimeoutMs: Math.max(1000, parseDuration(values['request-timeout'])),
    shutdownTimeoutSeconds: positiveInt('shutdown-timeout', values['shutdown-timeout']),
    logLevel: level,
    maxImagesBulkImportedPerRepository: bulkLimit(values['max-images-bulk-imported-per-repository']),
    importAllowedNetworks: networks(values['import-allowed-networks']),
    importRequestTimeoutMs: parseDuration(values['image-import-request-timeout']),
    importRegistryQps: Math.max(1, positiveInt('image-import-registry-qps', values['image-import-registry-qps'])),
    scheduledImportIntervalSeconds: positiveInt('scheduled-image-import-minimum-interval-seconds', values['scheduled-image-import-minimum-interval-seconds']),
    maxScheduledImportsPerMinute: positiveInt('max-scheduled-image-imports-per-minute', values['max-scheduled-image-imports-per-minute']),
    importTimeoutMs: Math.max(1000, parseDuration(values['image-import-timeout'])),
    importMaxDocumentBytes: Math.max(1024, parseBytes('image-import-max-document-bytes', values['image-import-max-document-bytes'])),
    importMaxBytes: Math.max(1024, parseBytes('image-import-max-bytes', values['image-import-max-bytes'])),
    importMaxTags: Math.max(1, positiveInt('image-import-max-tags', values['image-import-max-tags'])),
    importMaxManifests: Math.max(1, positiveInt('image-import-max-manifests', values['image-import-max-manifests'])),
    importMaxConfigBytes: Math.max(1024, parseBytes('image-import-max-config-bytes', values['image-import-max-config-bytes'])),
    tlsHandshakeTimeoutMs: Math.max(100, parseDuration(values['tls-handshake-timeout'])),
    requestReceiveTimeoutMs: Math.max(100, parseDuration(values['request-receive-timeout'])),
    idleConnectionTimeoutMs: Math.max(1000, parseDuration(values['idle-connection-timeout'])),
    maxConnectionsPerClient: Math.max(1, positiveInt('max-connections-per-client', values['max-connections-per-client'])),
    watchBookmarkIntervalMs: Math.max(100, parseDuration(values['watch-bookmark-interval'])),
    registryGcGraceMs: parseDuration(values['registry-gc-grace']),
    pruneIntervalMs: parseDuration(values['prune-interval']),
    pruneKeepTagRevisions: positiveInt('prune-keep-tag-revisions', values['prune-keep-tag-revisions']),
    pruneKeepYoungerThanMs: parseDuration(values['prune-keep-younger-than']),
    pruneAll: values['prune-all'],
    help: values.help,
  };
}

function etcdUrls(raw: string): string[] {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new FlagError(`--etcd-servers: ${JSON.stringify(u)} is not a URL (expected https://host:port)`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new FlagError(`--etcd-servers: ${JSON.stringify(u)} must use http or https`);
  }
  return urls;
}
