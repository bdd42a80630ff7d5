/** What the importer reports to Prometheus: one result per imported entry, every registry round trip, the queue. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ImportMetrics {
  observeImport(registry: string, result: string): void;
  observeRegistryRequest(registry: string, code: string, seconds: number): void;
  setQueueDepth(depth: number): void;
  observeBudgetWait(registry: string, seconds: number): void;
}

export function createImportMetrics(registry: Registry): ImportMetrics {
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
  return {
    observeImport: (r, result) => importResults.inc({ registry: r, result }),
    observeRegistryRequest: (r, code, seconds) => registryRequests.observe({ registry: r, code }, seconds),
    setQueueDepth: (n) => queueDepth.set(n),
    observeBudgetWait: (r, seconds) => budgetWaits.observe({ registry: r }, seconds),
  };
}
