/**
 * imagestreamimages: an image of a stream found by digest or digest prefix across
 * the whole history and the children of manifest lists. An ambiguous prefix is a 409 naming the
 * matches instead of the arbitrary pick openshift-apiserver makes.
 */
import { conflict, notFound } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { TableColumn } from '../../../api/table-column.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import type { Image, ImageStream } from '../../../apis/image/schema.js';
import type { ImageStreamImage } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION, digestOrImageMatch, imageView, parseStreamImage } from '../common.js';
import { streamLayers } from '../imagestreams/layers.js';

const GR = { group: 'image.openshift.io', resource: 'imagestreamimage' };

export function createImageStreamImageHandler(o: {
  info: ResourceInfo;
  streams: ResourceStore<ImageStream>;
  images: ResourceStore<Image>;
  columns: readonly TableColumn<ImageStreamImage>[];
}): ResourceHandler<ImageStreamImage> {
  return {
    info: o.info,
    columns: o.columns,
    async get(ctx: RequestContext, name: string) {
      const { stream: sName, id } = parseStreamImage(name);
      const stream = await o.streams.get(ctx, sName);
      const layers = await streamLayers(stream, o.images);
      const matches = Object.keys(layers.images).filter((image) => digestOrImageMatch(image, id));
      if (matches.length === 0) throw notFound(GR, name);
      if (matches.length > 1) throw conflict(GR, name, `multiple images match the prefix "${id}": ${matches.sort().join(', ')}`);
      const imageName = matches[0] as string;
      const image = await o.images.getRaw(undefined, imageName);
      if (!image) throw notFound({ group: 'image.openshift.io', resource: 'images' }, imageName);
      return {
        apiVersion: API_VERSION,
        kind: 'ImageStreamImage',
        metadata: {
          name,
          namespace: stream.metadata.namespace ?? '',
          uid: stream.metadata.uid ?? '',
          resourceVersion: stream.metadata.resourceVersion ?? '',
          creationTimestamp: image.obj.metadata.creationTimestamp ?? '',
          ...(stream.metadata.annotations ? { annotations: { ...stream.metadata.annotations } } : {}),
        },
        image: imageView(image.obj),
      };
    },
  };
}
