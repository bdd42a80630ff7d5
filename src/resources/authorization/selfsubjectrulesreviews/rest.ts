/** `kubectl auth can-i --list`: a create-only kind answered from the RBAC policy, storing nothing. */
import { fieldErr, invalid } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext, UserInfo } from '../../../api/strategy.js';
import type { PolicyRule } from '../../../apis/rbac/schema.js';
import type { SelfSubjectRulesReview } from '../../../apis/authorization/reviews.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';

export function createSelfSubjectRulesReviewHandler(
  info: ResourceInfo,
  rulesFor: (user: UserInfo, namespace: string) => PolicyRule[],
): ResourceHandler<SelfSubjectRulesReview> {
  const expected = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview' };
  return {
    info,
    async create(ctx: RequestContext, body, req) {
      const review = decodeBody<SelfSubjectRulesReview>(body, info.schema, expected, ctx, req);
      const namespace = review.spec.namespace ?? '';
      if (!namespace)
        throw invalid({ group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview' }, '', [fieldErr.required('spec.namespace', 'namespace is required')]);
      const rules = rulesFor(ctx.user, namespace);
      const resourceRules = rules
        .filter((r) => (r.resources?.length ?? 0) > 0)
        .map((r) => ({
          verbs: [...r.verbs],
          ...(r.apiGroups?.length ? { apiGroups: [...r.apiGroups] } : {}),
          ...(r.resources?.length ? { resources: [...r.resources] } : {}),
          ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}),
        }));
      const nonResourceRules = rules
        .filter((r) => (r.nonResourceURLs?.length ?? 0) > 0)
        .map((r) => ({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] }));
      return { ...review, ...expected, status: { resourceRules, nonResourceRules, incomplete: false } };
    },
  };
}
