/** imagetags (`itag`): a tag's spec, status and image together, a view over streams and images. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageTag } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageTagHandler } from './rest.js';
import { imageTagColumns } from './table.js';

export const imageTagsInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  resource: 'imagetags',
  singular: 'imagetag',
  kind: 'ImageTag',
  listKind: 'ImageTagList',
  shortNames: ['itag'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
  schema: ImageTag,
};

export const imageTags: ResourceDefinition = {
  infos: [imageTagsInfo],
  install(api) {
    const { streams, internal } = api.need('imageStreams');
    api.serve(
      createImageTagHandler({
        streams,
        internal,
        images: api.need('images'),
        info: imageTagsInfo,
        schema: ImageTag,
        columns: imageTagColumns,
      }) as ResourceHandler,
    );
  },
};
