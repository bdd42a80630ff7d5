/**
 * Which blobs a repository holds by upload or mount, before (or without) an image of its stream
 * referencing them: `links/<namespace>/<stream>/<hex>`, an empty file per blob, on the same
 * filesystem as the blobs. With the stream's images (the layers API), this decides what a
 * repository may serve, so that knowing a digest is not enough to read another namespace's data.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class RepositoryLinks {
  constructor(private readonly root: string) {}

  private file(repository: string, digest: string): string {
    return join(this.root, 'links', ...repository.split('/'), digest.replace(/^sha256:/, ''));
  }

  /** Links a blob; a manifest's link holds its media type, so it is served as it was pushed. */
  async add(repository: string, digest: string, manifestMediaType = ''): Promise<void> {
    const f = this.file(repository, digest);
    await mkdir(join(f, '..'), { recursive: true, mode: 0o700 });
    await writeFile(f, manifestMediaType, { mode: 0o600 });
  }

  /** Undefined when not linked; the manifest media type (or '' for a blob) when linked. */
  async get(repository: string, digest: string): Promise<string | undefined> {
    try {
      return await readFile(this.file(repository, digest), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async remove(repository: string, digest: string): Promise<void> {
    await rm(this.file(repository, digest), { force: true });
  }

  /**
   * Unlinks the digests (deleted blobs) from every repository: a link left behind would let the
   * repository serve the blob again should another namespace upload the same content. Returns how
   * many links went.
   */
  async removeEverywhere(digests: ReadonlySet<string>): Promise<number> {
    const hexes = new Set([...digests].map((d) => d.replace(/^sha256:/, '')));
    let removed = 0;
    const root = join(this.root, 'links');
    for (const ns of await readdir(root).catch(() => [] as string[])) {
      for (const stream of await readdir(join(root, ns)).catch(() => [] as string[])) {
        const dir = join(root, ns, stream);
        for (const hex of await readdir(dir).catch(() => [] as string[])) {
          if (!hexes.has(hex)) continue;
          await rm(join(dir, hex), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
