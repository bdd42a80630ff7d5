/**
 * The roles a fresh server starts with, like kube-apiserver's and OpenShift's bootstrap policy:
 * cluster-admin, admin, edit, view, the image roles (pull, push, build, registry integrator,
 * signer), and what every authenticated user may do (discovery, OpenAPI, asking what they may do).
 * Created when missing; an administrator's later edits are kept.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../apis/rbac/schema.js';

const IMAGE = 'image.openshift.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const IMAGE_RESOURCES = [
  'imagestreams',
  'imagestreams/status',
  'imagestreams/layers',
  'imagestreamtags',
  'imagetags',
  'imagestreamimages',
  'imagestreamimports',
  'imagestreammappings',
];

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });

function role(name: string, rules: PolicyRule[]): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    rules,
  };
}

export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  role('cluster-admin', [rule(['*'], ['*'], ['*']), { verbs: ['*'], nonResourceURLs: ['*'] }]),
  role('admin', [
    rule([IMAGE], [...IMAGE_RESOURCES, 'imagestreams/secrets'], [...READ, ...WRITE]),
    rule([''], ['secrets', 'configmaps'], [...READ, ...WRITE]),
    rule([''], ['events'], READ),
    rule(['events.k8s.io'], ['events'], READ),
    rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], [...READ, ...WRITE]),
  ]),
  role('edit', [
    rule([IMAGE], [...IMAGE_RESOURCES, 'imagestreams/secrets'], [...READ, ...WRITE]),
    rule([''], ['secrets', 'configmaps'], [...READ, ...WRITE]),
    rule([''], ['events'], READ),
    rule(['events.k8s.io'], ['events'], READ),
  ]),
  role('view', [
    rule([IMAGE], ['imagestreams', 'imagestreams/status', 'imagestreamtags', 'imagetags', 'imagestreamimages'], READ),
    rule([''], ['configmaps', 'events'], READ),
    rule(['events.k8s.io'], ['events'], READ),
  ]),
  role('system:image-puller', [rule([IMAGE], ['imagestreams/layers'], ['get'])]),
  role('system:image-pusher', [rule([IMAGE], ['imagestreams/layers'], ['get', 'update'])]),
  role('system:image-builder', [rule([IMAGE], ['imagestreams/layers'], ['get', 'update']), rule([IMAGE], ['imagestreams'], ['create'])]),
  role('system:registry', [
    rule([IMAGE], ['images'], [...READ, 'create', 'delete']),
    rule([IMAGE], ['imagestreamimages', 'imagestreamtags', 'imagestreams', 'imagestreams/secrets'], ['get', 'list']),
    rule([IMAGE], ['imagestreammappings'], ['create']),
  ]),
  role('system:image-signer', [rule([IMAGE], ['images', 'imagestreams/layers'], ['get']), rule([IMAGE], ['imagesignatures'], ['create', 'delete'])]),
  role('system:discovery', [
    {
      verbs: ['get'],
      nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/', '/healthz', '/livez', '/readyz'],
    },
  ]),
  role('system:basic-user', [
    rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
    rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
  ]),
];

function binding(name: string, role: string, group: string): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group }],
  };
}

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', 'system:masters'),
  binding('system:discovery', 'system:discovery', 'system:authenticated'),
  binding('system:basic-user', 'system:basic-user', 'system:authenticated'),
];
