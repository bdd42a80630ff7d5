/**
 * RBAC's escalation prevention, as kube-apiserver enforces it: a user may write a role only with
 * rules they already hold (or with `escalate` on roles), and may bind a role only if they hold all
 * of its rules where the binding applies (or with `bind` on that role). Without it, anyone allowed to
 * manage bindings in a namespace (the `admin` role) could bind themselves `cluster-admin`.
 *
 * "Holds a rule" is decided by the authorizer itself: every rule is broken down into single
 * (group, resource, verb, name) requests, and each must be allowed to the user in the binding's
 * namespace. A wildcard in a requested rule is only covered by a wildcard the user holds, since the
 * authorizer matches a literal `*` only against `*`.
 */
import { forbidden, notFound } from '../api/errors.js';
import type { RequestContext, UserInfo } from '../api/strategy.js';
import type { ClusterRoleBinding, PolicyRule, RoleBinding } from '../apis/rbac/schema.js';
import type { Attributes, Authorizer, RbacState } from './rbac-authorizer.js';

const GROUP = 'rbac.authorization.k8s.io';

export interface EscalationGuard {
  /** Throws 403 unless the user may hold `rules` in `namespace` (cluster scope when undefined). */
  checkRole(
    ctx: RequestContext,
    resource: 'roles' | 'clusterroles',
    name: string,
    namespace: string | undefined,
    rules: readonly PolicyRule[] | undefined,
  ): void;
  /** Throws 403 unless the user may bind the binding's role; 404 when that role does not exist. */
  checkBinding(
    ctx: RequestContext,
    resource: 'rolebindings' | 'clusterrolebindings',
    binding: RoleBinding | ClusterRoleBinding,
    namespace: string | undefined,
  ): void;
}

/** Each rule as the single requests it grants. */
function breakDown(rule: PolicyRule, namespace: string | undefined): Attributes[] {
  const out: Attributes[] = [];
  for (const verb of rule.verbs ?? []) {
    if ((rule.nonResourceURLs?.length ?? 0) > 0) {
      for (const path of rule.nonResourceURLs ?? []) out.push({ verb, resourceRequest: false, path });
      continue;
    }
    for (const apiGroup of rule.apiGroups ?? []) {
      for (const full of rule.resources ?? []) {
        const slash = full.indexOf('/');
        const resource = slash < 0 ? full : full.slice(0, slash);
        const subresource = slash < 0 ? undefined : full.slice(slash + 1);
        const names = (rule.resourceNames?.length ?? 0) > 0 ? (rule.resourceNames ?? []) : [undefined];
        for (const name of names) {
          out.push({
            verb,
            resourceRequest: true,
            apiGroup,
            resource,
            ...(subresource !== undefined ? { subresource } : {}),
            ...(namespace !== undefined ? { namespace } : {}),
            ...(name !== undefined ? { name } : {}),
          });
        }
      }
    }
  }
  return out;
}

function describe(a: Attributes): string {
  if (!a.resourceRequest) return `{NonResourceURLs:["${a.path ?? ''}"], Verbs:["${a.verb}"]}`;
  const resource = a.subresource !== undefined ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  return `{APIGroups:["${a.apiGroup ?? ''}"], Resources:["${resource}"]${a.name !== undefined ? `, ResourceNames:["${a.name}"]` : ''}, Verbs:["${a.verb}"]}`;
}

function notHeld(user: UserInfo, missing: Attributes[]): string {
  const shown = missing.slice(0, 20).map(describe);
  const more = missing.length > shown.length ? `\n…and ${missing.length - shown.length} more` : '';
  return `user "${user.name}" (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${shown.join('\n')}${more}`;
}

export function createEscalationGuard(authorize: Authorizer, state: RbacState): EscalationGuard {
  const missingFor = (user: UserInfo, rules: readonly PolicyRule[], namespace: string | undefined) =>
    rules.flatMap((r) => breakDown(r, namespace)).filter((a) => !authorize(user, a).allowed);

  return {
    checkRole(ctx, resource, name, namespace, rules) {
      const escalate = { verb: 'escalate', resourceRequest: true, apiGroup: GROUP, resource, name, ...(namespace !== undefined ? { namespace } : {}) };
      if (authorize(ctx.user, escalate).allowed) return;
      const missing = missingFor(ctx.user, rules ?? [], namespace);
      if (missing.length > 0) throw forbidden({ group: GROUP, resource }, name, notHeld(ctx.user, missing));
    },
    checkBinding(ctx, resource, binding, namespace) {
      const ref = binding.roleRef;
      const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      const bind = {
        verb: 'bind',
        resourceRequest: true,
        apiGroup: GROUP,
        resource: roleResource,
        name: ref.name,
        ...(namespace !== undefined ? { namespace } : {}),
      };
      if (authorize(ctx.user, bind).allowed) return;
      const rules = ref.kind === 'Role' ? state.roleRules(namespace ?? '', ref.name) : state.clusterRoleRules(ref.name);
      if (!rules) throw notFound({ group: GROUP, resource: roleResource }, ref.name);
      const missing = missingFor(ctx.user, rules, namespace);
      if (missing.length > 0) throw forbidden({ group: GROUP, resource }, binding.metadata.name ?? '', notHeld(ctx.user, missing));
    },
  };
}
