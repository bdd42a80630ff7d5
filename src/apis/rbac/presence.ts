/** Field presence of rbac.authorization.k8s.io/v1, from k8s.io/api's `json` tags (see api/presence.ts). */
import type { PresenceTable } from '../../api/presence.js';

const V1 = 'io.k8s.api.rbac.v1';

export const RBAC_PRESENCE: PresenceTable = {
  [`${V1}.PolicyRule`]: { always: { verbs: null }, omitEmpty: ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] },
  [`${V1}.Subject`]: { always: { kind: '', name: '' }, omitEmpty: ['apiGroup', 'namespace'] },
  [`${V1}.RoleRef`]: { always: { apiGroup: '', kind: '', name: '' } },
  [`${V1}.Role`]: { always: { rules: null } },
  [`${V1}.ClusterRole`]: { always: { rules: null }, omitNil: ['aggregationRule'] },
  [`${V1}.RoleBinding`]: { structs: ['roleRef'], omitEmpty: ['subjects'] },
  [`${V1}.ClusterRoleBinding`]: { structs: ['roleRef'], omitEmpty: ['subjects'] },
};
