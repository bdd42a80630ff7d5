/**
 * Pruning's view of the server: its backend functions over the image stores (the status store
 * for trims, so a stream's spec is never touched) and the integrated registry's garbage collection,
 * acting as the server itself.
 */
import { isApiError } from '../api/errors.js';
import type { PruneBackend, WriteOutcome } from '../prune/backend.js';
import type { IntegratedRegistry } from '../registry/registry.js';
import { systemContext } from '../resources/installer.js';
import type { ApiResources } from './api-resources.js';

async function outcome(write: () => Promise<unknown>): Promise<WriteOutcome> {
  try {
    await write();
    return 'done';
  } catch (e) {
    if (isApiError(e, 'Conflict')) return 'conflict';
    if (isApiError(e, 'NotFound')) return 'gone';
    throw e;
  }
}

export function pruneBackend(api: ApiResources, registry: Pick<IntegratedRegistry, 'garbageCollect'>): PruneBackend {
  const images = api.need('images');
  const { streams, status } = api.need('imageStreams');
  const ctx = (namespace?: string) => ({ ...systemContext(), ...(namespace ? { namespace } : {}) });
  return {
    listStreams: async () => (await streams.list(ctx(), {})).items,
    listImages: async () => (await images.list(ctx(), {})).items,
    getStream: async (namespace, name) => (await streams.getRaw(namespace, name))?.obj,
    updateStreamStatus: (stream) =>
      outcome(() => status.update(ctx(stream.metadata.namespace), stream.metadata.name ?? '', stream, { dryRun: false, fieldManager: 'image-pruner' })),
    deleteImage: (name, resourceVersion) =>
      outcome(() => images.delete(ctx(), name, { dryRun: false, ...(resourceVersion ? { preconditions: { resourceVersion } } : {}) })),
    garbageCollect: () => registry.garbageCollect({ dryRun: false }),
  };
}
