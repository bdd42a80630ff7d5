/** Secret rules: stringData folded into data, type immutable, data frozen once `immutable`. */
import { fieldErr } from '../../../api/errors.js';
import type { Strategy } from '../../../api/strategy.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import { foldStringData, validateSecretData, type Secret } from '../../../apis/core/secret.js';

const meta = { namespaced: true, validateName: nameIsDNSSubdomain } as const;

export function createSecretStrategy(): Strategy<Secret> {
  return {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForCreate: foldStringData,
    validate: (s) => [...validateObjectMeta(s.metadata, meta), ...validateSecretData(s)],
    prepareForUpdate: (s) => foldStringData(s),
    validateUpdate(s, old) {
      const errs = [...validateObjectMetaUpdate(s.metadata, old.metadata), ...validateSecretData(s)];
      if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(fieldErr.invalid('type', s.type, 'field is immutable'));
      if (old.immutable) {
        if (JSON.stringify(s.data ?? {}) !== JSON.stringify(old.data ?? {}))
          errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
        if (!s.immutable) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
      }
      return errs;
    },
  };
}
