/** secrets (v1): pull secrets for imports, and what `imagestreams/secrets` lists. */
import { CORE_PRESENCE } from '../../../apis/core/presence.js';
import { ALL_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { Secret } from '../../../apis/core/secret.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { createSecretStrategy } from './strategy.js';
import { decodeSecret } from './protobuf.js';
import { secretColumns } from './table.js';

declare module '../../installer.js' {
  interface Services {
    secrets: ResourceStore<Secret>;
  }
}

export const secretsInfo: ResourceInfo = {
  group: '',
  version: 'v1',
  presence: CORE_PRESENCE,
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  listKind: 'SecretList',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  selectableFields: ['type'],
  schema: Secret,
};

export const secrets: ResourceDefinition = {
  infos: [secretsInfo],
  install(api) {
    const store = api.stored<Secret>(secretsInfo, createSecretStrategy());
    api.provide('secrets', store);
    api.serve({ ...createStoredHandler({ store, schema: Secret, columns: secretColumns }), protobuf: decodeSecret });
  },
};
