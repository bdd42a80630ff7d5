/**
 * Content-addressed blobs on the local filesystem (or a shared one, for replicas): manifests and
 * layers alike, under `blobs/sha256/<2 hex>/<hex>`. A blob is written to a temporary file in the
 * same filesystem, its digest checked, the file fsynced, renamed into place and the directory
 * fsynced, so a crash leaves either the whole blob or none of it, and an acknowledged write is on
 * disk. Readers only ever see complete, verified files.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`content has digest ${actual}, not ${expected}`);
  }
}

/** Makes a rename durable: the directory entry is on disk once this returns. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

export class BlobStore {
  readonly tmpDir: string;
  private readonly blobsDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) throw new Error(`not a sha256 digest: ${digest}`);
    return join(this.blobsDir, hex.slice(0, 2), hex);
  }

  async stat(digest: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.path(digest));
      return { size: s.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** The blob's bytes, `end` inclusive as in an HTTP range. */
  open(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(digest), range ? { start: range.start, end: range.end } : {});
  }

  /** A small blob (a manifest or a config) read whole; undefined when absent or larger than `max`. */
  async read(digest: string, max: number): Promise<Buffer | undefined> {
    const s = await this.stat(digest);
    if (!s || s.size > max) return undefined;
    return readFile(this.path(digest));
  }

  /** Moves a complete, fsynced file whose digest is known into place. */
  async commit(file: string, digest: string): Promise<void> {
    const target = this.path(digest);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(file, target);
    await fsyncDir(dirname(target));
  }

  /**
   * Writes a stream as a blob, verifying it against `expected` when given; nothing is stored
   * when the stream fails or its digest differs.
   */
  async put(source: Readable, expected?: string): Promise<{ digest: string; size: number }> {
    const tmp = join(this.tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    try {
      source.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      const out = createWriteStream(tmp, { mode: 0o600 });
      await pipeline(source, out);
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected && digest !== expected) throw new DigestMismatchError(expected, digest);
      await syncFile(tmp);
      await this.commit(tmp, digest);
      return { digest, size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async putBuffer(content: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    if (await this.touch(digest)) return digest;
    const tmp = join(this.tmpDir, randomUUID());
    const fd = await open(tmp, 'w', 0o600);
    try {
      await fd.writeFile(content);
      await fd.sync();
    } finally {
      await fd.close();
    }
    await this.commit(tmp, digest);
    return digest;
  }

  /** Removes temporary files older than `maxAgeMs`: writes a crash cut short (replicas share the directory, so never younger ones). */
  async sweepTmp(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const file = join(this.tmpDir, name);
      const s = await stat(file).catch(() => undefined);
      if (s && now - s.mtimeMs > maxAgeMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /**
   * Marks a blob as just used (its mtime now), so garbage collection's grace protects it until the
   * manifest that uses it has its Image; false when the blob is absent.
   */
  async touch(digest: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.path(digest), now, now);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** The blob's size and when it was last written or used, or undefined when absent. */
  async info(digest: string): Promise<StoredBlob | undefined> {
    try {
      const s = await stat(this.path(digest));
      return { digest, size: s.size, mtimeMs: s.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Every stored blob, one directory at a time (a blob removed meanwhile is skipped). */
  async *list(): AsyncGenerator<StoredBlob> {
    for (const prefix of (await readdir(this.blobsDir).catch(() => [] as string[])).sort()) {
      if (!/^[a-f0-9]{2}$/.test(prefix)) continue;
      for (const hex of (await readdir(join(this.blobsDir, prefix)).catch(() => [] as string[])).sort()) {
        if (!/^[a-f0-9]{64}$/.test(hex) || !hex.startsWith(prefix)) continue;
        const found = await this.info(`sha256:${hex}`);
        if (found) yield found;
      }
    }
  }
}

export interface StoredBlob {
  readonly digest: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export async function syncFile(file: string): Promise<void> {
  const fd = await open(file, 'r+');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}
