/**
 * Server-side printing: objects → meta.k8s.io Table, the response kubectl asks for on `get`.
 * NAME comes first, then the kind's columns (or AGE when the kind has none).
 */
import { ageColumn, type TableColumn } from '../../api/table-column.js';
import type { KubeObject } from '../../api/meta.js';

export interface TableOptions {
  readonly version: 'v1' | 'v1beta1';
  readonly includeObject: 'None' | 'Metadata' | 'Object';
  readonly listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
} as const;

export function toTable<T extends KubeObject>(columns: readonly TableColumn<T>[] | undefined, objects: readonly T[], opts: TableOptions, now: Date): object {
  const cols: readonly TableColumn<T>[] = columns ?? [ageColumn<T>()];
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: opts.listMeta ?? {},
    columnDefinitions: [
      NAME_COLUMN,
      ...cols.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description,
        priority: c.priority,
      })),
    ],
    rows: objects.map((obj) => ({
      cells: [obj.metadata.name ?? '', ...cols.map((c) => c.cell(obj, now))],
      ...(opts.includeObject === 'None'
        ? {}
        : {
            object:
              opts.includeObject === 'Object' ? obj : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${opts.version}`, metadata: obj.metadata },
          }),
    })),
  };
}
