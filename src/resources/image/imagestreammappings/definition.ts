/** imagestreammappings: create-only; tags an image into a stream, creating the Image when missing. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import { ImageStreamMapping } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_VIEW } from '../group.js';
import { createImageStreamMappingHandler } from './rest.js';

declare module '../../installer.js' {
  interface Services {
    /** How the integrated registry records a push by tag. */
    imageStreamMappings: ResourceHandler<ImageStreamMapping>;
  }
}

export const imageStreamMappingsInfo: ResourceInfo = {
  ...IMAGE_VIEW,
  resource: 'imagestreammappings',
  singular: 'imagestreammapping',
  kind: 'ImageStreamMapping',
  listKind: 'ImageStreamMappingList',
  verbs: ['create'],
  schema: ImageStreamMapping,
};

export const imageStreamMappings: ResourceDefinition = {
  infos: [imageStreamMappingsInfo],
  install(api) {
    const { streams, status } = api.need('imageStreams');
    const clusterConfig = api.need('clusterConfig');
    const handler = createImageStreamMappingHandler({
      info: imageStreamMappingsInfo,
      schema: ImageStreamMapping,
      streams,
      status,
      images: api.need('images'),
      internalRegistryHostname: () => clusterConfig.get().internalRegistryHostname,
    });
    api.provide('imageStreamMappings', handler);
    api.serve(handler as ResourceHandler);
  },
};
