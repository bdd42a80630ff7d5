/** `kubectl get isimage` columns, as oc prints them. */
import { humanAgo } from '../../../api/human-duration.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ImageStreamImage } from '../../../apis/image/virtual-schemas.js';

export const imageStreamImageColumns: TableColumn<ImageStreamImage>[] = [
  { name: 'Updated', type: 'string', description: 'When the image was created.', priority: 0, cell: (i, now) => humanAgo(i.metadata.creationTimestamp, now) },
  { name: 'Image Reference', type: 'string', description: 'The pull spec of the image.', priority: 1, cell: (i) => i.image?.dockerImageReference ?? '' },
  { name: 'Image Name', type: 'string', description: 'The name (digest) of the image.', priority: 1, cell: (i) => i.image?.metadata?.name ?? '' },
];
