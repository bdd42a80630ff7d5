/** `kubectl auth can-i`: a create-only kind answered by the authorizer, storing nothing. */
import { GoValue } from '../../../api/go-syntax.js';
import { fieldErr, invalid } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';

const KIND = { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' };
import type { RequestContext } from '../../../api/strategy.js';
import type { Authorizer } from '../../../auth/rbac-authorizer.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import { GO_NON_RESOURCE_ATTRIBUTES, type SelfSubjectAccessReview } from '../../../apis/authorization/reviews.js';

export function createSelfSubjectAccessReviewHandler(info: ResourceInfo, authorize: Authorizer): ResourceHandler<SelfSubjectAccessReview> {
  const expected = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' };
  return {
    info,
    async create(ctx: RequestContext, body, req) {
      const review = decodeBody<SelfSubjectAccessReview>(body, info.schema, expected, ctx, req);
      const r = review.spec.resourceAttributes;
      const n = review.spec.nonResourceAttributes;
      // Exactly one kind of attributes, as kube-apiserver's validation requires.
      if (r && n)
        throw invalid(KIND, '', [
          fieldErr.invalid(
            'spec.nonResourceAttributes',
            new GoValue(GO_NON_RESOURCE_ATTRIBUTES, n),
            'cannot be specified in combination with resourceAttributes',
          ),
        ]);
      if (!r && !n)
        throw invalid(KIND, '', [
          fieldErr.invalid(
            'spec.resourceAttributes',
            new GoValue(GO_NON_RESOURCE_ATTRIBUTES, n),
            'exactly one of nonResourceAttributes or resourceAttributes must be specified',
          ),
        ]);
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
