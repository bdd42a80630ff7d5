import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore, DigestMismatchError } from './blob-store.js';
import { UploadRangeError, Uploads } from './uploads.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function fresh() {
  const root = mkdtempSync(join(tmpdir(), 'blobs-'));
  const blobs = new BlobStore(root);
  await blobs.init();
  const uploads = new Uploads(root, blobs);
  await uploads.init();
  return { root, blobs, uploads, done: () => rmSync(root, { recursive: true, force: true }) };
}

describe('registry storage', () => {
  it('stores a blob only when its digest checks out, leaving no temporary file behind', async () => {
    const s = await fresh();
    try {
      await assert.rejects(s.blobs.put(Readable.from([Buffer.from('abc')]), sha('abd')), DigestMismatchError);
      assert.equal(await s.blobs.stat(sha('abc')), undefined);
      assert.deepEqual(readdirSync(s.blobs.tmpDir), []);
      const stored = await s.blobs.put(Readable.from([Buffer.from('ab'), Buffer.from('c')]), sha('abc'));
      assert.deepEqual(stored, { digest: sha('abc'), size: 3 });
      assert.equal((await s.blobs.read(sha('abc'), 10))?.toString(), 'abc');
    } finally {
      s.done();
    }
  });

  it('continues an upload in order across a restart, refuses out-of-order chunks, and checks the digest at the end', async () => {
    const s = await fresh();
    try {
      const id = await s.uploads.start('team/app', 'alice');
      assert.equal(await s.uploads.append(id, Readable.from([Buffer.from('hello ')]), 0), 6);
      await assert.rejects(s.uploads.append(id, Readable.from([Buffer.from('x')]), 3), UploadRangeError);
      // A new process (or replica) sees the upload where it stopped and recomputes the digest from disk.
      const restarted = new Uploads(s.root, s.blobs);
      assert.equal((await restarted.info(id)).size, 6);
      assert.equal(await restarted.append(id, Readable.from([Buffer.from('world')]), 6), 11);
      await assert.rejects(restarted.finish(id, sha('hello there')), DigestMismatchError);
      assert.equal(await s.blobs.stat(sha('hello world')), undefined, 'nothing committed on a mismatch');
      assert.deepEqual(await restarted.finish(id, sha('hello world')), { digest: sha('hello world'), size: 11 });
      assert.equal((await s.blobs.read(sha('hello world'), 100))?.toString(), 'hello world');
      await assert.rejects(restarted.info(id), /./, 'a finished upload is gone');
    } finally {
      s.done();
    }
  });

  it('sweeps temporary files a crash left behind once they are older than the limit', async () => {
    const s = await fresh();
    try {
      writeFileSync(join(s.blobs.tmpDir, 'cut-short'), 'partial');
      assert.equal(await s.blobs.sweepTmp(60_000), 0, 'a young one may be a write in progress on another replica');
      assert.equal(await s.blobs.sweepTmp(60_000, Date.now() + 120_000), 1);
      assert.deepEqual(readdirSync(s.blobs.tmpDir), []);
    } finally {
      s.done();
    }
  });

  it('sweeps uploads older than the limit and keeps younger ones', async () => {
    const s = await fresh();
    try {
      const old = await s.uploads.start('team/app', 'alice');
      const young = await s.uploads.start('team/app', 'alice');
      const now = Date.now();
      assert.equal(await s.uploads.sweep(60_000, now + 120_000), 2);
      const kept = await s.uploads.start('team/app', 'alice');
      assert.equal(await s.uploads.sweep(60_000, now), 0);
      await s.uploads.info(kept);
      await assert.rejects(s.uploads.info(old));
      await assert.rejects(s.uploads.info(young));
    } finally {
      s.done();
    }
  });
});
