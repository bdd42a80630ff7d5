/** `kubectl auth whoami`: a create-only kind that answers with the requesting user, storing nothing. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { SelfSubjectReview } from '../../../apis/authentication/reviews.js';

export function createSelfSubjectReviewHandler(info: ResourceInfo): ResourceHandler<SelfSubjectReview> {
  return {
    info,
    async create(ctx: RequestContext) {
      return {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
        status: { userInfo: { username: ctx.user.name, ...(ctx.user.uid ? { uid: ctx.user.uid } : {}), groups: [...ctx.user.groups] } },
      };
    },
  };
}
