/** SelfSubjectReview (`kubectl auth whoami`): tells the requesting user who the server thinks they are. */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject } from '../../api/meta.js';

export const SelfSubjectReview = named(
  'io.k8s.api.authentication.v1.SelfSubjectReview',
  Type.Object(
    {
      ...objectHeader(),
      status: Type.Optional(
        Type.Object(
          {
            userInfo: Type.Optional(
              Type.Object(
                {
                  username: Type.Optional(Type.String({ description: 'The name that uniquely identifies this user among all active users.' })),
                  uid: Type.Optional(Type.String({ description: 'A unique value that identifies this user across time.' })),
                  groups: Type.Optional(Type.Array(Type.String(), { description: 'The names of groups this user is a part of.' })),
                },
                { description: 'User attributes of the user making this request.' },
              ),
            ),
          },
          { description: 'Status is filled in by the server with the user attributes.' },
        ),
      ),
    },
    { description: 'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.' },
  ),
);
export type SelfSubjectReview = Static<typeof SelfSubjectReview> & KubeObject;
