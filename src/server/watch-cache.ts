/**
 * The watch cache as the server runs it on etcd: which resources it caches (`--watch-cache`,
 * `--watch-cache-sizes`), and its figures as Prometheus metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResourceInfo } from '../api/resource-info.js';
import { resourcePrefix } from '../apiserver/generic/resource-store.js';
import { CachedStore, type CacheableStore } from '../storage/cache/cached-store.js';
import type { CacheObserver } from '../storage/cache/prefix-cache.js';
import type { Store } from '../storage/store.js';
import { FlagError } from './flags.js';

/** `resource[.group]#size` entries: the initial window of a resource, 0 to leave it uncached. */
export function parseWatchCacheSizes(entries: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const e of entries) {
    const m = /^([a-z0-9.-]+)#([0-9]+)$/.exec(e.trim());
    if (!m) throw new FlagError(`--watch-cache-sizes: ${JSON.stringify(e)} is not resource[.group]#size`);
    sizes.set(m[1] as string, Number(m[2]));
  }
  return sizes;
}

function cacheObserver(registry: Registry, resourceOf: (prefix: string) => string): CacheObserver {
  const reads = new Counter({
    name: 'apiserver_watch_cache_reads_total',
    help: 'Reads of cached resources, by whether the watch cache answered them (hit) or the store did (miss).',
    labelNames: ['resource', 'result'] as const,
    registers: [registry],
  });
  const objects = new Gauge({
    name: 'apiserver_watch_cache_objects',
    help: 'Objects held by the watch cache.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const windowEvents = new Gauge({
    name: 'apiserver_watch_cache_window_events',
    help: 'Recent events kept by the watch cache for watches to resume from.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'apiserver_watch_cache_lag_revisions',
    help: "How many revisions the watch cache's known-exact state trails etcd's current revision.",
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const rebuilds = new Counter({
    name: 'apiserver_watch_cache_rebuilds_total',
    help: 'Times the watch cache rebuilt itself after losing its watch (or the watch was compacted).',
    labelNames: ['resource', 'reason'] as const,
    registers: [registry],
  });
  return {
    observeRead: (prefix, hit) => reads.inc({ resource: resourceOf(prefix), result: hit ? 'hit' : 'miss' }),
    observeState(prefix, n, events, behind) {
      const resource = resourceOf(prefix);
      objects.set({ resource }, n);
      windowEvents.set({ resource }, events);
      lag.set({ resource }, behind);
    },
    observeRebuild: (prefix, reason) => rebuilds.inc({ resource: resourceOf(prefix), reason }),
  };
}

export interface WatchCache {
  readonly store: CachedStore;
  /** Starts caching the stored kinds (those not turned off) once they are installed. */
  start(infos: readonly ResourceInfo[]): void;
  close(): void;
}

export function createWatchCache(inner: Store, sizes: ReadonlyMap<string, number>, registry: Registry): WatchCache {
  if (!inner.lastWrite || !inner.trackWrites) throw new Error('the watch cache needs a store that tracks writes per prefix (etcd)');
  const names = new Map<string, string>();
  const store = new CachedStore(inner as CacheableStore, {
    observer: cacheObserver(registry, (prefix) => names.get(prefix) ?? prefix),
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    store,
    start(infos) {
      const prefixes: { prefix: string; initialWindow: number }[] = [];
      for (const info of infos) {
        const name = info.group ? `${info.resource}.${info.group}` : info.resource;
        const size = sizes.get(name) ?? sizes.get(info.resource);
        if (size === 0) continue;
        const prefix = resourcePrefix(info);
        names.set(prefix, name);
        prefixes.push({ prefix, initialWindow: size ?? 1_000 });
      }
      store.start(prefixes);
      timer = setInterval(() => void store.reportLag().catch(() => undefined), 5_000);
      timer.unref();
    },
    close: () => clearInterval(timer),
  };
}
