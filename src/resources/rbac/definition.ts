/**
 * rbac.authorization.k8s.io/v1: roles, cluster roles and their bindings. The four kinds are one
 * folder because they are one policy: their stores feed one cache, the authorizer every request
 * goes through, and the escalation check their own writes go through.
 */
import { ALL_VERBS, type ResourceInfo } from '../../api/resource-info.js';
import type { KubeObject } from '../../api/meta.js';
import type { TSchema } from '@sinclair/typebox';
import { RBAC_PRESENCE } from '../../apis/rbac/presence.js';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../apis/rbac/schema.js';
import { withAfterWrite } from '../../apiserver/generic/after-write.js';
import type { ResourceStore } from '../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../apiserver/generic/stored-handler.js';
import { createEscalationGuard, type EscalationGuard } from '../../auth/escalation.js';
import { createRbacAuthorizer, rulesFor, type Authorizer } from '../../auth/rbac-authorizer.js';
import type { UserInfo } from '../../api/strategy.js';
import type { PolicyRule } from '../../apis/rbac/schema.js';
import { systemContext, type ResourceDefinition } from '../installer.js';
import { RbacCache, type RbacStores } from './rbac-cache.js';
import { decodeRole, decodeRoleBinding } from './protobuf.js';
import { createRbacStrategies } from './strategy.js';

declare module '../installer.js' {
  interface Services {
    authorize: Authorizer;
    /** The rules that apply to a user in a namespace (`kubectl auth can-i --list`). */
    rbacRules: (user: UserInfo, namespace: string) => PolicyRule[];
    rbac: RbacStores;
  }
}

function rbac(resource: string, singular: string, kind: string, namespaced: boolean, schema: TSchema): ResourceInfo {
  return {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    presence: RBAC_PRESENCE,
    resource,
    singular,
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    schema,
  };
}

export const rolesInfo = rbac('roles', 'role', 'Role', true, Role);
export const roleBindingsInfo = rbac('rolebindings', 'rolebinding', 'RoleBinding', true, RoleBinding);
export const clusterRolesInfo = rbac('clusterroles', 'clusterrole', 'ClusterRole', false, ClusterRole);
export const clusterRoleBindingsInfo = rbac('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false, ClusterRoleBinding);

export const rbacPolicy: ResourceDefinition = {
  infos: [rolesInfo, roleBindingsInfo, clusterRolesInfo, clusterRoleBindingsInfo],
  install(api) {
    // The escalation check needs the authorizer, which reads the stores these strategies guard.
    let guard: EscalationGuard | undefined;
    const strategies = createRbacStrategies(() => guard);
    const stores: RbacStores = {
      roles: api.stored<Role>(rolesInfo, strategies.role as never),
      clusterRoles: api.stored<ClusterRole>(clusterRolesInfo, strategies.clusterRole as never),
      roleBindings: api.stored<RoleBinding>(roleBindingsInfo, strategies.roleBinding as never),
      clusterRoleBindings: api.stored<ClusterRoleBinding>(clusterRoleBindingsInfo, strategies.clusterRoleBinding as never),
    };
    const cache = new RbacCache(stores, systemContext, api.logger);
    const authorize = createRbacAuthorizer(cache);
    guard = createEscalationGuard(authorize, cache);
    api.provide('authorize', authorize);
    api.provide('rbacRules', (user, namespace) => rulesFor(cache, user, namespace));
    api.provide('rbac', stores);
    api.onStart(() => cache.start());
    api.onClose(() => cache.close());
    for (const store of [stores.roles, stores.clusterRoles, stores.roleBindings, stores.clusterRoleBindings] as ResourceStore<KubeObject>[]) {
      const protobuf = store.info.kind.endsWith('Binding') ? decodeRoleBinding : decodeRole;
      api.serve({ ...withAfterWrite(createStoredHandler({ store, schema: store.info.schema }), () => cache.refresh()), protobuf });
    }
  },
};
