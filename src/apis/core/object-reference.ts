/** core/v1 ObjectReference: how image tags, events and others point at an object. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { named } from '../../api/meta.js';

const opt = <T extends TSchema>(s: T) => Type.Optional(s);

export const ObjectReference = named(
  'io.k8s.api.core.v1.ObjectReference',
  Type.Object(
    {
      kind: opt(Type.String({ description: 'Kind of the referent.' })),
      namespace: opt(Type.String({ description: 'Namespace of the referent.' })),
      name: opt(Type.String({ description: 'Name of the referent.' })),
      uid: opt(Type.String({ description: 'UID of the referent.' })),
      apiVersion: opt(Type.String({ description: 'API version of the referent.' })),
      resourceVersion: opt(Type.String({ description: 'Specific resourceVersion to which this reference is made, if any.' })),
      fieldPath: opt(
        Type.String({
          description: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
        }),
      ),
    },
    { description: 'ObjectReference contains enough information to let you inspect or modify the referred object.', 'x-kubernetes-map-type': 'atomic' },
  ),
);
export type ObjectReference = Static<typeof ObjectReference>;
