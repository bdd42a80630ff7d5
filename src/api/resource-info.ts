/**
 * What the API machinery knows about one served resource: enough for routing, discovery,
 * OpenAPI, tables and error messages. Verbs are derived from what the handler implements.
 */
import type { TSchema } from '@sinclair/typebox';
import { OBJECT_META_PRESENCE, type PresenceTable } from './presence.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface SubresourceInfo {
  /** `status`, `layers`, `secrets`. */
  readonly name: string;
  readonly kind: string;
  /** Group/version of the subresource's kind when it differs from the parent's. */
  readonly group?: string;
  readonly version?: string;
  readonly verbs: readonly Verb[];
  readonly schema: TSchema;
  /** For a subresource that answers with a list: the field selector keys of its items. */
  readonly selectableFields?: readonly string[];
}

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: `imagestreams`. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: readonly SubresourceInfo[];
  /**
   * Field selector keys beyond metadata.name/metadata.namespace: dotted paths into the object
   * (`status.phase`, `type`), read from the stored object; a missing value selects as "".
   */
  readonly selectableFields?: readonly string[];
  /**
   * Where the group comes in discovery, higher first (kube-apiserver's group priority): kubectl
   * resolves a resource name served by two groups to the first, so `images` can mean the image API's.
   */
  readonly groupPriority?: number;
  /** Field presence of the group's types (see presence.ts); ObjectMeta's applies to every kind. */
  readonly presence?: PresenceTable;
  /** Schema of the kind (TypeBox / JSON Schema with x-kubernetes-* extensions). */
  readonly schema: TSchema;
}

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** What a `status` subresource serves. */
export const STATUS_VERBS: readonly Verb[] = ['get', 'patch', 'update'];

/** The value of a dotted field path in an object, as field selectors compare it ("" when absent). */
export function fieldValue(obj: unknown, path: string): string {
  let v: unknown = obj;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** The presence rules of a kind's answers: ObjectMeta's and its group's. */
export function presenceOf(info: ResourceInfo): PresenceTable {
  return info.presence ? { ...OBJECT_META_PRESENCE, ...info.presence } : OBJECT_META_PRESENCE;
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
