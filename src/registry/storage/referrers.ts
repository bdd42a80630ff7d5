/**
 * The OCI referrers index of each repository: for every manifest pushed with a `subject`, its
 * descriptor (with artifactType and annotations) under the subject's digest, so signatures and
 * SBOMs attached to an image are found by the image's digest.
 */
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestDescriptor } from '../manifests.js';

const hex = (digest: string) => digest.replace(/^sha256:/, '');

export class Referrers {
  constructor(private readonly root: string) {}

  private dir(repository: string, subject: string): string {
    return join(this.root, 'referrers', ...repository.split('/'), hex(subject));
  }

  async add(repository: string, subject: string, referrer: ManifestDescriptor): Promise<void> {
    const dir = this.dir(repository, subject);
    const write = async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, hex(referrer.digest)), JSON.stringify(referrer), { mode: 0o600 });
    };
    // Garbage collection may remove a deleted subject's empty directory between the two steps: once more.
    await write().catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? write() : Promise.reject(e)));
  }

  async list(repository: string, subject: string): Promise<ManifestDescriptor[]> {
    const dir = this.dir(repository, subject);
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: ManifestDescriptor[] = [];
    for (const n of names.sort()) {
      // An entry removed by garbage collection between the listing and the read is not a referrer any more.
      const text = await readFile(join(dir, n), 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (text !== undefined) out.push(JSON.parse(text) as ManifestDescriptor);
    }
    return out;
  }

  /**
   * Removes, in every repository, the entries of referrers that are deleted blobs, and the index of
   * a deleted subject once it is empty. Returns how many entries went.
   */
  async removeEverywhere(digests: ReadonlySet<string>): Promise<number> {
    const hexes = new Set([...digests].map(hex));
    let removed = 0;
    const root = join(this.root, 'referrers');
    for (const ns of await readdir(root).catch(() => [] as string[])) {
      for (const stream of await readdir(join(root, ns)).catch(() => [] as string[])) {
        for (const subject of await readdir(join(root, ns, stream)).catch(() => [] as string[])) {
          const dir = join(root, ns, stream, subject);
          for (const entry of await readdir(dir).catch(() => [] as string[])) {
            if (!hexes.has(entry)) continue;
            await rm(join(dir, entry), { force: true });
            removed++;
          }
          // Only a deleted subject's directory: a live one may be getting its first referrer right now.
          if (hexes.has(subject)) await rmdir(dir).catch(() => undefined);
        }
      }
    }
    return removed;
  }
}
