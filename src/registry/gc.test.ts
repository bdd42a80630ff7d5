import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../apis/image/schema.js';
import { collectGarbage } from './gc.js';
import { BlobStore } from './storage/blob-store.js';
import { RepositoryLinks } from './storage/links.js';
import { Referrers } from './storage/referrers.js';

const HOUR = 3_600_000;

async function fresh() {
  const root = mkdtempSync(join(tmpdir(), 'gc-'));
  const blobs = new BlobStore(root);
  await blobs.init();
  const links = new RepositoryLinks(root);
  const referrers = new Referrers(root);
  const put = async (content: string, ageMs = 2 * HOUR) => {
    const digest = await blobs.putBuffer(Buffer.from(content));
    const t = new Date(Date.now() - ageMs);
    utimesSync(blobs.path(digest), t, t);
    return digest;
  };
  return { root, blobs, links, referrers, put, done: () => rmSync(root, { recursive: true, force: true }) };
}

const image = (name: string, config: string, layers: string[]): Image =>
  ({
    metadata: { name },
    dockerImageReference: '',
    dockerImageMetadata: { Id: config },
    dockerImageLayers: layers.map((l) => ({ name: l, size: 1, mediaType: 'x' })),
  }) as Image;

describe('registry garbage collection', () => {
  it('deletes unreferenced blobs past the grace with their links and referrers entries; a dry run only reports', async () => {
    const s = await fresh();
    try {
      const manifest = await s.put('manifest');
      const config = await s.put('config');
      const layer = await s.put('layer');
      const orphan = await s.put('orphan layer!');
      const signature = await s.put('signature manifest');
      const young = await s.put('just uploaded', 1000);
      await s.links.add('team/app', orphan);
      await s.links.add('team/app', layer);
      await s.links.add('team/app', signature, 'application/vnd.oci.image.manifest.v1+json');
      await s.referrers.add('team/app', manifest, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: signature, size: 18 });
      const deps = { backend: { listImages: async () => [image(manifest, config, [layer])] }, blobs: s.blobs, links: s.links, referrers: s.referrers };

      const dry = await collectGarbage(deps, { dryRun: true, graceMs: HOUR });
      assert.deepEqual(dry.deleted.map((b) => b.digest).sort(), [orphan, signature].sort());
      assert.deepEqual([dry.dryRun, dry.kept, dry.bytesFreed], [true, 4, 'orphan layer!'.length + 'signature manifest'.length]);
      assert.ok(await s.blobs.stat(orphan), 'a dry run deletes nothing');

      const real = await collectGarbage(deps, { dryRun: false, graceMs: HOUR });
      assert.deepEqual(real.deleted, dry.deleted);
      for (const gone of [orphan, signature]) assert.equal(await s.blobs.stat(gone), undefined);
      for (const kept of [manifest, config, layer, young]) assert.ok(await s.blobs.stat(kept), kept);
      assert.equal(await s.links.get('team/app', orphan), undefined);
      assert.equal(await s.links.get('team/app', signature), undefined);
      assert.equal(await s.links.get('team/app', layer), '');
      assert.deepEqual(await s.referrers.list('team/app', manifest), []);
      assert.equal((await collectGarbage(deps, { dryRun: false, graceMs: HOUR })).deleted.length, 0);
    } finally {
      s.done();
    }
  });

  it('keeps a blob a push used after the listing, and the blobs of an Image created after the listing', async () => {
    const s = await fresh();
    try {
      const reused = await s.put('a layer a new manifest names');
      const pushedManifest = await s.put('manifest pushed meanwhile');
      const pushedLayer = await s.put('its layer');
      const deps = {
        backend: {
          // The Images are read after the blobs: a push completes in between.
          listImages: async () => {
            await s.blobs.touch(reused);
            return [image(pushedManifest, pushedManifest, [pushedLayer])];
          },
        },
        blobs: s.blobs,
        links: s.links,
        referrers: s.referrers,
      };
      const result = await collectGarbage(deps, { dryRun: false, graceMs: HOUR });
      assert.deepEqual(result.deleted, []);
      assert.equal(result.kept, 3);
      assert.ok(existsSync(s.blobs.path(reused)));
    } finally {
      s.done();
    }
  });
});
