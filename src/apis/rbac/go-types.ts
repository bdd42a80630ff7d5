/** The Go types kube-apiserver's RBAC validation prints in field errors (see api/go-syntax.ts). */
import type { GoType } from '../../api/go-syntax.js';

export const GO_ROLE_REF: GoType = {
  struct: 'rbac.RoleRef',
  fields: [
    ['APIGroup', 'apiGroup', 'string'],
    ['Kind', 'kind', 'string'],
    ['Name', 'name', 'string'],
  ],
};

export const GO_STRINGS: GoType = { slice: 'string' };
