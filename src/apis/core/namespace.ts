/**
 * core/v1 Namespace: cluster-scoped, DNS-1123 label names, phase Active until deletion marks it
 * Terminating. Served so `kubectl create namespace` works and namespaced objects have a home.
 */
import { Type, type Static } from '@sinclair/typebox';
import { fieldErr, type FieldError } from '../../api/errors.js';
import type { Strategy } from '../../api/strategy.js';
import { nameIsDNSLabel, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/object-meta.js';
import { named, objectHeader, type KubeObject } from '../../schema/meta.js';

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
    { ...objectHeader(), spec: Type.Optional(NamespaceSpec), status: Type.Optional(NamespaceStatus) },
    { description: 'Namespace provides a scope for Names. Use of multiple namespaces is optional.' },
  ),
);
export type Namespace = Static<typeof Namespace> & KubeObject;

const meta = { namespaced: false, validateName: nameIsDNSLabel } as const;

function validatePhase(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase;
  return phase === undefined || phase === 'Active' || phase === 'Terminating'
    ? []
    : [fieldErr.notSupported('status.phase', phase, ['Active', 'Terminating'])];
}

export function createNamespaceStrategies(): { main: Strategy<Namespace>; status: Strategy<Namespace>; finalize: Strategy<Namespace> } {
  const base = { namespaced: false, allowCreateOnUpdate: false, allowUnconditionalUpdate: true } as const;
  const main: Strategy<Namespace> = {
    ...base,
    prepareForCreate(obj) {
      obj.status = { phase: 'Active' };
      obj.spec = { finalizers: ['kubernetes'] };
    },
    validate: (obj) => validateObjectMeta(obj.metadata, meta),
    prepareForUpdate(obj, old) {
      obj.status = old.status ?? { phase: 'Active' };
      obj.spec = old.spec ?? {};
      if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    },
    validateUpdate: (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  };
  const status: Strategy<Namespace> = {
    ...main,
    prepareForUpdate(obj, old) {
      obj.spec = old.spec ?? {};
      obj.metadata.labels = old.metadata.labels ?? {};
      if (!old.metadata.labels) delete obj.metadata.labels;
    },
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validatePhase(obj)],
  };
  // The server's own transition to Terminating (namespace deletion); nothing else may use it.
  const finalize: Strategy<Namespace> = { ...main, prepareForUpdate: () => undefined, validateUpdate: () => [] };
  return { main, status, finalize };
}
