/**
 * The served API as one object: every definition of server/resources.ts installed in order, the
 * store seeded, the caches started, and the OpenAPI documents built from the same ResourceInfos.
 */
import type { Logger } from 'pino';
import type { ResourceInfo } from '../api/resource-info.js';
import type { ResourceHandler } from '../apiserver/generic/handler.js';
import { EncodedObjectCache } from '../apiserver/generic/encoded-cache.js';
import type { OpenApiSource } from '../apiserver/http/app.js';
import { buildOpenApiV2, buildOpenApiV3 } from '../apiserver/openapi/index.js';
import { encodeOpenApiV2 } from '../apiserver/openapi/v2-protobuf.js';
import type { Authorizer } from '../auth/rbac-authorizer.js';
import { ApiInstaller, type Controller, type ImporterSettings, type Services } from '../resources/installer.js';
import type { Store } from '../storage/store.js';
import { seed } from './bootstrap.js';
import { RESOURCE_DEFINITIONS } from './resources.js';

export interface ApiResources {
  readonly handlers: ResourceHandler[];
  readonly openapi: OpenApiSource;
  readonly authorize: Authorizer;
  /** What the installed kinds provide, for the parts of the server beside the API (the registry). */
  need<K extends keyof Services>(key: K): Services[K];
  /** The stored kinds (a watch cache caches each). */
  readonly storedInfos: readonly ResourceInfo[];
  /** Starts the controllers (when this replica leads). */
  startControllers(): void;
  /** Stops them (when this replica loses the lead). */
  stopControllers(): void;
  close(): Promise<void>;
}

/** Client JSON of recently read objects kept for reuse by get and list (see encoded-cache.ts). */
const ENCODED_CACHE_BYTES = 64 * 2 ** 20;

export async function buildApiResources(deps: {
  store: Store;
  logger: Logger;
  importer: ImporterSettings;
  /** Told the stored kinds once they are installed, before anything reads or watches them (the watch cache starts here). */
  onInstalled?: (storedInfos: readonly ResourceInfo[]) => void;
}): Promise<ApiResources> {
  const { onInstalled: _onInstalled, ...installerDeps } = deps;
  const api = new ApiInstaller({ ...installerDeps, encodedCache: new EncodedObjectCache(ENCODED_CACHE_BYTES) });
  api.install(RESOURCE_DEFINITIONS);
  deps.onInstalled?.(api.storedInfos);
  await seed(api);
  await api.start();

  const infos = RESOURCE_DEFINITIONS.flatMap((d) => d.infos);
  const v3 = buildOpenApiV3(infos);
  const v2 = buildOpenApiV2(infos);
  const v2Protobuf = encodeOpenApiV2(JSON.parse(v2) as Record<string, unknown>);
  // A new set of controllers each time this replica becomes leader: a stopped one does not restart.
  let running: Controller[] = [];
  const stopControllers = () => {
    for (const c of running) c.stop();
    running = [];
  };
  return {
    handlers: api.handlers,
    openapi: { v3Index: () => v3.index(), v3Document: (path) => v3.document(path), v2: () => v2, v2Protobuf: () => v2Protobuf },
    authorize: api.need('authorize'),
    need: (key) => api.need(key),
    storedInfos: api.storedInfos,
    startControllers() {
      stopControllers();
      running = api.controllers.map((create) => create());
      for (const c of running) c.start();
    },
    stopControllers,
    async close() {
      stopControllers();
      api.close();
    },
  };
}
