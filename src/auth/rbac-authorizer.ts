/**
 * Kubernetes RBAC evaluation: a request is allowed when some rule of some role bound to the user
 * (through a ClusterRoleBinding anywhere, or a RoleBinding in the request's namespace) covers its
 * verb, API group, resource (`resource/subresource`), name — or, for non-resource requests, its
 * path. `system:masters` is always allowed, as in kube-apiserver. Deny is the default.
 */
import type { UserInfo } from '../api/strategy.js';
import type { PolicyRule, RoleBinding, Subject } from '../apis/rbac/schema.js';

export interface Attributes {
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly apiGroup?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path?: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** What the authorizer reads: the current roles and bindings. */
export interface RbacState {
  clusterRoleRules(name: string): readonly PolicyRule[] | undefined;
  roleRules(namespace: string, name: string): readonly PolicyRule[] | undefined;
  clusterRoleBindings(): readonly RoleBinding[];
  roleBindings(namespace: string): readonly RoleBinding[];
}

export type Authorizer = (user: UserInfo, attrs: Attributes) => Decision;

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace ?? ''}:${s.name}`;
    default:
      return false;
  }
}

const has = (list: readonly string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (subresource !== undefined && (r === `*/${subresource}` || r === `${resource}/*`)));
}

function pathMatches(patterns: readonly string[] | undefined, path: string): boolean {
  return (patterns ?? []).some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return pathMatches(rule.nonResourceURLs, a.path ?? '');
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false;
  if (!resourceMatches(rule, a.resource ?? '', a.subresource)) return false;
  if ((rule.resourceNames?.length ?? 0) > 0) return a.name !== undefined && a.name !== '' && (rule.resourceNames ?? []).includes(a.name);
  return true;
}

export function createRbacAuthorizer(state: RbacState): Authorizer {
  return (user, a) => {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: 'system:masters' };
    for (const b of state.clusterRoleBindings()) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) continue;
      const rules = state.clusterRoleRules(b.roleRef.name) ?? [];
      if (rules.some((r) => ruleAllows(r, a)))
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata.name ?? ''}" of ClusterRole "${b.roleRef.name}"` };
    }
    if (a.namespace) {
      for (const b of state.roleBindings(a.namespace)) {
        if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, a.namespace))) continue;
        const rules = (b.roleRef.kind === 'ClusterRole' ? state.clusterRoleRules(b.roleRef.name) : state.roleRules(a.namespace, b.roleRef.name)) ?? [];
        if (rules.some((r) => ruleAllows(r, a)))
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata.name ?? ''}/${a.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}"` };
      }
    }
    return { allowed: false, reason: '' };
  };
}

/** Every rule that applies to `user` in `namespace`: cluster-wide bindings, then the namespace's (`kubectl auth can-i --list`). */
export function rulesFor(state: RbacState, user: UserInfo, namespace: string): PolicyRule[] {
  if (user.groups.includes('system:masters'))
    return [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ];
  const rules: PolicyRule[] = [];
  for (const b of state.clusterRoleBindings()) {
    if ((b.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) rules.push(...(state.clusterRoleRules(b.roleRef.name) ?? []));
  }
  if (namespace) {
    for (const b of state.roleBindings(namespace)) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
      rules.push(...((b.roleRef.kind === 'ClusterRole' ? state.clusterRoleRules(b.roleRef.name) : state.roleRules(namespace, b.roleRef.name)) ?? []));
    }
  }
  return rules;
}

/** kube-apiserver's Forbidden message for a denied request. */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (!a.resourceRequest) return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path ?? ''}"`;
  const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  const qualified = a.apiGroup ? `${a.resource ?? ''}.${a.apiGroup}` : (a.resource ?? '');
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" ${scope}`;
}
