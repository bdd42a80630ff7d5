/** `kubectl get configmaps` columns, as kube-apiserver prints them. */
import { ageColumn, type TableColumn } from '../../../api/table-column.js';
import type { ConfigMap } from '../../../apis/core/configmap.js';

export const configMapColumns: TableColumn<ConfigMap>[] = [
  {
    name: 'Data',
    type: 'integer',
    description: 'The number of entries in the config map',
    priority: 0,
    cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
  },
  ageColumn(),
];
