/** Validation of RBAC objects, as kube-apiserver does it: rules need verbs, bindings a valid, immutable roleRef. */
import { GoValue } from '../../api/go-syntax.js';
import { GO_ROLE_REF, GO_STRINGS } from '../../apis/rbac/go-types.js';
import { fieldErr, type FieldError } from '../../api/errors.js';
import type { Strategy } from '../../api/strategy.js';
import type { EscalationGuard } from '../../auth/escalation.js';
import { validateObjectMeta, validateObjectMetaUpdate, validatePathSegmentName } from '../../api/validation/object-meta.js';
import type { KubeObject } from '../../api/meta.js';
import type { ClusterRoleBinding, PolicyRule, RoleBinding, Subject } from '../../apis/rbac/schema.js';

const GROUP = 'rbac.authorization.k8s.io';

function validateRules(rules: readonly PolicyRule[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    if (!r.verbs || r.verbs.length === 0) errs.push(fieldErr.required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
    const resourceRule = (r.resources?.length ?? 0) > 0 || (r.apiGroups?.length ?? 0) > 0;
    if ((r.nonResourceURLs?.length ?? 0) > 0 && resourceRule)
      errs.push(
        fieldErr.invalid(
          `rules[${i}].nonResourceURLs`,
          new GoValue(GO_STRINGS, r.nonResourceURLs),
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    if (!(r.nonResourceURLs?.length ?? 0) && (!r.apiGroups?.length || !r.resources?.length)) {
      if (!r.apiGroups?.length) errs.push(fieldErr.required(`rules[${i}].apiGroups`, 'resource rules must supply at least one api group'));
      if (!r.resources?.length) errs.push(fieldErr.required(`rules[${i}].resources`, 'resource rules must supply at least one resource'));
    }
  });
  return errs;
}

function validateSubjects(subjects: readonly Subject[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (subjects ?? []).forEach((s, i) => {
    if (!s.name) errs.push(fieldErr.required(`subjects[${i}].name`));
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind))
      errs.push(fieldErr.notSupported(`subjects[${i}].kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
    if (s.kind === 'ServiceAccount' && !s.namespace) errs.push(fieldErr.required(`subjects[${i}].namespace`));
  });
  return errs;
}

function validateRoleRef(b: RoleBinding | ClusterRoleBinding, clusterOnly: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef;
  if (!ref?.name) errs.push(fieldErr.required('roleRef.name'));
  if (ref?.apiGroup !== GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [GROUP]));
  const kinds = clusterOnly ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref?.kind ?? '')) errs.push(fieldErr.notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  return errs;
}

/** `guard` is read late: the authorizer it needs is built from the stores these strategies serve. */
export function createRbacStrategies(guard: () => EscalationGuard | undefined = () => undefined): {
  role: Strategy<KubeObject & { rules?: PolicyRule[] }>;
  clusterRole: Strategy<KubeObject & { rules?: PolicyRule[] }>;
  roleBinding: Strategy<RoleBinding>;
  clusterRoleBinding: Strategy<ClusterRoleBinding>;
} {
  const roleStrategy = (namespaced: boolean): Strategy<KubeObject & { rules?: PolicyRule[] }> => ({
    namespaced,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    prepareForCreate: () => undefined,
    admit: (r, _old, ctx) =>
      guard()?.checkRole(ctx, namespaced ? 'roles' : 'clusterroles', r.metadata.name ?? '', namespaced ? r.metadata.namespace : undefined, r.rules),
    validate: (r) => [...validateObjectMeta(r.metadata, { namespaced, validateName: validatePathSegmentName }), ...validateRules(r.rules)],
    prepareForUpdate: () => undefined,
    validateUpdate: (r, old) => [...validateObjectMetaUpdate(r.metadata, old.metadata), ...validateRules(r.rules)],
  });
  const bindingStrategy = <T extends RoleBinding | ClusterRoleBinding>(namespaced: boolean): Strategy<T> => ({
    namespaced,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    prepareForCreate: () => undefined,
    admit: (b, _old, ctx) => guard()?.checkBinding(ctx, namespaced ? 'rolebindings' : 'clusterrolebindings', b, namespaced ? b.metadata.namespace : undefined),
    validate: (b) => [
      ...validateObjectMeta(b.metadata, { namespaced, validateName: validatePathSegmentName }),
      ...validateRoleRef(b, !namespaced),
      ...validateSubjects(b.subjects),
    ],
    prepareForUpdate: () => undefined,
    validateUpdate(b, old) {
      const errs = [...validateObjectMetaUpdate(b.metadata, old.metadata), ...validateSubjects(b.subjects)];
      if (JSON.stringify(b.roleRef) !== JSON.stringify(old.roleRef))
        errs.push(fieldErr.invalid('roleRef', new GoValue(GO_ROLE_REF, b.roleRef), 'cannot change roleRef'));
      return errs;
    },
  });
  return {
    role: roleStrategy(true),
    clusterRole: roleStrategy(false),
    roleBinding: bindingStrategy<RoleBinding>(true),
    clusterRoleBinding: bindingStrategy<ClusterRoleBinding>(false),
  };
}
