/** imagestreamimages (`isimage`): an image as a stream knows it, by `<stream>@<digest>`; read-only. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageStreamImage } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageStreamImageHandler } from './rest.js';
import { imageStreamImageColumns } from './table.js';

export const imageStreamImagesInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  resource: 'imagestreamimages',
  singular: 'imagestreamimage',
  kind: 'ImageStreamImage',
  listKind: 'ImageStreamImageList',
  shortNames: ['isimage'],
  verbs: ['get'],
  schema: ImageStreamImage,
};

export const imageStreamImages: ResourceDefinition = {
  infos: [imageStreamImagesInfo],
  install(api) {
    api.serve(
      createImageStreamImageHandler({
        info: imageStreamImagesInfo,
        streams: api.need('imageStreams').streams,
        images: api.need('images'),
        columns: imageStreamImageColumns,
      }) as ResourceHandler,
    );
  },
};
