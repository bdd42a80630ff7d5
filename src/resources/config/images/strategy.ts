/**
 * Strategies of the cluster image config: the main resource owns spec (status kept), the status
 * subresource owns status (spec kept). Only the singleton `cluster` exists: the server creates it
 * on first start and consumers read only that name.
 */
import { fieldErr, type FieldError } from '../../../api/errors.js';
import type { Strategy } from '../../../api/strategy.js';
import { validateObjectMeta, validateObjectMetaUpdate, nameIsDNSSubdomain } from '../../../api/validation/object-meta.js';
import type { ClusterImageConfig } from '../../../apis/config/schema.js';
import { validateClusterImageSpec, validateClusterImageStatus } from '../../../apis/config/validation.js';

export const CLUSTER = 'cluster';

function validateName(cfg: ClusterImageConfig): FieldError[] {
  const name = cfg.metadata.name ?? '';
  return name === CLUSTER || name === '' ? [] : [fieldErr.notSupported('metadata.name', name, [CLUSTER])];
}

const meta = { namespaced: false, validateName: nameIsDNSSubdomain } as const;

export function defaultClusterImageConfig(): ClusterImageConfig {
  return { apiVersion: 'config.openshift.io/v1', kind: 'Image', metadata: { name: CLUSTER }, spec: {} };
}

export function createClusterImageConfigStrategies(): { main: Strategy<ClusterImageConfig>; status: Strategy<ClusterImageConfig> } {
  const base = { namespaced: false, allowCreateOnUpdate: false, allowUnconditionalUpdate: true } as const;
  const main: Strategy<ClusterImageConfig> = {
    ...base,
    prepareForCreate(obj) {
      delete obj.status;
      obj.spec ??= {};
      obj.metadata.generation = 1;
    },
    validate: (obj) => [...validateObjectMeta(obj.metadata, meta), ...validateName(obj), ...validateClusterImageSpec(obj)],
    prepareForUpdate(obj, old) {
      if (old.status) obj.status = old.status;
      else delete obj.status;
      obj.spec ??= {};
      if (JSON.stringify(obj.spec) !== JSON.stringify(old.spec ?? {})) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    },
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateClusterImageSpec(obj)],
  };
  const status: Strategy<ClusterImageConfig> = {
    ...main,
    prepareForUpdate(obj, old) {
      obj.spec = old.spec ?? {};
      obj.metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion ?? '' };
      if (old.metadata.managedFields === undefined) delete obj.metadata.managedFields;
    },
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateClusterImageStatus(obj)],
  };
  return { main, status };
}
