/** Namespace rules: created Active with the kubernetes finalizer; status and finalize views of it. */
import { fieldErr, type FieldError } from '../../../api/errors.js';
import type { Strategy } from '../../../api/strategy.js';
import { nameIsDNSLabel, validateObjectMeta, validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import type { Namespace } from '../../../apis/core/namespace.js';

const meta = { namespaced: false, validateName: nameIsDNSLabel } as const;

function validatePhase(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase;
  return phase === undefined || phase === 'Active' || phase === 'Terminating' ? [] : [fieldErr.notSupported('status.phase', phase, ['Active', 'Terminating'])];
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
