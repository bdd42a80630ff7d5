/** selfsubjectreviews.authentication.k8s.io: `kubectl auth whoami`. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { SelfSubjectReview } from '../../../apis/authentication/reviews.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { createSelfSubjectReviewHandler } from './rest.js';

export const selfSubjectReviewsInfo: ResourceInfo = {
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview',
  listKind: 'SelfSubjectReviewList',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ['create'],
  subresources: [],
  schema: SelfSubjectReview,
};

export const selfSubjectReviews: ResourceDefinition = {
  infos: [selfSubjectReviewsInfo],
  install(api) {
    // `kubectl auth whoami` sends an empty review in protobuf: nothing to decode beyond metadata.
    api.serve({ ...createSelfSubjectReviewHandler(selfSubjectReviewsInfo), protobuf: () => ({}) } as ResourceHandler);
  },
};
