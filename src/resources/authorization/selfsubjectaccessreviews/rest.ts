/** `kubectl auth can-i`: a create-only kind answered by the authorizer, storing nothing. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { Authorizer } from '../../../auth/rbac-authorizer.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { SelfSubjectAccessReview } from '../../../apis/authorization/reviews.js';

export function createSelfSubjectAccessReviewHandler(info: ResourceInfo, authorize: Authorizer): ResourceHandler<SelfSubjectAccessReview> {
  const expected = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' };
  return {
    info,
    async create(ctx: RequestContext, body, req) {
      const review = decodeBody<SelfSubjectAccessReview>(body, info.schema, expected, ctx, req);
      const r = review.spec.resourceAttributes;
      const n = review.spec.nonResourceAttributes;
      const decision = r
        ? authorize(ctx.user, {
            verb: r.verb ?? '',
            resourceRequest: true,
            apiGroup: r.group ?? '',
            resource: r.resource ?? '',
            ...(r.subresource ? { subresource: r.subresource } : {}),
            ...(r.namespace ? { namespace: r.namespace } : {}),
            ...(r.name ? { name: r.name } : {}),
          })
        : authorize(ctx.user, { verb: n?.verb ?? '', resourceRequest: false, path: n?.path ?? '' });
      return { ...review, ...expected, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } };
    },
  };
}
