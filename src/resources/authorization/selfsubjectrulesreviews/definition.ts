/** selfsubjectrulesreviews.authorization.k8s.io: `kubectl auth can-i --list`, answered from the RBAC policy. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { SelfSubjectRulesReview } from '../../../apis/authorization/reviews.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { decodeSelfSubjectRulesReview } from './protobuf.js';
import { createSelfSubjectRulesReviewHandler } from './rest.js';

export const selfSubjectRulesReviewsInfo: ResourceInfo = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  kind: 'SelfSubjectRulesReview',
  listKind: 'SelfSubjectRulesReviewList',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ['create'],
  subresources: [],
  schema: SelfSubjectRulesReview,
};

export const selfSubjectRulesReviews: ResourceDefinition = {
  infos: [selfSubjectRulesReviewsInfo],
  install(api) {
    api.serve({
      ...createSelfSubjectRulesReviewHandler(selfSubjectRulesReviewsInfo, api.need('rbacRules')),
      protobuf: decodeSelfSubjectRulesReview,
    } as ResourceHandler);
  },
};
