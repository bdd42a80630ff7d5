/**
 * images.config.openshift.io (cluster-scoped; only `cluster` exists): the registry hostnames, the
 * import allow-list and registry sources that the image API reads, kept in memory by a cache.
 */
import { CONFIG_PRESENCE } from '../../../apis/config/presence.js';
import { ALL_VERBS, STATUS_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { ClusterImageConfig } from '../../../apis/config/schema.js';
import { withAfterWrite } from '../../../apiserver/generic/after-write.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import { systemContext, type ResourceDefinition } from '../../installer.js';
import { ClusterConfigCache } from './cluster-config.js';
import { createClusterImageConfigStrategies } from './strategy.js';

declare module '../../installer.js' {
  interface Services {
    clusterConfig: ClusterConfigCache;
    clusterImageConfigs: ResourceStore<ClusterImageConfig>;
  }
}

export const clusterImageConfigsInfo: ResourceInfo = {
  group: 'config.openshift.io',
  version: 'v1',
  presence: CONFIG_PRESENCE,
  resource: 'images',
  singular: 'image',
  kind: 'Image',
  listKind: 'ImageList',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [{ name: 'status', kind: 'Image', verbs: STATUS_VERBS, schema: ClusterImageConfig }],
  schema: ClusterImageConfig,
};

export const clusterImageConfigs: ResourceDefinition = {
  infos: [clusterImageConfigsInfo],
  install(api) {
    const strategies = createClusterImageConfigStrategies();
    const store = api.stored<ClusterImageConfig>(clusterImageConfigsInfo, strategies.main);
    const cache = new ClusterConfigCache(store, systemContext, api.logger);
    api.provide('clusterImageConfigs', store);
    api.provide('clusterConfig', cache);
    api.onStart(() => cache.start());
    api.onClose(() => cache.close());
    // Our own writes are seen by the next request, not only once the watch delivers them.
    const refreshed = () => cache.refresh();
    api.serve(
      withAfterWrite(createStoredHandler({ store, schema: ClusterImageConfig }), refreshed),
      withAfterWrite(
        createStoredHandler({ store: store.withStrategy(strategies.status, 'status'), schema: ClusterImageConfig, subresource: 'status' }),
        refreshed,
      ),
    );
  },
};
