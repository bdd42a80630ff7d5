/** Event rules: the involved object lives in the event's namespace; the rest is the reporter's to say. */
import { fieldErr, type FieldError } from '../../../api/errors.js';
import type { Strategy } from '../../../api/strategy.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import type { Event } from '../../../apis/core/event.js';

const meta = { namespaced: true, validateName: nameIsDNSSubdomain } as const;

function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = e.involvedObject.namespace;
  if (ns && ns !== e.metadata.namespace) errs.push(fieldErr.invalid('involvedObject.namespace', ns, 'does not match event.namespace'));
  if (e.type && e.type !== 'Normal' && e.type !== 'Warning') errs.push(fieldErr.notSupported('type', e.type, ['Normal', 'Warning']));
  return errs;
}

export function createEventStrategy(): Strategy<Event> {
  return {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForCreate: () => undefined,
    validate: (e) => [...validateObjectMeta(e.metadata, meta), ...validateEvent(e)],
    prepareForUpdate: () => undefined,
    validateUpdate: (e, old) => [...validateObjectMetaUpdate(e.metadata, old.metadata), ...validateEvent(e)],
  };
}
