/** `kubectl get events` columns, as kube-apiserver prints them. */
import { ageOf } from '../../../api/age.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { Event } from '../../../apis/core/event.js';

const lastSeen = (e: Event) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? undefined;

export const eventColumns: TableColumn<Event>[] = [
  {
    name: 'Last Seen',
    type: 'string',
    description: 'The time at which the most recent occurrence of this event was recorded.',
    priority: 0,
    cell: (e, now) => ageOf(lastSeen(e), now),
  },
  { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning).', priority: 0, cell: (e) => e.type ?? '' },
  { name: 'Reason', type: 'string', description: 'A short, machine understandable reason.', priority: 0, cell: (e) => e.reason ?? '' },
  {
    name: 'Object',
    type: 'string',
    description: 'The object that this event is about.',
    priority: 0,
    cell: (e) => `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
  },
  { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.', priority: 0, cell: (e) => e.message ?? '' },
  {
    name: 'Source',
    type: 'string',
    description: 'The component reporting this event.',
    priority: 1,
    cell: (e) => e.source?.component ?? e.reportingComponent ?? '',
  },
  { name: 'Count', type: 'integer', description: 'The number of times this event has occurred.', priority: 1, cell: (e) => e.count ?? 1 },
];
