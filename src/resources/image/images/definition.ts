/** images.image.openshift.io (cluster-scoped): one per manifest digest, shared by every stream that tags it. */
import { ALL_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { Image } from '../../../apis/image/schema.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_GROUP } from '../group.js';
import { createImageStrategy } from './strategy.js';
import { imageColumns } from './table.js';

declare module '../../installer.js' {
  interface Services {
    images: ResourceStore<Image>;
  }
}

export const imagesInfo: ResourceInfo = {
  ...IMAGE_GROUP,
  resource: 'images',
  singular: 'image',
  kind: 'Image',
  listKind: 'ImageList',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  schema: Image,
};

export const images: ResourceDefinition = {
  infos: [imagesInfo],
  install(api) {
    const store = api.stored<Image>(imagesInfo, createImageStrategy());
    api.provide('images', store);
    api.serve(createStoredHandler({ store, schema: Image, columns: imageColumns }));
  },
};
