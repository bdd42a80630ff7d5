/** namespaces (v1): the scope of every namespaced kind; deleting one empties it first. */
import { CORE_PRESENCE } from '../../../apis/core/presence.js';
import { STATUS_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { Namespace } from '../../../apis/core/namespace.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { NamespacePhase, ResourceStore } from '../../../apiserver/generic/resource-store.js';
import type { ResourceDefinition } from '../../installer.js';
import { createNamespaceHandler } from './rest.js';
import { createNamespaceStrategies } from './strategy.js';
import { decodeNamespace } from './protobuf.js';
import { namespaceColumns } from './table.js';

declare module '../../installer.js' {
  interface Services {
    namespaces: ResourceStore<Namespace>;
  }
}

export const namespacesInfo: ResourceInfo = {
  group: '',
  version: 'v1',
  presence: CORE_PRESENCE,
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'Namespace', verbs: STATUS_VERBS, schema: Namespace }],
  selectableFields: ['status.phase'],
  schema: Namespace,
};

export const namespaces: ResourceDefinition = {
  infos: [namespacesInfo],
  install(api) {
    const strategies = createNamespaceStrategies();
    const store = api.stored<Namespace>(namespacesInfo, strategies.main);
    api.namespacePhase = async (name: string): Promise<NamespacePhase> => {
      const found = await store.getRaw(undefined, name);
      if (!found) return undefined;
      return found.obj.status?.phase === 'Terminating' ? 'Terminating' : 'Active';
    };
    api.provide('namespaces', store);
    api.serve(
      {
        ...createNamespaceHandler({
          namespaces: store,
          statusStrategy: strategies.status,
          finalizeStrategy: strategies.finalize,
          namespaced: api.namespacedStores,
          columns: namespaceColumns,
        }),
        protobuf: decodeNamespace,
      },
      createStoredHandler({ store: store.withStrategy(strategies.status, 'status'), schema: Namespace, subresource: 'status', columns: namespaceColumns }),
    );
  },
};
