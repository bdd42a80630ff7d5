/** SelfSubjectAccessReview (`kubectl auth can-i`): asks whether the requesting user may do something. */
import type { GoType } from '../../api/go-syntax.js';
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

const strings = (description: string) => Type.Optional(Type.Array(Type.String(), { description }));

/** SelfSubjectRulesReview (`kubectl auth can-i --list`): every rule that applies to the requesting user in a namespace. */
export const SelfSubjectRulesReview = named(
  'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  Type.Object(
    {
      ...objectHeader('Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      spec: Type.Object(
        { namespace: Type.Optional(Type.String({ description: 'Namespace to evaluate rules for. Required.' })) },
        { description: 'Spec holds information about the request being evaluated.' },
      ),
      status: Type.Optional(
        Type.Object(
          {
            resourceRules: Type.Union(
              [
                Type.Array(
                  Type.Object(
                    {
                      verbs: Type.Array(Type.String(), {
                        description: 'Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all.',
                      }),
                      apiGroups: strings(
                        'APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed.  "*" means all.',
                      ),
                      resources: strings('Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.'),
                      resourceNames: strings(
                        'ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.  "*" means all.',
                      ),
                    },
                    { description: 'ResourceRule is the list of actions the subject is allowed to perform on resources.' },
                  ),
                ),
                Type.Null(),
              ],
              {
                description:
                  "ResourceRules is the list of actions the subject is allowed to perform on resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.",
              },
            ),
            nonResourceRules: Type.Union(
              [
                Type.Array(
                  Type.Object(
                    {
                      verbs: Type.Array(Type.String(), {
                        description: 'Verb is a list of kubernetes non-resource API verbs, like: get, post, put, delete, patch, head, options.  "*" means all.',
                      }),
                      nonResourceURLs: strings(
                        'NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.  "*" means all.',
                      ),
                    },
                    { description: 'NonResourceRule holds information that describes a rule for the non-resource' },
                  ),
                ),
                Type.Null(),
              ],
              {
                description:
                  "NonResourceRules is the list of actions the subject is allowed to perform on non-resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.",
              },
            ),
            incomplete: Type.Boolean({
              description:
                "Incomplete is true when the rules returned by this call are incomplete. This is most commonly encountered when an authorizer, such as an external authorizer, doesn't support rules evaluation.",
            }),
            evaluationError: Type.Optional(
              Type.String({
                description:
                  "EvaluationError can appear in combination with Rules. It indicates an error occurred during rule evaluation, such as an authorizer that doesn't support rule evaluation, and that ResourceRules and/or NonResourceRules may be incomplete.",
              }),
            ),
          },
          { description: 'Status is filled in by the server and indicates the set of actions a user can perform.' },
        ),
      ),
    },
    {
      description:
        "SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace. The returned list of actions may be incomplete depending on the server's authorization mode, and any errors experienced during the evaluation. SelfSubjectRulesReview should be used by UIs to show/hide actions, or to quickly let an end user reason about their permissions. It should NOT Be used by external systems to drive authorization decisions as this raises confused deputy, cache lifetime/revocation, and correctness concerns. SubjectAccessReview, and LocalAccessReview are the correct way to defer authorization decisions to the API server.",
    },
  ),
);
export type SelfSubjectRulesReview = Static<typeof SelfSubjectRulesReview> & KubeObject;

/** How kube-apiserver's validation prints a NonResourceAttributes in a field error (see api/go-syntax.ts). */
export const GO_NON_RESOURCE_ATTRIBUTES: GoType = {
  pointer: {
    struct: 'authorization.NonResourceAttributes',
    fields: [
      ['Path', 'path', 'string'],
      ['Verb', 'verb', 'string'],
    ],
  },
};
