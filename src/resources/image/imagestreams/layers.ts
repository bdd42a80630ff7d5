/**
 * imagestreams/{name}/layers: every image in the stream's whole history, with its layers, config
 * and (for manifest lists) child manifests, and the blobs they reference. Always computed from the
 * store: unlike openshift-apiserver, it never answers "try again" while an index warms up.
 */
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { MEDIA } from '../../../apis/image/manifest.js';
import type { Image, ImageStream } from '../../../apis/image/schema.js';
import type { ImageStreamLayers } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION } from '../common.js';

type Blobs = ImageStreamLayers['blobs'];
type Images = ImageStreamLayers['images'];

function configMediaType(manifestMediaType: string | undefined): string {
  return manifestMediaType === MEDIA.ociManifest ? MEDIA.ociConfig : MEDIA.dockerConfig;
}

/** Image names referenced anywhere in the stream's status history. */
export function historyImages(stream: ImageStream): string[] {
  const names = new Set<string>();
  for (const t of stream.status?.tags ?? []) for (const i of t.items ?? []) if (i.image) names.add(i.image);
  return [...names];
}

export async function streamLayers(stream: ImageStream, images: ResourceStore<Image>): Promise<ImageStreamLayers> {
  const blobs: Blobs = {};
  const out: Images = {};
  const visit = async (name: string): Promise<void> => {
    if (out[name]) return;
    const found = (await images.getRaw(undefined, name))?.obj;
    if (!found) {
      // `layers` has no omitempty in the Go type: an image without layers (missing, or a list) reads `null`.
      out[name] = { imageMissing: true, layers: null, config: null };
      return;
    }
    const manifestType = found.dockerImageManifestMediaType || MEDIA.dockerV2;
    blobs[name] = { size: null, mediaType: manifestType };
    const children = (found.dockerImageManifests ?? []).map((m) => m.digest);
    if (children.length > 0) {
      out[name] = { imageMissing: false, layers: null, config: null, manifests: children };
      for (const c of children) await visit(c);
      return;
    }
    const layers = (found.dockerImageLayers ?? []).map((l) => {
      blobs[l.name] = { size: l.size, mediaType: l.mediaType };
      return l.name;
    });
    const meta = found.dockerImageMetadata as { Id?: unknown } | undefined;
    const schema2 = manifestType !== MEDIA.dockerV1 && manifestType !== MEDIA.dockerV1Signed;
    const config = schema2 && typeof meta?.Id === 'string' && meta.Id.startsWith('sha256:') ? meta.Id : null;
    if (config) blobs[config] = { size: null, mediaType: configMediaType(manifestType) };
    out[name] = { imageMissing: false, layers: layers.length > 0 ? layers : null, config };
  };
  for (const name of historyImages(stream)) await visit(name);
  return { apiVersion: API_VERSION, kind: 'ImageStreamLayers', metadata: structuredClone(stream.metadata), blobs, images: out };
}
