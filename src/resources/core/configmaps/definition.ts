/** configmaps (v1): among them the additional trusted CAs of imports, in openshift-config. */
import { CORE_PRESENCE } from '../../../apis/core/presence.js';
import { ALL_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { ConfigMap } from '../../../apis/core/configmap.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { createConfigMapStrategy } from './strategy.js';
import { decodeConfigMap } from './protobuf.js';
import { configMapColumns } from './table.js';

declare module '../../installer.js' {
  interface Services {
    configMaps: ResourceStore<ConfigMap>;
  }
}

export const configMapsInfo: ResourceInfo = {
  group: '',
  version: 'v1',
  presence: CORE_PRESENCE,
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  shortNames: ['cm'],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  schema: ConfigMap,
};

export const configMaps: ResourceDefinition = {
  infos: [configMapsInfo],
  install(api) {
    const store = api.stored<ConfigMap>(configMapsInfo, createConfigMapStrategy());
    api.provide('configMaps', store);
    api.serve({ ...createStoredHandler({ store, schema: ConfigMap, columns: configMapColumns }), protobuf: decodeConfigMap });
  },
};
