/** imagesignatures (cluster-scoped): create and delete the signatures kept inside an Image. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageSignatureKind } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageSignatureHandler } from './rest.js';

export const imageSignaturesInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  namespaced: false,
  resource: 'imagesignatures',
  singular: 'imagesignature',
  kind: 'ImageSignature',
  listKind: 'ImageSignatureList',
  verbs: ['create', 'delete'],
  schema: ImageSignatureKind,
};

export const imageSignatures: ResourceDefinition = {
  infos: [imageSignaturesInfo],
  install(api) {
    api.serve(createImageSignatureHandler({ info: imageSignaturesInfo, schema: ImageSignatureKind, images: api.need('images') }) as ResourceHandler);
  },
};
