/**
 * metadata.managedFields bookkeeping. Every write records who set which fields: a create or update
 * (operation Update) takes the fields it changed away from other managers; server-side apply
 * (operation Apply, see apply.ts) owns exactly its applied configuration.
 */
import type { TSchema } from '@sinclair/typebox';
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.js';
import { rfc3339 } from '../../api/object-meta.js';
import { fieldSetOf, fromFieldsV1, toFieldsV1, valueAt, type FieldSet } from './field-set.js';

export interface ManagerSet {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

export function readManagers(obj: KubeObject | undefined): ManagerSet[] {
  return (obj?.metadata.managedFields ?? []).map((e) => ({
    manager: e.manager ?? '',
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: e.apiVersion ?? '',
    ...(e.subresource ? { subresource: e.subresource } : {}),
    ...(e.time ? { time: e.time } : {}),
    set: fromFieldsV1(e.fieldsV1),
  }));
}

export function writeManagers(managers: ManagerSet[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.set.size > 0)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

export function sameEntry(m: ManagerSet, manager: string, operation: string, subresource: string | undefined): boolean {
  return m.manager === manager && m.operation === operation && (m.subresource ?? '') === (subresource ?? '');
}

/** Paths whose values differ between two objects (present in either). */
function changedPaths(live: KubeObject | undefined, next: KubeObject, schema: TSchema, subresource?: string): FieldSet {
  const after = fieldSetOf(next, schema, subresource);
  if (!live) return after;
  const out: FieldSet = new Set();
  for (const p of after) if (JSON.stringify(valueAt(live, p)) !== JSON.stringify(valueAt(next, p))) out.add(p);
  return out;
}

export interface UpdateManagedFieldsArgs {
  readonly live: KubeObject | undefined;
  readonly next: KubeObject;
  readonly manager: string;
  readonly operation: 'Update';
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly now: Date;
  readonly schema: TSchema;
}

export function updateManagedFields(a: UpdateManagedFieldsArgs): ManagedFieldsEntry[] {
  // Clients may send managedFields back (kubectl edit/replace); the stored bookkeeping wins unless
  // they explicitly cleared it.
  const source = a.live ?? a.next;
  let managers = readManagers(source);
  const changed = changedPaths(a.live, a.next, a.schema, a.subresource);
  const present = fieldSetOf(a.next, a.schema, a.subresource);
  const time = rfc3339(a.now);
  managers = managers.map((m) => {
    const set = new Set([...m.set].filter((p) => !changed.has(p) && (present.has(p) || isOtherScope(m, a.subresource))));
    return { ...m, set };
  });
  if (changed.size > 0) {
    let mine = managers.find((m) => sameEntry(m, a.manager, 'Update', a.subresource));
    if (!mine) {
      mine = { manager: a.manager, operation: 'Update', apiVersion: a.apiVersion, ...(a.subresource ? { subresource: a.subresource } : {}), set: new Set() };
      managers.push(mine);
    }
    for (const p of changed) mine.set.add(p);
    mine.time = time;
    mine.apiVersion = a.apiVersion;
  }
  return writeManagers(managers);
}

/** An entry recorded through another scope (status vs main) is not touched by this write. */
function isOtherScope(m: ManagerSet, subresource: string | undefined): boolean {
  return (m.subresource ?? '') !== (subresource ?? '');
}
