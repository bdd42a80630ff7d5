/**
 * Prometheus metrics under kube-apiserver's names, so existing dashboards and alerts apply:
 * apiserver_request_total, apiserver_request_duration_seconds, apiserver_longrunning_requests,
 * plus store latency and the process defaults.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly contentType: string;
  observeRequest(verb: string, group: string, resource: string, code: number, seconds: number): void;
  observeStore(operation: string, seconds: number): void;
  /** Writes one SQLite transaction made durable (group commit). */
  observeCommit(writes: number): void;
  readonly watches: { inc(): void; dec(): void };
  /** A connection closed at accept because its client already held as many as allowed. */
  observeRefusedConnection(): void;
  /** The registry every metric is in, for other parts of the server to add theirs. */
  readonly registry: Registry;
  render(): Promise<string>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, resource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, resource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const store = new Histogram({
    name: 'apiserver_storage_request_duration_seconds',
    help: 'Storage request latency distribution in seconds for each operation.',
    labelNames: ['operation'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const commits = new Histogram({
    name: 'apiserver_storage_writes_per_commit',
    help: 'Writes made durable by one SQLite transaction: concurrent writes share a commit and its fsync.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const watches = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Gauge of all active long-running apiserver requests (watches).',
    registers: [registry],
  });
  const refusedConnections = new Counter({
    name: 'apiserver_refused_connections_total',
    help: 'Connections closed at accept because their client address already held --max-connections-per-client.',
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    registry,
    observeRefusedConnection: () => refusedConnections.inc(),
    observeRequest(verb, group, resource, code, seconds) {
      requests.inc({ verb, group, resource, code: String(code) });
      if (verb !== 'watch') duration.observe({ verb, group, resource, code: String(code) }, seconds);
    },
    observeStore(operation, seconds) {
      store.observe({ operation }, seconds);
    },
    observeCommit: (writes) => commits.observe(writes),
    watches: { inc: () => watches.inc(), dec: () => watches.dec() },
    render: () => registry.metrics(),
  };
}
