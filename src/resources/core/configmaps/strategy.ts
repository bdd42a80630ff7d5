/** ConfigMap rules: keys and size checked on every write, data frozen once `immutable`. */
import { fieldErr } from '../../../api/errors.js';
import type { Strategy } from '../../../api/strategy.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import { validateConfigMapData, type ConfigMap } from '../../../apis/core/configmap.js';

const meta = { namespaced: true, validateName: nameIsDNSSubdomain } as const;

export function createConfigMapStrategy(): Strategy<ConfigMap> {
  return {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForCreate: () => undefined,
    validate: (c) => [...validateObjectMeta(c.metadata, meta), ...validateConfigMapData(c)],
    prepareForUpdate: () => undefined,
    validateUpdate(c, old) {
      const errs = [...validateObjectMetaUpdate(c.metadata, old.metadata), ...validateConfigMapData(c)];
      if (old.immutable) {
        if (JSON.stringify([c.data ?? {}, c.binaryData ?? {}]) !== JSON.stringify([old.data ?? {}, old.binaryData ?? {}]))
          errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
        if (!c.immutable) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
      }
      return errs;
    },
  };
}
