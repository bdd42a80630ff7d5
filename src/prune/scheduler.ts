/**
 * Scheduled pruning: every interval, while this replica leads the controllers, a plan from the
 * current state is applied (apply.ts). Runs never overlap; a run that fails is counted and logged,
 * and the next one starts from the state it left (every step is idempotent).
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PruneOptions } from '../apis/image/prune-plan.js';
import { prune, type PruneReport } from './apply.js';
import type { PruneBackend } from './backend.js';

export interface PruneScheduleOptions {
  readonly backend: PruneBackend;
  readonly intervalMs: number;
  readonly options: Omit<PruneOptions, 'now'>;
  readonly logger: Logger;
  /** Where the counters go (the server's metrics registry). */
  readonly metrics: Registry;
}

export interface PruneScheduler {
  /** Runs every interval from now on (the first run after one interval). */
  start(): void;
  /** No further runs; a run under way stops at its next step. */
  stop(): void;
  /** Runs once now, unless a run is under way (for tests and for start-up). */
  runOnce(): Promise<PruneReport | undefined>;
}

export function createPruneScheduler(o: PruneScheduleOptions): PruneScheduler {
  const runs = new Counter({
    name: 'image_prune_runs_total',
    help: 'Scheduled image pruning runs by result (success or error).',
    labelNames: ['result'] as const,
    registers: [o.metrics],
  });
  const imagesDeleted = new Counter({
    name: 'image_prune_images_deleted_total',
    help: 'Images deleted by scheduled pruning.',
    registers: [o.metrics],
  });
  const bytesFreed = new Counter({
    name: 'image_prune_bytes_freed_total',
    help: 'Bytes of registry blobs deleted by the garbage collection of scheduled pruning.',
    registers: [o.metrics],
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PruneReport | undefined> | undefined;
  let controller: AbortController | undefined;

  const runOnce = (): Promise<PruneReport | undefined> => {
    if (running !== undefined) return Promise.resolve(undefined);
    const abort = (controller ??= new AbortController());
    const started = Date.now();
    running = (async () => {
      try {
        const { plan, report } = await prune(o.backend, { ...o.options, now: new Date() }, { signal: abort.signal });
        runs.inc({ result: 'success' });
        imagesDeleted.inc(report.deletedImages.length);
        bytesFreed.inc(report.bytesFreed);
        o.logger.info(
          {
            plannedImages: plan.images.length,
            trimmedEntries: report.trimmed.length,
            deletedImages: report.deletedImages.length,
            keptImages: report.keptImages.length,
            trimsGivenUp: report.trimsGivenUp.length,
            blobsDeleted: report.blobsDeleted,
            bytesFreed: report.bytesFreed,
            ms: Date.now() - started,
          },
          'pruned images',
        );
        return report;
      } catch (err) {
        if (abort.signal.aborted) return undefined;
        runs.inc({ result: 'error' });
        o.logger.warn({ err }, 'image pruning failed; the next run continues from where it stopped');
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  // Each start begins a generation; a run that ends after a stop (or a later start) schedules nothing.
  let generation = 0;
  const schedule = (gen: number) => {
    timer = setTimeout(() => {
      void runOnce().finally(() => {
        if (gen === generation) schedule(gen);
      });
    }, o.intervalMs);
    timer.unref();
  };

  return {
    start() {
      if (timer || o.intervalMs <= 0) return;
      controller = new AbortController();
      schedule(++generation);
    },
    stop() {
      generation++;
      clearTimeout(timer);
      timer = undefined;
      controller?.abort();
      controller = undefined;
    },
    runOnce,
  };
}
