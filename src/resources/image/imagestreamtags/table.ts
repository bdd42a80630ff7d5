/** `kubectl get istag` columns, as oc prints them, and (wide) the artifact type. */
import { humanAgo } from '../../../api/human-duration.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ImageStreamTag } from '../../../apis/image/virtual-schemas.js';
import { ARTIFACT_TYPE_ANNOTATION } from '../../../apis/image/annotations.js';

export const imageStreamTagColumns: TableColumn<ImageStreamTag>[] = [
  {
    name: 'Image Reference',
    type: 'string',
    description: 'The pull spec of the image this tag points at.',
    priority: 0,
    cell: (t) => t.image?.dockerImageReference ?? '',
  },
  { name: 'Updated', type: 'string', description: 'When the tag last changed.', priority: 0, cell: (t, now) => humanAgo(t.metadata.creationTimestamp, now) },
  { name: 'Image Name', type: 'string', description: 'The name (digest) of the image.', priority: 1, cell: (t) => t.image?.metadata?.name ?? '' },
  // Not in oc: an OCI artifact (a chart, a signature, an SBOM) is no runnable image, and says so.
  {
    name: 'Artifact Type',
    type: 'string',
    description: 'The artifactType of an OCI artifact; empty for an image.',
    priority: 1,
    cell: (t) => t.image?.metadata?.annotations?.[ARTIFACT_TYPE_ANNOTATION] ?? '',
  },
];
