/** rbac.authorization.k8s.io/v1: roles, cluster roles and their bindings. */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject } from '../../api/meta.js';

const strings = (description: string) => Type.Optional(Type.Array(Type.String(), { description, 'x-kubernetes-list-type': 'atomic' }));

export const PolicyRule = named(
  'io.k8s.api.rbac.v1.PolicyRule',
  Type.Object(
    {
      verbs: Type.Array(Type.String(), {
        description: "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.",
        'x-kubernetes-list-type': 'atomic',
      }),
      apiGroups: strings(
        'APIGroups is the name of the APIGroup that contains the resources. "" represents the core API group and "*" represents all API groups.',
      ),
      resources: strings("Resources is a list of resources this rule applies to. '*' represents all resources; 'resource/subresource' a subresource."),
      resourceNames: strings('ResourceNames is an optional white list of names that the rule applies to. An empty set means that everything is allowed.'),
      nonResourceURLs: strings(
        'NonResourceURLs is a set of partial urls that a user should have access to. *s are allowed, but only as the full, final step in the path.',
      ),
    },
    {
      description:
        'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
    },
  ),
);
export type PolicyRule = Static<typeof PolicyRule>;

export const Subject = named(
  'io.k8s.api.rbac.v1.Subject',
  Type.Object(
    {
      kind: Type.String({ description: 'Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount".' }),
      apiGroup: Type.Optional(Type.String({ description: 'APIGroup holds the API group of the referenced subject.' })),
      name: Type.String({ description: 'Name of the object being referenced.' }),
      namespace: Type.Optional(Type.String({ description: 'Namespace of the referenced object (ServiceAccount only).' })),
    },
    { description: 'Subject contains a reference to the object or user identities a role binding applies to.', 'x-kubernetes-map-type': 'atomic' },
  ),
);
export type Subject = Static<typeof Subject>;

export const RoleRef = named(
  'io.k8s.api.rbac.v1.RoleRef',
  Type.Object(
    {
      apiGroup: Type.String({ description: 'APIGroup is the group for the resource being referenced' }),
      kind: Type.String({ description: 'Kind is the type of resource being referenced' }),
      name: Type.String({ description: 'Name is the name of resource being referenced' }),
    },
    { description: 'RoleRef contains information that points to the role being used', 'x-kubernetes-map-type': 'atomic' },
  ),
);

const rules = Type.Optional(Type.Array(PolicyRule, { description: 'Rules holds all the PolicyRules for this Role', 'x-kubernetes-list-type': 'atomic' }));
const subjects = Type.Optional(
  Type.Array(Subject, { description: 'Subjects holds references to the objects the role applies to.', 'x-kubernetes-list-type': 'atomic' }),
);
/** RBAC words the `metadata` field of its kinds so. */
const header = () => objectHeader("Standard object's metadata.");

export const Role = named(
  'io.k8s.api.rbac.v1.Role',
  Type.Object(
    { ...header(), rules },
    { description: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.' },
  ),
);
export const ClusterRole = named(
  'io.k8s.api.rbac.v1.ClusterRole',
  Type.Object(
    { ...header(), rules },
    { description: 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.' },
  ),
);
export const RoleBinding = named(
  'io.k8s.api.rbac.v1.RoleBinding',
  Type.Object(
    {
      ...header(),
      subjects,
      roleRef: {
        ...RoleRef,
        description:
          'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
      },
    },
    {
      description:
        'RoleBinding references a role, but does not contain it. It can reference a Role in the same namespace or a ClusterRole in the global namespace.',
    },
  ),
);
export const ClusterRoleBinding = named(
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
  Type.Object(
    {
      ...header(),
      subjects,
      roleRef: {
        ...RoleRef,
        description:
          'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
      },
    },
    {
      description:
        'ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
    },
  ),
);
export type Role = Static<typeof Role> & KubeObject;
export type ClusterRole = Static<typeof ClusterRole> & KubeObject;
export type RoleBinding = Static<typeof RoleBinding> & KubeObject;
export type ClusterRoleBinding = Static<typeof ClusterRoleBinding> & KubeObject;
