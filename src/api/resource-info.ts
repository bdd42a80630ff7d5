/**
 * What the API machinery knows about one served resource: enough for routing, discovery,
 * OpenAPI, tables and error messages. Verbs are derived from what the handler implements.
 */
import type { TSchema } from '@sinclair/typebox';

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
  /** Field selector keys beyond metadata.name/metadata.namespace. */
  readonly selectableFields?: readonly string[];
  /** Schema of the kind (TypeBox / JSON Schema with x-kubernetes-* extensions). */
  readonly schema: TSchema;
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
