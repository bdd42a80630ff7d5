/**
 * The wiring of every served resource: one readable function, like openshift-apiserver's
 * newV1RESTStorage. Stores get their strategies, handlers get their stores, cross-kind
 * collaborators (namespace checks, the cluster image config) are injected here and nowhere else.
 */
import { isApiError } from '../api/errors.js';
import type { Logger } from 'pino';
import type { RequestContext } from '../api/strategy.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { createStoredHandler } from '../registry/stored-handler.js';
import type { ResourceHandler } from '../registry/handler.js';
import { ResourceStore, type NamespacePhase } from '../registry/resource-store.js';
import type { Store } from '../storage/store.js';
import type { KubeObject } from '../schema/meta.js';
import { trackManagedFields } from '../registry/track-managed-fields.js';
import { buildOpenApiV2, buildOpenApiV3 } from '../openapi/index.js';
import { encodeOpenApiV2 } from '../openapi/v2-protobuf.js';
import type { OpenApiSource } from '../http/app.js';
import { createImageStrategy } from '../apis/image/image-strategy.js';
import { imageColumns } from '../apis/image/image-table.js';
import { createImageStreamStrategies } from '../apis/image/imagestream-strategy.js';
import { imageStreamColumns } from '../apis/image/imagestream-table.js';
import type { Image, ImageStream } from '../apis/image/schema.js';
import { createClusterImageConfigStrategies, defaultClusterImageConfig } from '../apis/config/strategy.js';
import type { ClusterImageConfig } from '../apis/config/schema.js';
import { createNamespaceStrategies, type Namespace } from '../apis/core/namespace.js';
import { createSecretStrategy, type Secret } from '../apis/core/secret.js';
import { createConfigMapStrategy, type ConfigMap } from '../apis/core/configmap.js';
import { configMapColumns, namespaceColumns, secretColumns } from '../apis/core/tables.js';
import { ClusterConfigCache, CLUSTER_CONFIG_NAME } from './cluster-config.js';
import { createRbacStrategies } from '../apis/rbac/strategy.js';
import { createEscalationGuard, type EscalationGuard } from '../auth/escalation.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../apis/rbac/schema.js';
import { RbacCache } from '../auth/rbac-cache.js';
import { createRbacAuthorizer, type Authorizer } from '../auth/rbac-authorizer.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../auth/bootstrap-policy.js';
import { createSelfSubjectAccessReviewHandler, createSelfSubjectReviewHandler } from '../apis/authz/reviews.js';
import { createImageStreamTagHandler } from '../apis/image/views/imagestreamtag-handler.js';
import { createImageTagHandler } from '../apis/image/views/imagetag-handler.js';
import { createImageStreamImageHandler } from '../apis/image/views/imagestreamimage-handler.js';
import { createImageStreamMappingHandler } from '../apis/image/views/imagestreammapping-handler.js';
import { createImageSignatureHandler } from '../apis/image/views/imagesignature-handler.js';
import { createLayersHandler, createSecretsHandler } from '../apis/image/views/imagestream-subresources.js';
import { createImageStreamImportHandler } from '../apis/image/views/imagestreamimport-handler.js';
import type { ImportLimits } from '../importer/limits.js';
import type { NetworkPolicy } from '../importer/address-guard.js';
import type { ImportMetrics } from '../http/metrics.js';
import { ImageImportController } from '../controllers/image-import-controller.js';
import { createRequestBudget } from '../importer/request-budget.js';
import { imageStreamImageColumns, imageStreamTagColumns, imageTagColumns } from '../apis/image/views/tables.js';
import { RESOURCES } from './resource-infos.js';
import { EncodedObjectCache } from '../registry/encoded-cache.js';
import { createNamespaceHandler } from './namespace-handler.js';

export interface ApiResources {
  readonly handlers: ResourceHandler[];
  readonly openapi: OpenApiSource;
  readonly authorize: Authorizer;
  /** Starts the controllers (when this replica leads). */
  startControllers(): void;
  /** Stops them (when this replica loses the lead). */
  stopControllers(): void;
  close(): Promise<void>;
}

/** Namespaces the server creates on first start (kubectl and tools expect `default`). */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'openshift-config'];

export function systemContext(): RequestContext {
  return {
    user: { name: 'system:apiserver', groups: ['system:masters'] },
    dryRun: false,
    warnings: [],
    now: new Date(),
  };
}

export interface ImporterSettings {
  readonly network: NetworkPolicy;
  readonly maxTagsPerRepository: number;
  readonly scheduledIntervalMs: number;
  readonly scheduledPerMinute: number;
  readonly requestTimeoutMs: number;
  readonly importTimeoutMs: number;
  readonly limits: ImportLimits;
  readonly metrics: ImportMetrics;
  /** Requests per second each registry gets from all imports together. */
  readonly registryQps: number;
}

/** Client JSON of recently read objects kept for reuse by get and list (see encoded-cache.ts). */
const ENCODED_CACHE_BYTES = 64 * 2 ** 20;

export async function buildApiResources(deps: { store: Store; logger: Logger; importer: ImporterSettings }): Promise<ApiResources> {
  const { store, logger } = deps;
  const common = { store, trackManagedFields, encodedCache: new EncodedObjectCache(ENCODED_CACHE_BYTES) };
  const stored = <T extends KubeObject>(info: ResourceInfo, strategy: ResourceStore<T>['strategy'], extra: Partial<ConstructorParameters<typeof ResourceStore<T>>[0]> = {}) =>
    new ResourceStore<T>({ ...common, info, strategy, ...extra });

  // core/v1
  const nsStrategies = createNamespaceStrategies();
  const namespaces = stored<Namespace>(RESOURCES.namespaces, nsStrategies.main);
  const namespacePhase = async (name: string): Promise<NamespacePhase> => {
    const found = await namespaces.getRaw(undefined, name);
    if (!found) return undefined;
    return found.obj.status?.phase === 'Terminating' ? 'Terminating' : 'Active';
  };
  const inNamespace = { namespacePhase };
  const secrets = stored<Secret>(RESOURCES.secrets, createSecretStrategy(), { ...inNamespace, selectableFields: (s) => ({ type: s.type ?? '' }) });
  const configmaps = stored<ConfigMap>(RESOURCES.configmaps, createConfigMapStrategy(), inNamespace);

  // config.openshift.io/v1
  const configStrategies = createClusterImageConfigStrategies();
  const clusterImageConfigs = stored<ClusterImageConfig>(RESOURCES.clusterImageConfigs, configStrategies.main);
  const configCache = new ClusterConfigCache(clusterImageConfigs, systemContext, logger);

  // image.openshift.io/v1
  const images = stored<Image>(RESOURCES.images, createImageStrategy());
  // The authorizer is created below, once the RBAC stores exist; the strategies ask it late.
  let authorizeLate: Authorizer | undefined;
  const isStrategies = createImageStreamStrategies({
    registryConfig: () => configCache.get(),
    getImageStream: async (namespace, name) => (await imageStreams.getRaw(namespace, name))?.obj,
    canPull: (user, namespace, stream) =>
      authorizeLate?.(user, { verb: 'get', resourceRequest: true, apiGroup: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace, name: stream }).allowed ?? true,
  });
  const imageStreams: ResourceStore<ImageStream> = stored<ImageStream>(RESOURCES.imagestreams, isStrategies.main, {
    ...inNamespace,
    selectableFields: (s) => ({
      'spec.dockerImageRepository': s.spec?.dockerImageRepository ?? '',
      'status.dockerImageRepository': s.status?.dockerImageRepository ?? '',
    }),
  });

  // rbac.authorization.k8s.io/v1
  let escalationGuard: EscalationGuard | undefined;
  const rbacStrategies = createRbacStrategies(() => escalationGuard);
  const rbacStores = {
    roles: stored<Role>(RESOURCES.roles, rbacStrategies.role as never, inNamespace),
    clusterRoles: stored<ClusterRole>(RESOURCES.clusterroles, rbacStrategies.clusterRole as never),
    roleBindings: stored<RoleBinding>(RESOURCES.rolebindings, rbacStrategies.roleBinding as never, inNamespace),
    clusterRoleBindings: stored<ClusterRoleBinding>(RESOURCES.clusterrolebindings, rbacStrategies.clusterRoleBinding as never),
  };
  const rbacCache = new RbacCache(rbacStores, systemContext, logger);
  const authorize = createRbacAuthorizer(rbacCache);
  authorizeLate = authorize;
  escalationGuard = createEscalationGuard(authorize, rbacCache);

  await seed(namespaces, clusterImageConfigs, defaultClusterImageConfig());
  await seedPolicy(rbacStores.clusterRoles, rbacStores.clusterRoleBindings);
  await configCache.start();
  await rbacCache.start();

  const namespaced = [secrets, configmaps, imageStreams, rbacStores.roles, rbacStores.roleBindings];
  const refreshConfigAfter = <T extends KubeObject>(h: ResourceHandler<T>): ResourceHandler<T> => withAfterWrite(h, () => configCache.refresh());

  const views = {
    streams: imageStreams,
    internal: imageStreams.withStrategy(isStrategies.internal, ''),
    images,
  };
  const streamStatus = imageStreams.withStrategy(isStrategies.status, 'status');

  const imports = createImageStreamImportHandler({
    ...views,
    info: RESOURCES.imagestreamimports,
    schema: RESOURCES.imagestreamimports.schema,
    secrets,
    configMaps: configmaps,
    importPolicy: () => configCache.get().importPolicy,
    whitelister: () => configCache.get().whitelister,
    // As the reference: `create images`, or `create imagestreammapping` (singular, cluster-wide: in
    // practice only wildcard roles grant it) — an editor of the namespace does not bypass the list.
    mayBypassAllowList: (user) =>
      (authorizeLate?.(user, { verb: 'create', resourceRequest: true, apiGroup: 'image.openshift.io', resource: 'images' }).allowed ?? true) ||
      (authorizeLate?.(user, { verb: 'create', resourceRequest: true, apiGroup: 'image.openshift.io', resource: 'imagestreammapping' }).allowed ?? true),
    network: deps.importer.network,
    maxTagsPerRepository: deps.importer.maxTagsPerRepository,
    requestTimeoutMs: deps.importer.requestTimeoutMs,
    importTimeoutMs: deps.importer.importTimeoutMs,
    limits: deps.importer.limits,
    metrics: deps.importer.metrics,
    budget: createRequestBudget({
      perSecond: deps.importer.registryQps,
      burst: Math.max(1, deps.importer.registryQps * 2),
      onWait: (registry, seconds) => deps.importer.metrics.observeBudgetWait(registry, seconds),
    }),
  });
  // A new controller each time this replica becomes leader: a stopped one does not restart.
  let importController: ImageImportController | undefined;
  const newImportController = () => new ImageImportController({
    streams: imageStreams,
    imports,
    logger,
    systemContext,
    scheduledIntervalMs: deps.importer.scheduledIntervalMs,
    scheduledPerMinute: deps.importer.scheduledPerMinute,
    onQueueDepth: (n) => deps.importer.metrics.setQueueDepth(n),
  });

  const handlers: ResourceHandler[] = [
    createNamespaceHandler({ namespaces, statusStrategy: nsStrategies.status, finalizeStrategy: nsStrategies.finalize, namespaced, columns: namespaceColumns }),
    createStoredHandler({ store: namespaces.withStrategy(nsStrategies.status, 'status'), schema: RESOURCES.namespaces.schema, subresource: 'status', columns: namespaceColumns }),
    createStoredHandler({ store: secrets, schema: RESOURCES.secrets.schema, columns: secretColumns }),
    createStoredHandler({ store: configmaps, schema: RESOURCES.configmaps.schema, columns: configMapColumns }),
    refreshConfigAfter(createStoredHandler({ store: clusterImageConfigs, schema: RESOURCES.clusterImageConfigs.schema })),
    refreshConfigAfter(
      createStoredHandler({
        store: clusterImageConfigs.withStrategy(configStrategies.status, 'status'),
        schema: RESOURCES.clusterImageConfigs.schema,
        subresource: 'status',
      }),
    ),
    createStoredHandler({ store: images, schema: RESOURCES.images.schema, columns: imageColumns }),
    createStoredHandler({ store: imageStreams, schema: RESOURCES.imagestreams.schema, columns: imageStreamColumns }),
    createStoredHandler({
      store: imageStreams.withStrategy(isStrategies.status, 'status'),
      schema: RESOURCES.imagestreams.schema,
      subresource: 'status',
      columns: imageStreamColumns,
    }) as ResourceHandler,
    createLayersHandler({ info: RESOURCES.imagestreams, streams: imageStreams, images }) as ResourceHandler,
    createSecretsHandler({ info: RESOURCES.imagestreams, secrets }),
    createImageStreamTagHandler({ ...views, info: RESOURCES.imagestreamtags, schema: RESOURCES.imagestreamtags.schema, columns: imageStreamTagColumns }) as ResourceHandler,
    createImageTagHandler({ ...views, info: RESOURCES.imagetags, schema: RESOURCES.imagetags.schema, columns: imageTagColumns }) as ResourceHandler,
    createImageStreamImageHandler({ info: RESOURCES.imagestreamimages, streams: imageStreams, images, columns: imageStreamImageColumns }) as ResourceHandler,
    createImageStreamMappingHandler({
      info: RESOURCES.imagestreammappings,
      schema: RESOURCES.imagestreammappings.schema,
      streams: imageStreams,
      status: streamStatus,
      images,
      internalRegistryHostname: () => configCache.get().internalRegistryHostname,
    }) as ResourceHandler,
    createImageSignatureHandler({ info: RESOURCES.imagesignatures, schema: RESOURCES.imagesignatures.schema, images }) as ResourceHandler,
    imports as ResourceHandler,
    ...([rbacStores.roles, rbacStores.clusterRoles, rbacStores.roleBindings, rbacStores.clusterRoleBindings] as ResourceStore<KubeObject>[]).map((store) =>
      withAfterWrite(createStoredHandler({ store, schema: store.info.schema }), () => rbacCache.refresh()),
    ),
    createSelfSubjectAccessReviewHandler(RESOURCES.selfsubjectaccessreviews, authorize) as ResourceHandler,
    createSelfSubjectReviewHandler(RESOURCES.selfsubjectreviews) as ResourceHandler,
  ] as ResourceHandler[];

  const infos = Object.values(RESOURCES);
  const v3 = buildOpenApiV3(infos);
  const v2 = buildOpenApiV2(infos);
  const v2Protobuf = encodeOpenApiV2(JSON.parse(v2) as Record<string, unknown>);
  const openapi: OpenApiSource = {
    v3Index: () => v3.index(),
    v3Document: (path) => v3.document(path),
    v2: () => v2,
    v2Protobuf: () => v2Protobuf,
  };

  return {
    handlers,
    openapi,
    authorize,
    startControllers() {
      importController?.stop();
      importController = newImportController();
      importController.start();
    },
    stopControllers() {
      importController?.stop();
      importController = undefined;
    },
    async close() {
      importController?.stop();
      configCache.close();
      rbacCache.close();
    },
  };

  async function seed(
    ns: ResourceStore<Namespace>,
    configs: ResourceStore<ClusterImageConfig>,
    clusterConfig: ClusterImageConfig,
  ): Promise<void> {
    const ctx = systemContext();
    for (const name of INITIAL_NAMESPACES) {
      if (!(await ns.getRaw(undefined, name))) {
        await createUnlessRaced(() => ns.create(ctx, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as Namespace, { dryRun: false }));
      }
    }
    if (!(await configs.getRaw(undefined, CLUSTER_CONFIG_NAME))) {
      await createUnlessRaced(() => configs.create(ctx, clusterConfig, { dryRun: false }));
    }
  }
}

/** The bootstrap roles and bindings, created when missing (an administrator's edits are kept). */
async function seedPolicy(clusterRoles: ResourceStore<ClusterRole>, bindings: ResourceStore<ClusterRoleBinding>): Promise<void> {
  const ctx = systemContext();
  for (const role of BOOTSTRAP_CLUSTER_ROLES) {
    if (!(await clusterRoles.getRaw(undefined, role.metadata.name ?? ''))) await createUnlessRaced(() => clusterRoles.create(ctx, structuredClone(role), { dryRun: false }));
  }
  for (const b of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    if (!(await bindings.getRaw(undefined, b.metadata.name ?? ''))) await createUnlessRaced(() => bindings.create(ctx, structuredClone(b), { dryRun: false }));
  }
}

/** Replicas starting together on one etcd seed the same objects: whoever comes second is content. */
async function createUnlessRaced(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
  }
}

/** Runs `after` once a write through `h` succeeded (before the response is sent). */
function withAfterWrite<T extends KubeObject>(h: ResourceHandler<T>, after: () => Promise<void>): ResourceHandler<T> {
  const wrapped: ResourceHandler<T> = { ...h };
  const wrap =
    <A extends unknown[], R>(fn: ((...args: A) => Promise<R>) | undefined) =>
    fn &&
    (async (...args: A): Promise<R> => {
      const r = await fn(...args);
      await after();
      return r;
    });
  if (h.create) wrapped.create = wrap(h.create.bind(h));
  if (h.update) wrapped.update = wrap(h.update.bind(h));
  if (h.patch) wrapped.patch = wrap(h.patch.bind(h));
  if (h.delete) wrapped.delete = wrap(h.delete.bind(h));
  if (h.deleteCollection) wrapped.deleteCollection = wrap(h.deleteCollection.bind(h));
  return wrapped;
}
