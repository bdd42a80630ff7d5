/**
 * imagestreams (namespaced): tags pointing at images, with status history; the `status`, `layers`
 * and `secrets` subresources; and the views of stream and status written together that imports,
 * tags and mappings use.
 */
import { ALL_VERBS, STATUS_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { ImageStream } from '../../../apis/image/schema.js';
import { ImageSecretList, ImageStreamLayers } from '../../../apis/image/virtual-schemas.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { IMAGE_GROUP } from '../group.js';
import { createImageStreamStrategies } from './strategy.js';
import { createLayersHandler, createSecretsHandler } from './subresources.js';
import { imageStreamColumns } from './table.js';

export interface ImageStreamStores {
  /** Reads (decorated) and writes of the spec, as clients make them. */
  readonly streams: ResourceStore<ImageStream>;
  /** Spec and status written together (imports, tags, mappings). */
  readonly internal: ResourceStore<ImageStream>;
  /** The status alone. */
  readonly status: ResourceStore<ImageStream>;
}

declare module '../../installer.js' {
  interface Services {
    imageStreams: ImageStreamStores;
  }
}

export const imageStreamsInfo: ResourceInfo = {
  ...IMAGE_GROUP,
  resource: 'imagestreams',
  singular: 'imagestream',
  kind: 'ImageStream',
  listKind: 'ImageStreamList',
  namespaced: true,
  shortNames: ['is'],
  categories: ['all'],
  verbs: ALL_VERBS,
  subresources: [
    { name: 'status', kind: 'ImageStream', verbs: STATUS_VERBS, schema: ImageStream },
    { name: 'layers', kind: 'ImageStreamLayers', verbs: ['get'], schema: ImageStreamLayers },
    { name: 'secrets', kind: 'SecretList', verbs: ['get'], schema: ImageSecretList, selectableFields: ['type'] },
  ],
  selectableFields: ['spec.dockerImageRepository', 'status.dockerImageRepository'],
  schema: ImageStream,
};

export const imageStreams: ResourceDefinition = {
  infos: [imageStreamsInfo],
  install(api) {
    const clusterConfig = api.need('clusterConfig');
    const authorize = api.need('authorize');
    const images = api.need('images');
    const strategies = createImageStreamStrategies({
      registryConfig: () => clusterConfig.get(),
      getImageStream: async (namespace, name) => (await streams.getRaw(namespace, name))?.obj,
      canPull: (user, namespace, stream) =>
        authorize(user, {
          verb: 'get',
          resourceRequest: true,
          apiGroup: 'image.openshift.io',
          resource: 'imagestreams',
          subresource: 'layers',
          namespace,
          name: stream,
        }).allowed,
    });
    const streams: ResourceStore<ImageStream> = api.stored<ImageStream>(imageStreamsInfo, strategies.main);
    const status = streams.withStrategy(strategies.status, 'status');
    api.provide('imageStreams', { streams, internal: streams.withStrategy(strategies.internal, ''), status });
    api.serve(
      createStoredHandler({ store: streams, schema: ImageStream, columns: imageStreamColumns }),
      createStoredHandler({ store: status, schema: ImageStream, subresource: 'status', columns: imageStreamColumns }) as ResourceHandler,
      createLayersHandler({ info: imageStreamsInfo, streams, images }) as ResourceHandler,
      createSecretsHandler({ info: imageStreamsInfo, secrets: api.need('secrets') }),
    );
  },
};
