import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../api/errors.js';
import type { RequestContext } from '../api/strategy.js';
import type { PolicyRule, RoleBinding } from '../apis/rbac/schema.js';
import { createEscalationGuard } from './escalation.js';
import { createRbacAuthorizer, type RbacState } from './rbac-authorizer.js';

const roles: Record<string, PolicyRule[]> = {
  reader: [{ apiGroups: ['image.openshift.io'], resources: ['imagestreams', 'imagestreams/layers'], verbs: ['get', 'list'] }],
  named: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['pull'] }],
  wild: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  binder: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['wild'] }],
};
const binding = (name: string, role: string, user: string, namespace = 'ns'): RoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'User', name: user }],
});
const state: RbacState = {
  clusterRoleRules: (n) => roles[n],
  roleRules: () => undefined,
  clusterRoleBindings: () => [],
  roleBindings: (ns) => (ns === 'ns' ? [binding('r', 'reader', 'ann'), binding('n', 'named', 'ann'), binding('b', 'binder', 'bea')] : []),
};
const guard = createEscalationGuard(createRbacAuthorizer(state), state);
const ctx = (name: string) => ({ user: { name, groups: ['system:authenticated'] } }) as unknown as RequestContext;
const refused = (fn: () => void) => assert.throws(fn, (e) => isApiError(e, 'Forbidden'));

describe('RBAC escalation prevention', () => {
  it('allows rules the user holds, subresources and named resources included', () => {
    guard.checkRole(ctx('ann'), 'roles', 'r1', 'ns', [{ apiGroups: ['image.openshift.io'], resources: ['imagestreams/layers'], verbs: ['get'] }]);
    guard.checkRole(ctx('ann'), 'roles', 'r2', 'ns', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['pull'] }]);
  });

  it('refuses a rule wider than held: another verb, all names for a named grant, a wildcard, another namespace', () => {
    refused(() => guard.checkRole(ctx('ann'), 'roles', 'r', 'ns', [{ apiGroups: ['image.openshift.io'], resources: ['imagestreams'], verbs: ['delete'] }]));
    refused(() => guard.checkRole(ctx('ann'), 'roles', 'r', 'ns', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]));
    refused(() => guard.checkRole(ctx('ann'), 'roles', 'r', 'ns', [{ apiGroups: ['image.openshift.io'], resources: ['*'], verbs: ['get'] }]));
    refused(() => guard.checkRole(ctx('ann'), 'roles', 'r', 'elsewhere', roles['reader']));
  });

  it('binds a role whose rules are all held, or one the user may bind; a missing role is 404', () => {
    guard.checkBinding(ctx('ann'), 'rolebindings', binding('x', 'reader', 'someone'), 'ns');
    refused(() => guard.checkBinding(ctx('ann'), 'rolebindings', binding('x', 'wild', 'ann'), 'ns'));
    guard.checkBinding(ctx('bea'), 'rolebindings', binding('x', 'wild', 'bea'), 'ns');
    assert.throws(
      () => guard.checkBinding(ctx('ann'), 'rolebindings', binding('x', 'absent', 'ann'), 'ns'),
      (e) => isApiError(e, 'NotFound'),
    );
  });
});
