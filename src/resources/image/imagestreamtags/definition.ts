/** imagestreamtags (`istag`): one tag of a stream with its image, a view over streams and images. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageStreamTag } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageStreamTagHandler } from './rest.js';
import { imageStreamTagColumns } from './table.js';

export const imageStreamTagsInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  resource: 'imagestreamtags',
  singular: 'imagestreamtag',
  kind: 'ImageStreamTag',
  listKind: 'ImageStreamTagList',
  shortNames: ['istag'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
  schema: ImageStreamTag,
};

export const imageStreamTags: ResourceDefinition = {
  infos: [imageStreamTagsInfo],
  install(api) {
    const { streams, internal } = api.need('imageStreams');
    api.serve(
      createImageStreamTagHandler({
        streams,
        internal,
        images: api.need('images'),
        info: imageStreamTagsInfo,
        schema: ImageStreamTag,
        columns: imageStreamTagColumns,
      }) as ResourceHandler,
    );
  },
};
