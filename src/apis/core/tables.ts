/** `kubectl get` columns of the core kinds, as kube-apiserver's printers show them. */
import { ageColumn, type TableColumn } from '../../api/table-column.js';
import type { KubeObject } from '../../schema/meta.js';

interface WithPhase extends KubeObject {
  status?: { phase?: string };
}
interface WithData extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export const namespaceColumns: TableColumn<WithPhase>[] = [
  {
    name: 'Status',
    type: 'string',
    description: 'The status of the namespace',
    priority: 0,
    cell: (ns) => ns.status?.phase ?? '',
  },
  ageColumn(),
];

export const secretColumns: TableColumn<WithData>[] = [
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

export const configMapColumns: TableColumn<WithData>[] = [
  {
    name: 'Data',
    type: 'integer',
    description: 'The number of entries in the config map',
    priority: 0,
    cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
  },
  ageColumn(),
];
