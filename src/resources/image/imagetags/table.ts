/** `kubectl get itag` columns, as oc prints them. */
import { humanAgo } from '../../../api/human-duration.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ImageTag } from '../../../apis/image/virtual-schemas.js';

/** SPEC, STATUS, HISTORY and UPDATED of an image tag, by the rules of openshift-apiserver's printer. */
export function imageTagCells(t: ImageTag, now: Date): { spec: string; status: string; history: string; updated: string } {
  let spec = '';
  let source = '';
  let status = '';
  const from = t.spec?.from;
  if (t.spec && from) {
    spec = 'Tag';
    if (t.spec.reference) spec = 'Ref';
    if (t.spec.importPolicy?.scheduled) spec = 'Scheduled';
    switch (from.kind) {
      case 'DockerImage':
        source = from.name ?? '';
        break;
      case 'ImageStreamImage': {
        const parts = (from.name ?? '').split('@');
        if (parts.length === 2) source = `image/${parts[1] ?? ''}`;
        else status = 'InvalidRefName';
        break;
      }
      case 'ImageStreamTag': {
        const name = from.name ?? '';
        if (!name.includes(':') && spec === 'Tag') spec = 'Track';
        source = from.namespace ? `istag ${from.namespace}/${name}` : `istag/${name}`;
        break;
      }
      default:
        status = 'InvalidRefKind';
    }
  }
  const items = t.status?.items ?? [];
  const newest = items[0];
  let updated = '';
  if (newest) {
    const specGen = typeof t.spec?.generation === 'number' ? t.spec.generation : 0;
    if (specGen > 0 && newest.generation > 0 && newest.generation < specGen) status ||= 'Importing';
    else source = newest.image ? `image/${newest.image}` : newest.dockerImageReference;
    if (!spec) spec = 'Push';
    else if (spec !== 'Track' && specGen > 0 && newest.generation > 0 && newest.generation > specGen) spec = 'Push';
    updated = newest.created ?? '';
  }
  for (const c of t.status?.conditions ?? []) {
    if (c.type === 'ImportSuccess' && c.status === 'False') status = `ImportFailed (${c.reason ?? ''})`;
    if (c.lastTransitionTime && c.lastTransitionTime > updated) updated = c.lastTransitionTime;
  }
  return { spec, status: status || source, history: items.length ? String(items.length) : '', updated: updated ? humanAgo(updated, now) : '' };
}

export const imageTagColumns: TableColumn<ImageTag>[] = [
  {
    name: 'Spec',
    type: 'string',
    description: 'What the spec tag does: Tag, Ref, Track, Scheduled, or Push when only pushes set it.',
    priority: 0,
    cell: (t, now) => imageTagCells(t, now).spec,
  },
  { name: 'Status', type: 'string', description: 'Where the tag points now, or why not.', priority: 0, cell: (t, now) => imageTagCells(t, now).status },
  { name: 'History', type: 'string', description: 'How many images the tag has pointed at.', priority: 0, cell: (t, now) => imageTagCells(t, now).history },
  { name: 'Updated', type: 'string', description: 'When the tag last changed.', priority: 0, cell: (t, now) => imageTagCells(t, now).updated },
];
