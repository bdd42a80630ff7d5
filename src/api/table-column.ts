/**
 * One server-side printing column (metav1.TableColumnDefinition plus how to compute its cell).
 * NAME is always the first column and is added by the table converter.
 */
import { ageOf } from './age.js';
export interface TableColumn<T> {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string;
  readonly description: string;
  /** 0: always shown; >0: only with `-o wide`. */
  readonly priority: number;
  cell(obj: T, now: Date): string | number | boolean | null;
}

/** The AGE column of kubectl: time since creation, in its short form ("5m", "3d"). */
export function ageColumn<T extends { metadata: { creationTimestamp?: string } }>(): TableColumn<T> {
  return {
    name: 'Age',
    type: 'string',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
    priority: 0,
    cell: (obj, now) => ageOf(obj.metadata.creationTimestamp, now),
  };
}
