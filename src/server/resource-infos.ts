/**
 * What each served resource is called and how it is scoped: the facts discovery, OpenAPI, routing
 * and error messages share. Verbs listed here are what the handlers implement.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ResourceInfo, Verb } from '../api/resource-info.js';
import { Image, ImageStream } from '../apis/image/schema.js';
import {
  ImageSecretList,
  ImageSignatureKind,
  ImageStreamImage,
  ImageStreamImport,
  ImageStreamLayers,
  ImageStreamMapping,
  ImageStreamTag,
  ImageTag,
} from '../apis/image/virtual-schemas.js';
import { ClusterImageConfig } from '../apis/config/schema.js';
import { Namespace } from '../apis/core/namespace.js';
import { Secret } from '../apis/core/secret.js';
import { ConfigMap } from '../apis/core/configmap.js';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../apis/rbac/schema.js';
import { SelfSubjectAccessReview, SelfSubjectReview } from '../apis/authz/reviews.js';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: readonly Verb[] = ['get', 'patch', 'update'];
const TAG_VERBS: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update'];
/** What the image stream views share: namespaced views in image.openshift.io/v1 without subresources. */
const IMAGE_VIEW = {
  group: 'image.openshift.io',
  version: 'v1',
  namespaced: true,
  shortNames: [] as readonly string[],
  categories: [] as readonly string[],
  subresources: [],
} as const;

function rbac(resource: string, singular: string, kind: string, namespaced: boolean, schema: TSchema): ResourceInfo {
  return {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource,
    singular,
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    schema,
  };
}

function review(group: string, resource: string, singular: string, kind: string, schema: TSchema): ResourceInfo {
  return { group, version: 'v1', resource, singular, kind, listKind: `${kind}List`, namespaced: false, shortNames: [], categories: [], verbs: ['create'], subresources: [], schema };
}

export const RESOURCES = {
  namespaces: {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: STATUS_VERBS, schema: Namespace }],
    selectableFields: ['status.phase'],
    schema: Namespace,
  },
  secrets: {
    group: '',
    version: 'v1',
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    listKind: 'SecretList',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    selectableFields: ['type'],
    schema: Secret,
  },
  configmaps: {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    schema: ConfigMap,
  },
  clusterImageConfigs: {
    group: 'config.openshift.io',
    version: 'v1',
    resource: 'images',
    singular: 'image',
    kind: 'Image',
    listKind: 'ImageList',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [{ name: 'status', kind: 'Image', verbs: STATUS_VERBS, schema: ClusterImageConfig }],
    schema: ClusterImageConfig,
  },
  images: {
    group: 'image.openshift.io',
    version: 'v1',
    resource: 'images',
    singular: 'image',
    kind: 'Image',
    listKind: 'ImageList',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    schema: Image,
  },
  imagestreams: {
    group: 'image.openshift.io',
    version: 'v1',
    resource: 'imagestreams',
    singular: 'imagestream',
    kind: 'ImageStream',
    listKind: 'ImageStreamList',
    namespaced: true,
    shortNames: ['is'],
    categories: ['all'],
    verbs: ALL_VERBS,
    subresources: [
      { name: 'status', kind: 'ImageStream', verbs: STATUS_VERBS, schema: ImageStream },
      { name: 'layers', kind: 'ImageStreamLayers', verbs: ['get'], schema: ImageStreamLayers },
      { name: 'secrets', kind: 'SecretList', verbs: ['get'], schema: ImageSecretList },
    ],
    selectableFields: ['spec.dockerImageRepository', 'status.dockerImageRepository'],
    schema: ImageStream,
  },
  imagestreamtags: {
    ...IMAGE_VIEW,
    resource: 'imagestreamtags',
    singular: 'imagestreamtag',
    kind: 'ImageStreamTag',
    listKind: 'ImageStreamTagList',
    shortNames: ['istag'],
    verbs: TAG_VERBS,
    schema: ImageStreamTag,
  },
  imagetags: {
    ...IMAGE_VIEW,
    resource: 'imagetags',
    singular: 'imagetag',
    kind: 'ImageTag',
    listKind: 'ImageTagList',
    shortNames: ['itag'],
    verbs: TAG_VERBS,
    schema: ImageTag,
  },
  imagestreamimages: {
    ...IMAGE_VIEW,
    resource: 'imagestreamimages',
    singular: 'imagestreamimage',
    kind: 'ImageStreamImage',
    listKind: 'ImageStreamImageList',
    shortNames: ['isimage'],
    verbs: ['get'],
    schema: ImageStreamImage,
  },
  imagestreammappings: {
    ...IMAGE_VIEW,
    resource: 'imagestreammappings',
    singular: 'imagestreammapping',
    kind: 'ImageStreamMapping',
    listKind: 'ImageStreamMappingList',
    verbs: ['create'],
    schema: ImageStreamMapping,
  },
  imagestreamimports: {
    ...IMAGE_VIEW,
    resource: 'imagestreamimports',
    singular: 'imagestreamimport',
    kind: 'ImageStreamImport',
    listKind: 'ImageStreamImportList',
    verbs: ['create'],
    schema: ImageStreamImport,
  },
  imagesignatures: {
    ...IMAGE_VIEW,
    namespaced: false,
    resource: 'imagesignatures',
    singular: 'imagesignature',
    kind: 'ImageSignature',
    listKind: 'ImageSignatureList',
    verbs: ['create', 'delete'],
    schema: ImageSignatureKind,
  },
  roles: rbac('roles', 'role', 'Role', true, Role),
  rolebindings: rbac('rolebindings', 'rolebinding', 'RoleBinding', true, RoleBinding),
  clusterroles: rbac('clusterroles', 'clusterrole', 'ClusterRole', false, ClusterRole),
  clusterrolebindings: rbac('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false, ClusterRoleBinding),
  selfsubjectaccessreviews: review('authorization.k8s.io', 'selfsubjectaccessreviews', 'selfsubjectaccessreview', 'SelfSubjectAccessReview', SelfSubjectAccessReview),
  selfsubjectreviews: review('authentication.k8s.io', 'selfsubjectreviews', 'selfsubjectreview', 'SelfSubjectReview', SelfSubjectReview),
} as const satisfies Record<string, ResourceInfo>;
