/** SelfSubjectAccessReview (`kubectl auth can-i`): asks whether the requesting user may do something. */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject } from '../../api/meta.js';

const attrs = {
  namespace: Type.Optional(Type.String({ description: 'Namespace is the namespace of the action being requested.' })),
  verb: Type.Optional(
    Type.String({ description: 'Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  "*" means all.' }),
  ),
  group: Type.Optional(Type.String({ description: 'Group is the API Group of the Resource.  "*" means all.' })),
  version: Type.Optional(Type.String({ description: 'Version is the API Version of the Resource.  "*" means all.' })),
  resource: Type.Optional(Type.String({ description: 'Resource is one of the existing resource types.  "*" means all.' })),
  subresource: Type.Optional(Type.String({ description: 'Subresource is one of the existing resource types.  "" means none.' })),
  name: Type.Optional(
    Type.String({ description: 'Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.' }),
  ),
};

export const SelfSubjectAccessReview = named(
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  Type.Object(
    {
      // Kubernetes' own text for this kind's metadata (it does say "list").
      ...objectHeader('Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      spec: Type.Object(
        {
          resourceAttributes: Type.Optional(
            Type.Object(attrs, { description: 'ResourceAuthorizationAttributes describes information for a resource access request' }),
          ),
          nonResourceAttributes: Type.Optional(
            Type.Object(
              {
                path: Type.Optional(Type.String({ description: 'Path is the URL path of the request' })),
                verb: Type.Optional(Type.String({ description: 'Verb is the standard HTTP verb' })),
              },
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
