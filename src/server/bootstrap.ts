/**
 * What the server creates on first start, and again whenever it is missing (an administrator's
 * edits are kept): the namespaces kubectl and tools expect, the singleton cluster image config, and
 * the bootstrap roles and bindings. Replicas starting together on one etcd seed the same objects:
 * whoever comes second is content.
 */
import { isApiError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import type { Namespace } from '../apis/core/namespace.js';
import type { ResourceStore } from '../apiserver/generic/resource-store.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../auth/bootstrap-policy.js';
import { defaultClusterImageConfig } from '../resources/config/images/strategy.js';
import { systemContext, type ApiInstaller } from '../resources/installer.js';

const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'openshift-config'];

export async function seed(api: ApiInstaller): Promise<void> {
  for (const name of INITIAL_NAMESPACES) await ensure(api.need('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as Namespace);
  await ensure(api.need('clusterImageConfigs'), defaultClusterImageConfig());
  const rbac = api.need('rbac');
  for (const role of BOOTSTRAP_CLUSTER_ROLES) await ensure(rbac.clusterRoles, structuredClone(role));
  for (const binding of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) await ensure(rbac.clusterRoleBindings, structuredClone(binding));
}

async function ensure<T extends KubeObject>(store: ResourceStore<T>, obj: T): Promise<void> {
  if (await store.getRaw(undefined, obj.metadata.name ?? '')) return;
  try {
    await store.create(systemContext(), obj, { dryRun: false });
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
  }
}
