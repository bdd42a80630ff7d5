/** Field presence of events.k8s.io/v1, from k8s.io/api's `json` tags (see api/presence.ts). */
import type { PresenceTable } from '../../api/presence.js';
import { CORE_PRESENCE } from '../core/presence.js';

const V1 = 'io.k8s.api.events.v1';

export const EVENTS_PRESENCE: PresenceTable = {
  // Timestamps are metav1.Time and MicroTime structs: Go writes a zero one as null.
  [`${V1}.Event`]: {
    always: { eventTime: null, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null },
    structs: ['regarding', 'deprecatedSource'],
    omitEmpty: ['reportingController', 'reportingInstance', 'action', 'reason', 'note', 'type', 'deprecatedCount'],
    omitNil: ['series', 'related'],
  },
  [`${V1}.EventSeries`]: { always: { count: 0, lastObservedTime: null } },
  // regarding, related and deprecatedSource are core's types.
  ...CORE_PRESENCE,
};
