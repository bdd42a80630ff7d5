/**
 * SelfSubjectAccessReview (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`):
 * create-only kinds that answer about the requesting user and store nothing.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ResourceInfo } from '../../api/resource-info.js';
import type { RequestContext } from '../../api/strategy.js';
import type { Authorizer } from '../../auth/rbac-authorizer.js';
import { decodeBody } from '../../registry/decode-body.js';
import type { ResourceHandler } from '../../registry/handler.js';
import { named, objectHeader, type KubeObject } from '../../schema/meta.js';

const attrs = {
  namespace: Type.Optional(Type.String({ description: 'Namespace is the namespace of the action being requested.' })),
  verb: Type.Optional(Type.String({ description: 'Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  "*" means all.' })),
  group: Type.Optional(Type.String({ description: 'Group is the API Group of the Resource.  "*" means all.' })),
  version: Type.Optional(Type.String({ description: 'Version is the API Version of the Resource.  "*" means all.' })),
  resource: Type.Optional(Type.String({ description: 'Resource is one of the existing resource types.  "*" means all.' })),
  subresource: Type.Optional(Type.String({ description: 'Subresource is one of the existing resource types.  "" means none.' })),
  name: Type.Optional(Type.String({ description: 'Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.' })),
};

export const SelfSubjectAccessReview = named(
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  Type.Object(
    {
      ...objectHeader(),
      spec: Type.Object(
        {
          resourceAttributes: Type.Optional(Type.Object(attrs, { description: 'ResourceAuthorizationAttributes describes information for a resource access request' })),
          nonResourceAttributes: Type.Optional(
            Type.Object(
              { path: Type.Optional(Type.String({ description: 'Path is the URL path of the request' })), verb: Type.Optional(Type.String({ description: 'Verb is the standard HTTP verb' })) },
              { description: 'NonResourceAttributes describes information for a non-resource access request' },
            ),
          ),
        },
        { description: 'Spec holds information about the request being evaluated.  user and groups must be empty' },
      ),
      status: Type.Optional(
        Type.Object(
          {
            allowed: Type.Boolean({ description: 'Allowed is required. True if the action would be allowed, false otherwise.' }),
            denied: Type.Optional(Type.Boolean({ description: 'Denied is optional. True if the action would be denied, otherwise false.' })),
            reason: Type.Optional(Type.String({ description: 'Reason is optional.  It indicates why a request was allowed or denied.' })),
          },
          { description: 'Status is filled in by the server and indicates whether the request is allowed or not' },
        ),
      ),
    },
    { description: 'SelfSubjectAccessReview checks whether or the current user can perform an action.' },
  ),
);
export type SelfSubjectAccessReview = Static<typeof SelfSubjectAccessReview> & KubeObject;

export const SelfSubjectReview = named(
  'io.k8s.api.authentication.v1.SelfSubjectReview',
  Type.Object(
    {
      ...objectHeader(),
      status: Type.Optional(
        Type.Object(
          {
            userInfo: Type.Optional(
              Type.Object(
                {
                  username: Type.Optional(Type.String({ description: 'The name that uniquely identifies this user among all active users.' })),
                  uid: Type.Optional(Type.String({ description: 'A unique value that identifies this user across time.' })),
                  groups: Type.Optional(Type.Array(Type.String(), { description: 'The names of groups this user is a part of.' })),
                },
                { description: 'User attributes of the user making this request.' },
              ),
            ),
          },
          { description: 'Status is filled in by the server with the user attributes.' },
        ),
      ),
    },
    { description: 'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.' },
  ),
);
export type SelfSubjectReview = Static<typeof SelfSubjectReview> & KubeObject;

export function createSelfSubjectAccessReviewHandler(info: ResourceInfo, authorize: Authorizer): ResourceHandler<SelfSubjectAccessReview> {
  const expected = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' };
  return {
    info,
    async create(ctx: RequestContext, body, req) {
      const review = decodeBody<SelfSubjectAccessReview>(body, info.schema, expected, ctx, req);
      const r = review.spec.resourceAttributes;
      const n = review.spec.nonResourceAttributes;
      const decision = r
        ? authorize(ctx.user, {
            verb: r.verb ?? '',
            resourceRequest: true,
            apiGroup: r.group ?? '',
            resource: r.resource ?? '',
            ...(r.subresource ? { subresource: r.subresource } : {}),
            ...(r.namespace ? { namespace: r.namespace } : {}),
            ...(r.name ? { name: r.name } : {}),
          })
        : authorize(ctx.user, { verb: n?.verb ?? '', resourceRequest: false, path: n?.path ?? '' });
      return { ...review, ...expected, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } };
    },
  };
}

export function createSelfSubjectReviewHandler(info: ResourceInfo): ResourceHandler<SelfSubjectReview> {
  return {
    info,
    async create(ctx: RequestContext) {
      return {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
        status: { userInfo: { username: ctx.user.name, ...(ctx.user.uid ? { uid: ctx.user.uid } : {}), groups: [...ctx.user.groups] } },
      };
    },
  };
}
