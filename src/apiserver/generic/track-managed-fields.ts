/** Managed-fields bookkeeping for non-apply writes (operation Update), over the patch module. */
import { updateManagedFields } from '../patch/managed-fields.js';
import type { ManagedFieldsTracker } from './resource-store.js';

export const trackManagedFields: ManagedFieldsTracker = (args) => updateManagedFields({ ...args, operation: 'Update' });
