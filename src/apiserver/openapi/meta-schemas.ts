/** The apimachinery types every OpenAPI document references: Status, DeleteOptions, Patch, WatchEvent. */
import { Type } from '@sinclair/typebox';
import { API_VERSION_DESCRIPTION, KIND_DESCRIPTION, LIST_METADATA_DESCRIPTION, ListMeta, named } from '../../api/meta.js';

export const STATUS_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

const Status = named(
  STATUS_REF,
  Type.Object(
    {
      apiVersion: Type.Optional(Type.String({ description: API_VERSION_DESCRIPTION })),
      kind: Type.Optional(Type.String({ description: KIND_DESCRIPTION })),
      metadata: Type.Optional({ ...ListMeta, description: LIST_METADATA_DESCRIPTION }),
      status: Type.Optional(Type.String({ description: 'Status of the operation. One of: "Success" or "Failure".' })),
      message: Type.Optional(Type.String({ description: 'A human-readable description of the status of this operation.' })),
      reason: Type.Optional(Type.String({ description: 'A machine-readable description of why this operation is in the "Failure" status.' })),
      details: Type.Optional(Type.Unknown({ description: 'Extended data associated with the reason.' })),
      code: Type.Optional(Type.Integer({ description: 'Suggested HTTP return code for this status, 0 if not set.' })),
    },
    { description: "Status is a return value for calls that don't return other objects." },
  ),
);

const DeleteOptions = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  Type.Object(
    {
      apiVersion: Type.Optional(Type.String({ description: API_VERSION_DESCRIPTION })),
      kind: Type.Optional(Type.String({ description: KIND_DESCRIPTION })),
      dryRun: Type.Optional(
        Type.Array(Type.String(), { description: 'When present, indicates that modifications should not be persisted. Valid value: All.' }),
      ),
      gracePeriodSeconds: Type.Optional(Type.Integer({ description: 'The duration in seconds before the object should be deleted.' })),
      preconditions: Type.Optional(
        Type.Object(
          {
            uid: Type.Optional(Type.String({ description: 'Specifies the target UID.' })),
            resourceVersion: Type.Optional(Type.String({ description: 'Specifies the target ResourceVersion' })),
          },
          { description: 'Must be fulfilled before a deletion is carried out.' },
        ),
      ),
      propagationPolicy: Type.Optional(
        Type.String({ description: "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'." }),
      ),
    },
    { description: 'DeleteOptions may be provided when deleting an API object.' },
  ),
);

const Patch = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  Type.Object({}, { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' }),
);

const WatchEvent = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  Type.Object(
    {
      type: Type.String({ description: 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.' }),
      object: Type.Unknown({ description: 'Object is the object that changed, or a Status for ERROR.' }),
    },
    { description: 'Event represents a single event to a watched resource.' },
  ),
);

export const META_SCHEMAS = [Status, DeleteOptions, Patch, WatchEvent];
