/**
 * What kube-apiserver checks of an event created through events.k8s.io/v1, on top of core's
 * rules: the reporter says who it is and what happened, and the deprecated core fields stay unset.
 */
import { fieldErr, type FieldError } from '../../api/errors.js';
import type { EventV1 } from './event.js';

export function validateEventV1Create(e: EventV1): FieldError[] {
  const errs: FieldError[] = [];
  if (!e.eventTime) errs.push(fieldErr.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fieldErr.invalid('type', '', `has invalid value: ${e.type ?? ''}`));
  for (const f of ['reportingController', 'reportingInstance', 'action', 'reason'] as const) if (!e[f]) errs.push(fieldErr.required(f));
  if (e.deprecatedFirstTimestamp) errs.push(fieldErr.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (e.deprecatedLastTimestamp) errs.push(fieldErr.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (e.deprecatedCount) errs.push(fieldErr.invalid('deprecatedCount', '', 'needs to be unset'));
  if (e.deprecatedSource?.component || e.deprecatedSource?.host) errs.push(fieldErr.invalid('deprecatedSource', '', 'needs to be unset'));
  if ((e.note?.length ?? 0) > 1024) errs.push(fieldErr.tooLong('note', '', 1024));
  return errs;
}
