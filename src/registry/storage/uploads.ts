/**
 * Blob upload sessions, kept on disk next to the blobs so that an upload survives a restart and
 * any replica sharing the directory can continue it: `uploads/<id>/data` holds the bytes received
 * so far and `uploads/<id>/info.json` who started it for which repository. Chunks must arrive in
 * order; the digest is computed as they arrive (or, after a restart, from the file) and checked
 * when the upload is finished, and only then does the blob appear in the store.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BlobStore, DigestMismatchError, syncFile } from './blob-store.js';

export interface UploadInfo {
  readonly repository: string;
  readonly user: string;
  readonly startedAt: string;
}

export class UploadNotFoundError extends Error {}
export class UploadRangeError extends Error {
  constructor(readonly size: number) {
    super(`the upload holds ${size} bytes; a chunk must start there`);
  }
}

const ID = /^[0-9a-f-]{36}$/;

export class Uploads {
  private readonly dir: string;
  /** Running digests of uploads whose every byte this process received, by id. */
  private readonly hashes = new Map<string, { hash: Hash; size: number }>();
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    root: string,
    private readonly blobs: BlobStore,
  ) {
    this.dir = join(root, 'uploads');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async start(repository: string, user: string): Promise<string> {
    const id = randomUUID();
    const dir = join(this.dir, id);
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, 'data'), '', { mode: 0o600 });
    const info: UploadInfo = { repository, user, startedAt: new Date().toISOString() };
    await writeFile(join(dir, 'info.json'), JSON.stringify(info), { mode: 0o600 });
    this.hashes.set(id, { hash: createHash('sha256'), size: 0 });
    return id;
  }

  async info(id: string): Promise<UploadInfo & { size: number }> {
    if (!ID.test(id)) throw new UploadNotFoundError(id);
    try {
      const info = JSON.parse(await readFile(join(this.dir, id, 'info.json'), 'utf8')) as UploadInfo;
      const { size } = await stat(join(this.dir, id, 'data'));
      return { ...info, size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UploadNotFoundError(id);
      throw e;
    }
  }

  /**
   * Appends a chunk. `start`, when the client gave a range, must be the current size (else
   * UploadRangeError, nothing written). Returns the new size.
   */
  async append(id: string, chunk: Readable, start?: number): Promise<number> {
    // One chunk at a time per upload in this process: two at once would interleave their bytes.
    const before = this.busy.get(id) ?? Promise.resolve();
    let done = () => {};
    const mine = new Promise<void>((r) => {
      done = r;
    });
    this.busy.set(id, mine);
    await before;
    try {
      return await this.appendNow(id, chunk, start);
    } finally {
      done();
      if (this.busy.get(id) === mine) this.busy.delete(id);
    }
  }

  private async appendNow(id: string, chunk: Readable, start?: number): Promise<number> {
    const { size } = await this.info(id);
    if (start !== undefined && start !== size) {
      chunk.resume();
      throw new UploadRangeError(size);
    }
    const running = this.hashes.get(id);
    const inSequence = running !== undefined && running.size === size;
    if (!inSequence) this.hashes.delete(id);
    let added = 0;
    chunk.on('data', (c: Buffer) => {
      added += c.length;
      if (inSequence) running.hash.update(c);
    });
    try {
      await pipeline(chunk, createWriteStream(join(this.dir, id, 'data'), { flags: 'a' }));
    } catch (e) {
      // A chunk cut short leaves bytes the running digest may not match: recompute from the file.
      this.hashes.delete(id);
      throw e;
    }
    if (inSequence) running.size += added;
    return size + added;
  }

  /** Checks the digest, moves the data into the blob store and ends the upload. */
  async finish(id: string, expected: string): Promise<{ digest: string; size: number }> {
    const { size } = await this.info(id);
    const data = join(this.dir, id, 'data');
    const running = this.hashes.get(id);
    const digest = running && running.size === size ? `sha256:${running.hash.copy().digest('hex')}` : await digestOf(data);
    if (digest !== expected) throw new DigestMismatchError(expected, digest);
    await syncFile(data);
    await this.blobs.commit(data, digest);
    await this.cancel(id);
    return { digest, size };
  }

  async cancel(id: string): Promise<void> {
    this.hashes.delete(id);
    if (ID.test(id)) await rm(join(this.dir, id), { recursive: true, force: true });
  }

  /** Removes uploads started longer ago than `maxAgeMs` (abandoned pushes); returns how many. */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const id of await readdir(this.dir).catch(() => [] as string[])) {
      try {
        const { startedAt } = await this.info(id);
        if (now - Date.parse(startedAt) > maxAgeMs) {
          await this.cancel(id);
          removed++;
        }
      } catch (e) {
        if (e instanceof UploadNotFoundError) {
          // Half-created (a crash between mkdir and info.json): old enough means abandoned.
          const s = await stat(join(this.dir, id)).catch(() => undefined);
          if (s && now - s.mtimeMs > maxAgeMs) await rm(join(this.dir, id), { recursive: true, force: true });
        } else throw e;
      }
    }
    return removed;
  }
}

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}
