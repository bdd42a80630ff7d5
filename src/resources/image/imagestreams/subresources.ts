/** GET imagestreams/{name}/layers and imagestreams/{name}/secrets: read-only views computed from the store. */
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ListOptions, ResourceStore } from '../../../apiserver/generic/resource-store.js';
import type { Secret } from '../../../apis/core/secret.js';
import type { KubeObject } from '../../../api/meta.js';
import type { Image, ImageStream } from '../../../apis/image/schema.js';
import type { ImageStreamLayers } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION } from '../common.js';
import { streamLayers } from './layers.js';

export const EXCLUDE_SECRET_ANNOTATION = 'openshift.io/image.excludeSecret';
const PULL_SECRET_TYPES = new Set(['kubernetes.io/dockercfg', 'kubernetes.io/dockerconfigjson']);

export function createLayersHandler(o: {
  info: ResourceInfo;
  streams: ResourceStore<ImageStream>;
  images: ResourceStore<Image>;
}): ResourceHandler<ImageStreamLayers> {
  return {
    info: o.info,
    subresource: 'layers',
    async get(ctx: RequestContext, name: string) {
      return streamLayers(await o.streams.get(ctx, name), o.images);
    },
  };
}

/** The namespace's pull secrets (the stream need not exist), as an image.openshift.io SecretList. */
export function createSecretsHandler(o: { info: ResourceInfo; secrets: ResourceStore<Secret> }): ResourceHandler<KubeObject> {
  return {
    info: o.info,
    subresource: 'secrets',
    async get(ctx: RequestContext, _name: string, opts?: ListOptions) {
      const listed = await o.secrets.list(ctx, opts ?? {});
      const items = listed.items.filter((s) => PULL_SECRET_TYPES.has(s.type ?? '') && s.metadata.annotations?.[EXCLUDE_SECRET_ANNOTATION] !== 'true');
      const list = {
        apiVersion: API_VERSION,
        kind: 'SecretList',
        metadata: { resourceVersion: listed.resourceVersion, ...(listed.continue ? { continue: listed.continue } : {}) },
        items,
      };
      return list as KubeObject;
    },
  };
}
