/**
 * User impersonation, as kube-apiserver's WithImpersonation filter does it:
 * `kubectl --as=bob --as-group=devs` sends `Impersonate-User`, `Impersonate-Group` (repeatable),
 * `Impersonate-Uid` and `Impersonate-Extra-<key>` (repeatable) headers. Every requested attribute
 * must be allowed to the authenticated user with the `impersonate` verb; then the request runs as
 * the impersonated user, and the caller keeps the real requester for the audit log.
 *
 * Headers are read from Node's `rawHeaders` (name, value, name, value, …), not `req.headers`:
 * Node joins repeated unknown headers with ", ", so `Impersonate-Group: a,b` + `Impersonate-Group: c`
 * would be indistinguishable from three groups. Go's http.Header (kube) keeps each header line as
 * one value and never splits on commas; so do we.
 */
import { accessDenied, badRequest, type ApiError } from '../api/errors.js';
import type { UserInfo } from '../api/strategy.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation/object-meta.js';
import { forbiddenMessage, type Attributes, type Authorizer } from './rbac-authorizer.js';

export const IMPERSONATE_USER_HEADER = 'Impersonate-User';
export const IMPERSONATE_GROUP_HEADER = 'Impersonate-Group';
export const IMPERSONATE_UID_HEADER = 'Impersonate-Uid';
export const IMPERSONATE_EXTRA_HEADER_PREFIX = 'Impersonate-Extra-';

const USER = IMPERSONATE_USER_HEADER.toLowerCase();
const GROUP = IMPERSONATE_GROUP_HEADER.toLowerCase();
const UID = IMPERSONATE_UID_HEADER.toLowerCase();
const EXTRA = IMPERSONATE_EXTRA_HEADER_PREFIX.toLowerCase();

const AUTHENTICATION_GROUP = 'authentication.k8s.io';
const AUTHENTICATION_V1 = `${AUTHENTICATION_GROUP}/v1`;
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const ANONYMOUS = 'system:anonymous';
const ALL_AUTHENTICATED = 'system:authenticated';
const ALL_UNAUTHENTICATED = 'system:unauthenticated';

/** The outcome of a request that asked to impersonate someone, and was allowed to. */
export interface Impersonation {
  /** Who the request now runs as: authorize, admit and record ownership with this user. */
  readonly user: UserInfo;
  /** Who authenticated and asked to act as `user` (the audit event's `user`; `user` is its `impersonatedUser`). */
  readonly impersonator: UserInfo;
}

/** One attribute asked for, in the order kube checks them (user, groups, extras, uid). */
export type ImpersonationRequest =
  | { readonly kind: 'User'; readonly name: string }
  | { readonly kind: 'ServiceAccount'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'Group'; readonly name: string }
  | { readonly kind: 'UserExtra'; readonly key: string; readonly value: string }
  | { readonly kind: 'UID'; readonly name: string };

/** serviceaccount.SplitUsername: `system:serviceaccount:<ns>:<name>` with a valid namespace and name. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace = '', name = ''] = parts;
  if (isDNS1123Label(namespace).length > 0 || isDNS1123Subdomain(name).length > 0) return undefined;
  return { namespace, name };
}

/** kube lower-cases the key, then percent-decodes it; a malformed escape keeps the key as sent. */
function extraKey(encoded: string): string {
  const lower = encoded.toLowerCase();
  try {
    return decodeURIComponent(lower);
  } catch {
    return lower;
  }
}

/** Go's `%v` of the []v1.ObjectReference kube builds, for the "without impersonating a user" message. */
function goObjectReferences(requests: readonly ImpersonationRequest[]): string {
  // ObjectReference fields, in order: Kind Namespace Name UID APIVersion ResourceVersion FieldPath.
  const ref = (r: ImpersonationRequest): string[] => {
    switch (r.kind) {
      case 'User':
        return ['User', '', r.name, '', '', '', ''];
      case 'ServiceAccount':
        return ['ServiceAccount', r.namespace, r.name, '', '', '', ''];
      case 'Group':
        return ['Group', '', r.name, '', '', '', ''];
      case 'UserExtra':
        return ['UserExtra', '', r.value, '', AUTHENTICATION_V1, '', r.key];
      case 'UID':
        return ['UID', '', r.name, '', AUTHENTICATION_V1, '', ''];
    }
  };
  return `[${requests.map((r) => `{${ref(r).join(' ')}}`).join(' ')}]`;
}

/**
 * The impersonation requests in the raw header pairs, or [] when there are none. Like Go's
 * `Header.Get`, the first `Impersonate-User` / `Impersonate-Uid` line wins; an empty value counts
 * as absent for those two, but an empty group or extra value is still a request (as in kube).
 * Throws 400 when groups, extras or a uid are asked for without a user.
 */
export function parseImpersonationHeaders(rawHeaders: readonly string[]): ImpersonationRequest[] {
  let user: string | undefined;
  let uid: string | undefined;
  const groups: string[] = [];
  const extras = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    if (!name.startsWith('impersonate-')) continue;
    const value = rawHeaders[i + 1] ?? '';
    if (name === USER) user ??= value;
    else if (name === UID) uid ??= value;
    else if (name === GROUP) groups.push(value);
    else if (name.startsWith(EXTRA)) {
      const key = extraKey(name.slice(EXTRA.length));
      const values = extras.get(key);
      if (values) values.push(value);
      else extras.set(key, [value]);
    }
  }

  const requests: ImpersonationRequest[] = [];
  const hasUser = user !== undefined && user !== '';
  if (hasUser) {
    const sa = splitServiceAccountUsername(user ?? '');
    requests.push(sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: user ?? '' });
  }
  for (const g of groups) requests.push({ kind: 'Group', name: g });
  for (const [key, values] of extras) for (const value of values) requests.push({ kind: 'UserExtra', key, value });
  if (uid !== undefined && uid !== '') requests.push({ kind: 'UID', name: uid });

  if (!hasUser && requests.length > 0) throw badRequest(`requested ${goObjectReferences(requests)} without impersonating a user`);
  return requests;
}

function attributesOf(r: ImpersonationRequest): Attributes {
  const base = { verb: 'impersonate', resourceRequest: true } as const;
  switch (r.kind) {
    case 'User':
      return { ...base, apiGroup: '', resource: 'users', name: r.name };
    case 'ServiceAccount':
      return { ...base, apiGroup: '', resource: 'serviceaccounts', namespace: r.namespace, name: r.name };
    case 'Group':
      return { ...base, apiGroup: '', resource: 'groups', name: r.name };
    case 'UserExtra':
      return { ...base, apiGroup: AUTHENTICATION_GROUP, resource: 'userextras', subresource: r.key, name: r.value };
    case 'UID':
      return { ...base, apiGroup: AUTHENTICATION_GROUP, resource: 'uids', name: r.name };
  }
}

/** responsewriters.Forbidden: NewForbidden(group/resource, name, forbiddenMessage[: reason]). */
function denied(requester: UserInfo, a: Attributes, reason: string): ApiError {
  const message = forbiddenMessage(requester, a);
  return accessDenied(reason ? `${message}: ${reason}` : message, {
    ...(a.name ? { name: a.name } : {}),
    group: a.apiGroup ?? '',
    kind: a.resource ?? '',
  });
}

/**
 * Applies the request's impersonation headers. Returns undefined when there are none (the request
 * runs as `requester`); otherwise the impersonated user and the requester. Throws 400 BadRequest for
 * groups/extras/uid without a user, and 403 Forbidden for the first attribute `requester` may not
 * impersonate. With no authorizer (HTTP-layer tests: everyone may do everything), everything is
 * allowed.
 *
 * `rawHeaders` is Node's `req.rawHeaders` (fastify: `request.raw.rawHeaders`).
 */
export function impersonate(requester: UserInfo, rawHeaders: readonly string[], authorize: Authorizer | undefined): Impersonation | undefined {
  const requests = parseImpersonationHeaders(rawHeaders);
  if (requests.length === 0) return undefined;

  // Groups, when asked for, are the whole list (system:authenticated aside); otherwise a service
  // account gets the groups its tokens carry.
  const groupsSpecified = requests.some((r) => r.kind === 'Group');
  let username = '';
  let uid: string | undefined;
  let groups: string[] = [];
  const extra = new Map<string, string[]>(); // a Map: keys come from the client (`__proto__` included)
  for (const r of requests) {
    const attrs = attributesOf(r);
    if (authorize) {
      const decision = authorize(requester, attrs);
      if (!decision.allowed) throw denied(requester, attrs, decision.reason);
    }
    switch (r.kind) {
      case 'ServiceAccount':
        username = `${SERVICE_ACCOUNT_PREFIX}${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        username = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        extra.set(r.key, [...(extra.get(r.key) ?? []), r.value]);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
  }

  if (username !== ANONYMOUS) {
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }

  const user: UserInfo = {
    name: username,
    ...(uid !== undefined ? { uid } : {}),
    groups,
    ...(extra.size > 0 ? { extra: Object.fromEntries(extra) } : {}),
  };
  return { user, impersonator: requester };
}
