/** `kubectl get secrets` columns, as kube-apiserver prints them. */
import { ageColumn, type TableColumn } from '../../../api/table-column.js';
import type { Secret } from '../../../apis/core/secret.js';

export const secretColumns: TableColumn<Secret>[] = [
  { name: 'Type', type: 'string', description: 'The type of the secret', priority: 0, cell: (s) => s.type ?? '' },
  {
    name: 'Data',
    type: 'integer',
    description: 'The number of entries in the secret',
    priority: 0,
    cell: (s) => Object.keys(s.data ?? {}).length,
  },
  ageColumn(),
];
