/**
 * Schemas of the apimachinery meta types (ObjectMeta, ListMeta, Status…) shared by every kind.
 * Schemas are TypeBox (plain JSON Schema) so one declaration feeds request validation, the
 * OpenAPI documents and the TypeScript types. A schema that is a named OpenAPI definition carries
 * its definition name in `x-definition-name`; the OpenAPI builder turns nested occurrences into
 * `$ref`s, everything else sees plain inline schemas.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const DEFINITION_NAME = 'x-definition-name';
export const DEFINITION_DESCRIPTION = 'x-definition-description';

/** Marks a schema as a named OpenAPI definition. */
export function named<T extends TSchema>(definitionName: string, schema: T): T {
  // The type's own description is kept apart: a field that reuses the type may override `description`.
  return { ...schema, [DEFINITION_NAME]: definitionName, [DEFINITION_DESCRIPTION]: schema.description ?? '' };
}

export const StringMap = Type.Record(Type.String(), Type.String());

export const Time = Type.String({
  format: 'date-time',
  description:
    'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.',
});

export const ManagedFieldsEntry = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry',
  Type.Object(
    {
      manager: Type.Optional(Type.String({ description: 'Manager is an identifier of the workflow managing these fields.' })),
      operation: Type.Optional(
        Type.String({
          description:
            "Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'.",
        }),
      ),
      apiVersion: Type.Optional(Type.String({ description: 'APIVersion defines the version of this resource that this field set applies to.' })),
      time: Type.Optional({ ...Time, description: 'Time is the timestamp of when the ManagedFields entry was added.' }),
      fieldsType: Type.Optional(
        Type.String({
          description: 'FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"',
        }),
      ),
      fieldsV1: Type.Optional(Type.Unknown({ description: 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.' })),
      subresource: Type.Optional(
        Type.String({
          description:
            'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.',
        }),
      ),
    },
    { description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.' },
  ),
);

export const OwnerReference = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
  Type.Object(
    {
      apiVersion: Type.String({ description: 'API version of the referent.' }),
      kind: Type.String({ description: 'Kind of the referent.' }),
      name: Type.String({ description: 'Name of the referent.' }),
      uid: Type.String({ description: 'UID of the referent.' }),
      controller: Type.Optional(Type.Boolean({ description: 'If true, this reference points to the managing controller.' })),
      blockOwnerDeletion: Type.Optional(
        Type.Boolean({
          description:
            'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.',
        }),
      ),
    },
    {
      description: 'OwnerReference contains enough information to let you identify an owning object.',
      'x-kubernetes-map-type': 'atomic',
    },
  ),
);

export const ObjectMeta = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  Type.Object(
    {
      name: Type.Optional(
        Type.String({
          description:
            'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
        }),
      ),
      generateName: Type.Optional(
        Type.String({
          description: 'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.',
        }),
      ),
      namespace: Type.Optional(
        Type.String({
          description:
            'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace, but "default" is the canonical representation. Cannot be updated.',
        }),
      ),
      selfLink: Type.Optional(Type.String({ description: 'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.' })),
      uid: Type.Optional(
        Type.String({
          description:
            'UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations. Populated by the system. Read-only.',
        }),
      ),
      resourceVersion: Type.Optional(
        Type.String({
          description:
            'An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Populated by the system. Read-only.',
        }),
      ),
      generation: Type.Optional(
        Type.Integer({
          format: 'int64',
          description: 'A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.',
        }),
      ),
      creationTimestamp: Type.Optional({
        ...Time,
        description: 'CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.',
      }),
      deletionTimestamp: Type.Optional({
        ...Time,
        description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Populated by the system. Read-only.',
      }),
      deletionGracePeriodSeconds: Type.Optional(
        Type.Integer({
          format: 'int64',
          description:
            'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.',
        }),
      ),
      labels: Type.Optional({
        ...StringMap,
        description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.',
      }),
      annotations: Type.Optional({
        ...StringMap,
        description:
          'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.',
      }),
      ownerReferences: Type.Optional(
        Type.Array(OwnerReference, {
          description: 'List of objects depended by this object.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['uid'],
        }),
      ),
      finalizers: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Must be empty before the object is deleted from the registry.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-list-type': 'set',
        }),
      ),
      managedFields: Type.Optional(
        Type.Array(ManagedFieldsEntry, {
          description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.',
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    {
      description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    },
  ),
);
export type ObjectMeta = Static<typeof ObjectMeta>;
export type ManagedFieldsEntry = Static<typeof ManagedFieldsEntry>;

export const ListMeta = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  Type.Object(
    {
      resourceVersion: Type.Optional(
        Type.String({
          description:
            "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed.",
        }),
      ),
      continue: Type.Optional(
        Type.String({
          description: 'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.',
        }),
      ),
      remainingItemCount: Type.Optional(
        Type.Integer({
          format: 'int64',
          description: 'remainingItemCount is the number of subsequent items in the list which are not included in this list response.',
        }),
      ),
      selfLink: Type.Optional(Type.String({ description: 'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.' })),
    },
    { description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.' },
  ),
);
export type ListMeta = Static<typeof ListMeta>;

/** Any API object: the generic registry only relies on these fields. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
export const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
/** The `metadata` field of a Kubernetes kind. */
export const OBJECT_METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
/** The `metadata` field of a list (and of Status). */
export const LIST_METADATA_DESCRIPTION =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/**
 * The `apiVersion`, `kind` and `metadata` properties every top-level kind starts with. A group whose
 * reference words the `metadata` field differently passes its text.
 */
export function objectHeader(metadataDescription: string = OBJECT_METADATA_DESCRIPTION) {
  return {
    apiVersion: Type.Optional(Type.String({ description: API_VERSION_DESCRIPTION })),
    kind: Type.Optional(Type.String({ description: KIND_DESCRIPTION })),
    metadata: Type.Optional({ ...ObjectMeta, description: metadataDescription }),
  };
}
