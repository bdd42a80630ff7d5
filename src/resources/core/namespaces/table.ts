/** `kubectl get namespaces` columns, as kube-apiserver prints them. */
import { ageColumn, type TableColumn } from '../../../api/table-column.js';
import type { Namespace } from '../../../apis/core/namespace.js';

export const namespaceColumns: TableColumn<Namespace>[] = [
  {
    name: 'Status',
    type: 'string',
    description: 'The status of the namespace',
    priority: 0,
    cell: (ns) => ns.status?.phase ?? '',
  },
  ageColumn(),
];
