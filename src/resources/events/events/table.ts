/** `kubectl get events.events.k8s.io` columns: core's, read from this version's fields. */
import type { TableColumn } from '../../../api/table-column.js';
import { eventToCore, type EventV1 } from '../../../apis/events/event.js';
import { eventColumns } from '../../core/events/table.js';

export const eventV1Columns: TableColumn<EventV1>[] = eventColumns.map((c) => ({ ...c, cell: (e, now) => c.cell(eventToCore(e), now) }));
