/** selfsubjectaccessreviews.authorization.k8s.io: `kubectl auth can-i`, answered by the authorizer. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { SelfSubjectAccessReview } from '../../../apis/authorization/reviews.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { decodeSelfSubjectAccessReview } from './protobuf.js';
import { createSelfSubjectAccessReviewHandler } from './rest.js';

export const selfSubjectAccessReviewsInfo: ResourceInfo = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ['create'],
  subresources: [],
  schema: SelfSubjectAccessReview,
};

export const selfSubjectAccessReviews: ResourceDefinition = {
  infos: [selfSubjectAccessReviewsInfo],
  install(api) {
    api.serve({
      ...createSelfSubjectAccessReviewHandler(selfSubjectAccessReviewsInfo, api.need('authorize')),
      protobuf: decodeSelfSubjectAccessReview,
    } as ResourceHandler);
  },
};
