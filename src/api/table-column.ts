/**
 * One server-side printing column (metav1.TableColumnDefinition plus how to compute its cell).
 * NAME is always the first column and is added by the table converter.
 */
export interface TableColumn<T> {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string;
  readonly description: string;
  /** 0: always shown; >0: only with `-o wide`. */
  readonly priority: number;
  cell(obj: T, now: Date): string | number | boolean | null;
}
