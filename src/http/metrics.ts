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
  readonly imports: ImportMetrics;
  render(): Promise<string>;
}

/** What the importer reports: one result per imported entry, every registry round trip, the queue. */
export interface ImportMetrics {
  observeImport(registry: string, result: string): void;
  observeRegistryRequest(registry: string, code: string, seconds: number): void;
  setQueueDepth(depth: number): void;
  observeBudgetWait(registry: string, seconds: number): void;
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
  const importResults = new Counter({
    name: 'image_import_results_total',
    help: 'Imported image entries by registry and result (Success, or the failure reason).',
    labelNames: ['registry', 'result'] as const,
    registers: [registry],
  });
  const registryRequests = new Histogram({
    name: 'image_registry_request_duration_seconds',
    help: 'Latency of requests to container registries by registry and HTTP code (or "error").',
    labelNames: ['registry', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const budgetWaits = new Histogram({
    name: 'image_import_budget_wait_seconds',
    help: 'Time registry requests waited for the per-registry request budget.',
    labelNames: ['registry'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'image_import_queue_depth',
    help: 'Image streams waiting for the import controllers.',
    registers: [registry],
  });
  const refusedConnections = new Counter({
    name: 'apiserver_refused_connections_total',
    help: 'Connections closed at accept because their client address already held --max-connections-per-client.',
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    observeRefusedConnection: () => refusedConnections.inc(),
    imports: {
      observeImport: (r, result) => importResults.inc({ registry: r, result }),
      observeRegistryRequest: (r, code, seconds) => registryRequests.observe({ registry: r, code }, seconds),
      setQueueDepth: (n) => queueDepth.set(n),
      observeBudgetWait: (r, seconds) => budgetWaits.observe({ registry: r }, seconds),
    },
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
