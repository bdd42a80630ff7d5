/** `kubectl get images` columns, as openshift-apiserver prints them. */
import type { TableColumn } from '../../../api/table-column.js';
import type { Image } from '../../../apis/image/schema.js';

export const imageColumns: TableColumn<Image>[] = [
  {
    name: 'Image Reference',
    type: 'string',
    description: 'DockerImageReference is the string that can be used to pull this image.',
    priority: 0,
    cell: (i) => i.dockerImageReference ?? '',
  },
];
