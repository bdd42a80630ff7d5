import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../api/errors.js';
import type { UserInfo } from '../api/strategy.js';
import type { ClusterRoleBinding, PolicyRule, RoleBinding } from '../apis/rbac/schema.js';
import { impersonate, parseImpersonationHeaders, splitServiceAccountUsername } from './impersonation.js';
import { createRbacAuthorizer, type RbacState } from './rbac-authorizer.js';

const AUTHN = 'authentication.k8s.io';
const roles: Record<string, PolicyRule[]> = {
  'cluster-admin': [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  'as-users': [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }],
  'as-bob-devs': [
    { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bob'] },
    { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['devs'] },
  ],
  'as-extras': [
    { apiGroups: [''], resources: ['users'], verbs: ['impersonate'] },
    { apiGroups: [AUTHN], resources: ['userextras/scopes'], verbs: ['impersonate'], resourceNames: ['read'] },
    { apiGroups: [AUTHN], resources: ['uids'], verbs: ['impersonate'], resourceNames: ['u-1'] },
  ],
  'as-sa': [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }],
};
const ref = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole' } as const;
const clusterBinding = (role: string, user: string): ClusterRoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: `${role}-${user}` },
  roleRef: { ...ref, name: role },
  subjects: [{ kind: 'User', name: user }],
});
const roleBinding = (role: string, user: string, namespace: string): RoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: `${role}-${user}`, namespace },
  roleRef: { ...ref, name: role },
  subjects: [{ kind: 'User', name: user }],
});
const state: RbacState = {
  clusterRoleRules: (n) => roles[n],
  roleRules: () => undefined,
  clusterRoleBindings: () => [
    clusterBinding('cluster-admin', 'root'),
    clusterBinding('as-users', 'ann'),
    clusterBinding('as-bob-devs', 'bea'),
    clusterBinding('as-extras', 'cat'),
  ],
  roleBindings: (ns) => (ns === 'team' ? [roleBinding('as-sa', 'dan', 'team')] : []),
};
const authorize = createRbacAuthorizer(state);
const user = (name: string): UserInfo => ({ name, groups: ['system:authenticated'] });
/** Raw header pairs as Node gives them in `req.rawHeaders`. */
const raw = (...pairs: [string, string][]) => pairs.flat();

function rejected(fn: () => unknown, reason: 'Forbidden' | 'BadRequest', message: string) {
  assert.throws(fn, (e) => {
    assert.ok(isApiError(e, reason), `expected ${reason}, got ${String(e)}`);
    assert.equal(e.status.message, message);
    assert.equal(e.code, reason === 'Forbidden' ? 403 : 400);
    return true;
  });
}

describe('impersonation', () => {
  it('is nothing without impersonation headers, or with an empty Impersonate-User', () => {
    assert.equal(impersonate(user('ann'), raw(['Host', 'x'], ['Authorization', 'Bearer t']), authorize), undefined);
    assert.equal(impersonate(user('ann'), raw(['Impersonate-User', '']), authorize), undefined);
  });

  it('lets cluster-admin impersonate anyone, with groups, extras and a uid', () => {
    const got = impersonate(
      user('root'),
      raw(['Impersonate-User', 'bob'], ['Impersonate-Group', 'devs'], ['Impersonate-Uid', 'u-9'], ['Impersonate-Extra-Scopes', 'x']),
      authorize,
    );
    assert.deepEqual(got, {
      user: { name: 'bob', uid: 'u-9', groups: ['devs', 'system:authenticated'], extra: { scopes: ['x'] } },
      impersonator: user('root'),
    });
  });

  it('makes the impersonated user authenticated, and nothing more, when no groups are asked for', () => {
    const got = impersonate({ name: 'ann', groups: ['admins', 'system:authenticated'] }, raw(['impersonate-user', 'bob']), authorize);
    assert.deepEqual(got?.user, { name: 'bob', groups: ['system:authenticated'] });
    assert.equal(got?.impersonator.name, 'ann');
  });

  it('adds system:authenticated unless the groups asked for hold it or system:unauthenticated; anonymous gets system:unauthenticated', () => {
    const as = (...pairs: [string, string][]) => impersonate(user('root'), raw(...pairs), authorize)?.user.groups;
    assert.deepEqual(as(['Impersonate-User', 'bob'], ['Impersonate-Group', 'system:authenticated']), ['system:authenticated']);
    assert.deepEqual(as(['Impersonate-User', 'bob'], ['Impersonate-Group', 'system:unauthenticated']), ['system:unauthenticated']);
    assert.deepEqual(as(['Impersonate-User', 'system:anonymous']), ['system:unauthenticated']);
  });

  it("refuses a user without the impersonate verb, with kube-apiserver's message", () => {
    rejected(
      () => impersonate(user('eve'), raw(['Impersonate-User', 'bob']), authorize),
      'Forbidden',
      'users "bob" is forbidden: User "eve" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    assert.throws(
      () => impersonate(user('eve'), raw(['Impersonate-User', 'bob']), authorize),
      (e) => isApiError(e) && e.status.details?.name === 'bob' && e.status.details.kind === 'users' && e.status.details.group === '',
    );
  });

  it('checks every group: allowed on the user but not on a group is 403 for that group', () => {
    rejected(
      () => impersonate(user('ann'), raw(['Impersonate-User', 'bob'], ['Impersonate-Group', 'ops']), authorize),
      'Forbidden',
      'groups "ops" is forbidden: User "ann" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
    // Named grants: bob and devs only.
    assert.deepEqual(impersonate(user('bea'), raw(['Impersonate-User', 'bob'], ['Impersonate-Group', 'devs']), authorize)?.user.groups, [
      'devs',
      'system:authenticated',
    ]);
    rejected(
      () => impersonate(user('bea'), raw(['Impersonate-User', 'bob'], ['Impersonate-Group', 'devs'], ['Impersonate-Group', 'system:masters']), authorize),
      'Forbidden',
      'groups "system:masters" is forbidden: User "bea" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
    rejected(
      () => impersonate(user('bea'), raw(['Impersonate-User', 'carl']), authorize),
      'Forbidden',
      'users "carl" is forbidden: User "bea" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it('keeps repeated group headers apart, and never splits one on commas (Node would join them with ", ")', () => {
    const got = impersonate(user('root'), raw(['Impersonate-User', 'bob'], ['Impersonate-Group', 'cn=a,ou=b'], ['impersonate-group', 'c']), authorize);
    assert.deepEqual(got?.user.groups, ['cn=a,ou=b', 'c', 'system:authenticated']);
  });

  it("refuses groups, extras or a uid without a user: 400 with kube-apiserver's message", () => {
    rejected(
      () => impersonate(user('root'), raw(['Impersonate-Group', 'devs']), authorize),
      'BadRequest',
      'requested [{Group  devs    }] without impersonating a user',
    );
    rejected(
      () => impersonate(user('root'), raw(['Impersonate-Group', 'a'], ['Impersonate-Extra-Scopes', 'r'], ['Impersonate-Uid', 'u-1']), undefined),
      'BadRequest',
      'requested [{Group  a    } {UserExtra  r  authentication.k8s.io/v1  scopes} {UID  u-1  authentication.k8s.io/v1  }] without impersonating a user',
    );
    rejected(
      () => impersonate(user('root'), raw(['Impersonate-User', ''], ['Impersonate-Uid', 'u-1']), authorize),
      'BadRequest',
      'requested [{UID  u-1  authentication.k8s.io/v1  }] without impersonating a user',
    );
  });

  it('checks each extra value on userextras/<key> and the uid on uids, in authentication.k8s.io', () => {
    const got = impersonate(user('cat'), raw(['Impersonate-User', 'bob'], ['Impersonate-Extra-Scopes', 'read'], ['Impersonate-Uid', 'u-1']), authorize);
    assert.deepEqual(got?.user, { name: 'bob', uid: 'u-1', groups: ['system:authenticated'], extra: { scopes: ['read'] } });
    rejected(
      () => impersonate(user('cat'), raw(['Impersonate-User', 'bob'], ['Impersonate-Extra-Scopes', 'read'], ['Impersonate-Extra-Scopes', 'write']), authorize),
      'Forbidden',
      'userextras.authentication.k8s.io "write" is forbidden: User "cat" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
    rejected(
      () => impersonate(user('cat'), raw(['Impersonate-User', 'bob'], ['Impersonate-Uid', 'u-2']), authorize),
      'Forbidden',
      'uids.authentication.k8s.io "u-2" is forbidden: User "cat" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    );
    rejected(
      () => impersonate(user('ann'), raw(['Impersonate-User', 'bob'], ['Impersonate-Extra-Scopes', 'read']), authorize),
      'Forbidden',
      'userextras.authentication.k8s.io "read" is forbidden: User "ann" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  it('lower-cases then percent-decodes extra keys, and gathers repeated keys in order', () => {
    const got = impersonate(
      user('root'),
      raw(
        ['Impersonate-User', 'bob'],
        ['Impersonate-Extra-Example.com%2FScopes', 'a'],
        ['impersonate-extra-example.com%2fscopes', 'b'],
        ['Impersonate-Extra-Bad%zz', 'c'],
        ['Impersonate-Extra-__proto__', 'd'],
      ),
      authorize,
    );
    const extra = got?.user.extra ?? {};
    assert.deepEqual(Object.keys(extra), ['example.com/scopes', 'bad%zz', '__proto__']);
    assert.deepEqual(extra['example.com/scopes'], ['a', 'b']);
    assert.deepEqual(extra['bad%zz'], ['c']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value, ['d']);
  });

  it('checks a service account on serviceaccounts in its namespace, and gives it its groups', () => {
    const sa = 'system:serviceaccount:team:builder';
    const got = impersonate(user('dan'), raw(['Impersonate-User', sa]), authorize);
    assert.deepEqual(got?.user, { name: sa, groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] });
    rejected(
      () => impersonate(user('dan'), raw(['Impersonate-User', 'system:serviceaccount:other:builder']), authorize),
      'Forbidden',
      'serviceaccounts "builder" is forbidden: User "dan" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "other"',
    );
    // A user allowed on "users" may not act as a service account through them.
    rejected(
      () => impersonate(user('ann'), raw(['Impersonate-User', sa]), authorize),
      'Forbidden',
      'serviceaccounts "builder" is forbidden: User "ann" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team"',
    );
    // Groups asked for replace the service account's own (system:authenticated aside).
    assert.deepEqual(impersonate(user('root'), raw(['Impersonate-User', sa], ['Impersonate-Group', 'devs']), authorize)?.user.groups, [
      'devs',
      'system:authenticated',
    ]);
  });

  it('treats a malformed service-account name as a plain user, as serviceaccount.SplitUsername does', () => {
    assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:team:builder'), { namespace: 'team', name: 'builder' });
    for (const bad of ['system:serviceaccount:team', 'system:serviceaccount:a:b:c', 'system:serviceaccount:Team:b', 'system:serviceaccount::b'])
      assert.equal(splitServiceAccountUsername(bad), undefined, bad);
    assert.deepEqual(parseImpersonationHeaders(raw(['Impersonate-User', 'system:serviceaccount:a:b:c'])), [
      { kind: 'User', name: 'system:serviceaccount:a:b:c' },
    ]);
  });

  it("allows everything without an authorizer, and takes the first Impersonate-User like Go's Header.Get", () => {
    const got = impersonate(user('eve'), raw(['Impersonate-User', 'bob'], ['Impersonate-User', 'root']), undefined);
    assert.deepEqual(got, { user: { name: 'bob', groups: ['system:authenticated'] }, impersonator: user('eve') });
  });
});
