/**
 * The OCI referrers index of each repository: for every manifest pushed with a `subject`, its
 * descriptor (with artifactType and annotations) under the subject's digest, so signatures and
 * SBOMs attached to an image are found by the image's digest.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, hex(referrer.digest)), JSON.stringify(referrer), { mode: 0o600 });
  }

  async list(repository: string, subject: string): Promise<ManifestDescriptor[]> {
    const dir = this.dir(repository, subject);
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: ManifestDescriptor[] = [];
    for (const n of names.sort()) out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as ManifestDescriptor);
    return out;
  }
}
