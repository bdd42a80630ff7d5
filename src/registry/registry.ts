/**
 * The integrated registry as the server mounts it: storage under one directory, the repositories
 * over the image API, pull-through, the routes, and the sweeper of abandoned uploads.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { NetworkPolicy } from '../importer/address-guard.js';
import { TOKEN_PATH } from './auth.js';
import type { RegistryBackend } from './backend.js';
import { collectGarbage, type GcResult } from './gc.js';
import { PullThrough, type PullThroughPolicy } from './pull-through.js';
import { Repositories } from './repository.js';
import { installRegistryRoutes } from './routes.js';
import { BlobStore } from './storage/blob-store.js';
import { RepositoryLinks } from './storage/links.js';
import { Referrers } from './storage/referrers.js';
import { Uploads } from './storage/uploads.js';

export interface RegistryOptions {
  readonly backend: RegistryBackend;
  /** Where blobs, uploads, links and referrers live (shared by replicas on a shared filesystem). */
  readonly storageDir: string;
  readonly network: NetworkPolicy;
  readonly pullThroughPolicy: () => Promise<PullThroughPolicy>;
  readonly pullThroughTimeoutMs: number;
  readonly logger: Logger;
  /** Uploads untouched for longer are removed. */
  readonly uploadMaxAgeMs?: number;
  /** Garbage collection keeps blobs written or used more recently than this (pushes in flight). */
  readonly gcGraceMs: number;
}

export interface IntegratedRegistry {
  /** Whether a request path is the registry's (so the API's own authentication leaves it alone). */
  handles(path: string): boolean;
  install(app: FastifyInstance, onUnexpectedError: (err: unknown) => void): void;
  /** Deletes the blobs no Image references (see gc.ts); one collection at a time in this process. */
  garbageCollect(o: { dryRun: boolean }): Promise<GcResult>;
  close(): void;
}

export const ADMIN_PREFIX = '/admin/registry/';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function createRegistry(o: RegistryOptions): Promise<IntegratedRegistry> {
  const blobs = new BlobStore(o.storageDir);
  await blobs.init();
  const uploads = new Uploads(o.storageDir, blobs);
  await uploads.init();
  const links = new RepositoryLinks(o.storageDir);
  const referrers = new Referrers(o.storageDir);
  const pullThrough = new PullThrough({
    backend: o.backend,
    blobs,
    network: o.network,
    policy: o.pullThroughPolicy,
    timeoutMs: o.pullThroughTimeoutMs,
    logger: o.logger,
  });
  const repositories = new Repositories({ backend: o.backend, blobs, links, referrers, pullThrough });
  const maxAge = o.uploadMaxAgeMs ?? DAY_MS;
  const sweep = () =>
    void Promise.all([uploads.sweep(maxAge), blobs.sweepTmp(maxAge)])
      .then(([u, t]) => (u + t > 0 ? o.logger.info({ uploads: u, temporaryFiles: t }, 'removed abandoned registry uploads') : undefined))
      .catch((err: unknown) => o.logger.warn({ err }, 'sweeping registry uploads failed'));
  sweep();
  const timer = setInterval(sweep, Math.min(maxAge, 60 * 60 * 1000));
  timer.unref();
  // Collections take turns: two at once would only do the same work twice.
  let last: Promise<unknown> = Promise.resolve();
  const garbageCollect = (g: { dryRun: boolean }): Promise<GcResult> => {
    const run = last.then(() => collectGarbage({ backend: o.backend, blobs, links, referrers }, { dryRun: g.dryRun, graceMs: o.gcGraceMs }));
    last = run.catch(() => undefined);
    return run;
  };
  return {
    handles: (path) => path === '/v2' || path.startsWith('/v2/') || path === TOKEN_PATH || path.startsWith(ADMIN_PREFIX),
    install(app, onUnexpectedError) {
      void app.register(async (child) =>
        installRegistryRoutes(child, { backend: o.backend, repositories, blobs, uploads, links, pullThrough, garbageCollect }, onUnexpectedError),
      );
    },
    garbageCollect,
    close: () => clearInterval(timer),
  };
}
