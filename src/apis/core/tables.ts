/** `kubectl get` columns of the core kinds, as kube-apiserver's printers show them. */
import { ageOf } from '../../api/age.js';
import type { TableColumn } from '../../api/table-column.js';
import type { KubeObject } from '../../schema/meta.js';

interface WithPhase extends KubeObject {
  status?: { phase?: string };
}
interface WithData extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

const age = <T extends KubeObject>(): TableColumn<T> => ({
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
  priority: 0,
  cell: (obj, now) => ageOf(obj.metadata.creationTimestamp, now),
});

export const namespaceColumns: TableColumn<WithPhase>[] = [
  {
    name: 'Status',
    type: 'string',
    description: 'The status of the namespace',
    priority: 0,
    cell: (ns) => ns.status?.phase ?? '',
  },
  age(),
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
  age(),
];

export const configMapColumns: TableColumn<WithData>[] = [
  {
    name: 'Data',
    type: 'integer',
    description: 'The number of entries in the config map',
    priority: 0,
    cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
  },
  age(),
];
