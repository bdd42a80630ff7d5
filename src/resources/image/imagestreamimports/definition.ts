/**
 * imagestreamimports: create-only; imports image metadata from registries (a preview, or into the
 * stream). Also the import controllers, which import spec tags through the same handler.
 */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageStreamImport } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import { ImageImportController } from '../../../controllers/image-import-controller.js';
import { createRequestBudget } from '../../../importer/request-budget.js';
import { systemContext, type ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageStreamImportHandler } from './rest.js';

export const imageStreamImportsInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  resource: 'imagestreamimports',
  singular: 'imagestreamimport',
  kind: 'ImageStreamImport',
  listKind: 'ImageStreamImportList',
  verbs: ['create'],
  schema: ImageStreamImport,
};

export const imageStreamImports: ResourceDefinition = {
  infos: [imageStreamImportsInfo],
  install(api) {
    const { streams, internal } = api.need('imageStreams');
    const clusterConfig = api.need('clusterConfig');
    const authorize = api.need('authorize');
    const events = api.need('events');
    const settings = api.importer;
    const may = (user: Parameters<typeof authorize>[0], resource: string) =>
      authorize(user, { verb: 'create', resourceRequest: true, apiGroup: 'image.openshift.io', resource }).allowed;
    const imports = createImageStreamImportHandler({
      info: imageStreamImportsInfo,
      schema: ImageStreamImport,
      streams,
      internal,
      images: api.need('images'),
      secrets: api.need('secrets'),
      configMaps: api.need('configMaps'),
      importPolicy: () => clusterConfig.get().importPolicy,
      whitelister: () => clusterConfig.get().whitelister,
      // As in openshift-apiserver: `create images`, or `create imagestreammapping` (singular,
      // cluster-wide: in practice only wildcard roles grant it); an editor of the namespace does not
      // bypass the list.
      mayBypassAllowList: (user) => may(user, 'images') || may(user, 'imagestreammapping'),
      network: settings.network,
      maxTagsPerRepository: settings.maxTagsPerRepository,
      requestTimeoutMs: settings.requestTimeoutMs,
      importTimeoutMs: settings.importTimeoutMs,
      limits: settings.limits,
      metrics: settings.metrics,
      budget: createRequestBudget({
        perSecond: settings.registryQps,
        burst: Math.max(1, settings.registryQps * 2),
        onWait: (registry, seconds) => settings.metrics.observeBudgetWait(registry, seconds),
      }),
    });
    api.serve(imports as ResourceHandler);
    api.controller(
      () =>
        new ImageImportController({
          streams,
          imports,
          logger: api.logger,
          systemContext,
          scheduledIntervalMs: settings.scheduledIntervalMs,
          scheduledPerMinute: settings.scheduledPerMinute,
          onQueueDepth: (n) => settings.metrics.setQueueDepth(n),
          recordEvent: (stream, type, reason, message) =>
            events.record({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', object: stream }, type, reason, message),
        }),
    );
  },
};
