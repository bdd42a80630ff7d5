import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../../api/errors.js';
import type { RequestContext } from '../../../api/strategy.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { imageStreamMappingsInfo } from './definition.js';
import type { Image, ImageStream } from '../../../apis/image/schema.js';
import { createImageStreamMappingHandler } from './rest.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const streamAt = (image: string, created: string): ImageStream => ({
  apiVersion: 'image.openshift.io/v1',
  kind: 'ImageStream',
  metadata: { name: 'app', namespace: 'ns', generation: 1, resourceVersion: '5' },
  spec: {},
  status: { dockerImageRepository: '', tags: [{ tag: 'latest', items: [{ created, dockerImageReference: `r/app@${image}`, image, generation: 1 }] }] },
});

/**
 * A handler that reads the stream pointing at D1, and whose write attempts see `attempts` in turn
 * (each attempt but the last losing a race); what the last attempt would write is kept.
 */
function handlerWhoseWritesSee(...attempts: ImageStream[]) {
  const written: ImageStream[] = [];
  const streams = { getRaw: async () => ({ obj: streamAt(D1, '2024-01-01T00:00:00Z') }) } as unknown as ResourceStore<ImageStream>;
  const images = { create: async (_c: RequestContext, i: Image) => i } as unknown as ResourceStore<Image>;
  const status = {
    guaranteedUpdate: async (_c: RequestContext, _n: string, tryUpdate: (cur: ImageStream | undefined) => Promise<ImageStream> | ImageStream) => {
      for (const [i, current] of attempts.entries()) {
        const desired = await tryUpdate(structuredClone(current));
        if (i === attempts.length - 1) written.push(desired);
      }
      return { object: written[0], created: false };
    },
  } as unknown as ResourceStore<ImageStream>;
  const h = createImageStreamMappingHandler({
    info: imageStreamMappingsInfo,
    schema: imageStreamMappingsInfo.schema,
    streams,
    status,
    images,
    internalRegistryHostname: () => undefined,
  });
  return { h, written };
}

/** A handler whose stream write loses one race: its second read sees `afterRace`. */
const handlerLosingARaceTo = (afterRace: ImageStream) => handlerWhoseWritesSee(streamAt(D1, '2024-01-01T00:00:00Z'), afterRace);

const ctx = { namespace: 'ns', user: { name: 'admin', groups: ['system:masters'] }, dryRun: false, warnings: [], now: new Date() } as unknown as RequestContext;
const mapping = {
  apiVersion: 'image.openshift.io/v1',
  kind: 'ImageStreamMapping',
  metadata: { name: 'app', namespace: 'ns' },
  tag: 'latest',
  image: { metadata: { name: D3 }, dockerImageReference: `r/app@${D3}` },
};

describe('image stream mapping on a conflict: retried only while the tag has not moved', () => {
  it('retries when the tag still points where it did, whatever its event time', async () => {
    const { h, written } = handlerLosingARaceTo(streamAt(D1, '2025-06-01T00:00:00Z'));
    await h.create?.(ctx, structuredClone(mapping), { dryRun: false, fieldValidation: 'Strict' });
    assert.equal(written[0]?.status?.tags?.[0]?.items?.[0]?.image, D3);
  });

  it('answers 409 when the tag moved after the stream was read, even on the first write', async () => {
    // As when this mapping waited behind another writer of the stream: its first write sees the move.
    const { h, written } = handlerWhoseWritesSee(streamAt(D2, '2024-01-01T00:00:00Z'));
    await assert.rejects(h.create?.(ctx, structuredClone(mapping), { dryRun: false, fieldValidation: 'Strict' }) ?? Promise.resolve(), (e) =>
      isApiError(e, 'Conflict'),
    );
    assert.equal(written.length, 0);
  });

  it('answers 409 when someone moved the tag meanwhile, and writes nothing', async () => {
    const { h, written } = handlerLosingARaceTo(streamAt(D2, '2024-01-01T00:00:00Z'));
    await assert.rejects(h.create?.(ctx, structuredClone(mapping), { dryRun: false, fieldValidation: 'Strict' }) ?? Promise.resolve(), (e) =>
      isApiError(e, 'Conflict'),
    );
    assert.equal(written.length, 0);
  });
});
