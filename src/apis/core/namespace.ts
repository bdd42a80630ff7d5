/**
 * core/v1 Namespace: cluster-scoped, DNS-1123 label names, phase Active until deletion marks it
 * Terminating. Served so `kubectl create namespace` works and namespaced objects have a home.
 */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject } from '../../api/meta.js';

export const NamespaceSpec = named(
  'io.k8s.api.core.v1.NamespaceSpec',
  Type.Object(
    {
      finalizers: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Finalizers is an opaque list of values that must be empty to permanently remove object from storage.',
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    { description: 'NamespaceSpec describes the attributes on a Namespace.' },
  ),
);

export const NamespaceStatus = named(
  'io.k8s.api.core.v1.NamespaceStatus',
  Type.Object(
    {
      phase: Type.Optional(Type.String({ description: 'Phase is the current lifecycle phase of the namespace.', enum: ['Active', 'Terminating'] })),
    },
    { description: 'NamespaceStatus is information about the current status of a Namespace.' },
  ),
);

export const Namespace = named(
  'io.k8s.api.core.v1.Namespace',
  Type.Object(
    {
      ...objectHeader(),
      spec: Type.Optional({
        ...NamespaceSpec,
        description:
          'Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
      }),
      status: Type.Optional({
        ...NamespaceStatus,
        description:
          'Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
      }),
    },
    { description: 'Namespace provides a scope for Names. Use of multiple namespaces is optional.' },
  ),
);
export type Namespace = Static<typeof Namespace> & KubeObject;
