/**
 * `kubectl image image info REF`: the metadata of any image the server may import, read through
 * an ImageStreamImport with `import: false` (nothing is stored), shown like `describe image`.
 */
import type { Command } from 'commander';
import type { Image } from '../../apis/image/schema.js';
import { CliError, connect, create, type GlobalOptions } from '../kube.js';
import type { Output } from '../output.js';
import { describeImage } from './describe.js';

export function registerImageInfo(program: Command, globals: () => GlobalOptions, out: Output): void {
  const image = program.command('image').description('Images in registries');
  image
    .command('info')
    .argument('<ref>', 'a registry image, e.g. quay.io/org/app:1.0')
    .description('Show an image’s metadata without importing it (the server reads it from the registry)')
    .option('--insecure', 'allow HTTP and unverified TLS to the registry')
    .option('--import-mode <mode>', 'Legacy (one platform) or PreserveOriginal (the whole manifest list)')
    .addHelpText('after', '\nExample:\n  kubectl image image info quay.io/sclorg/ruby-33-c9s:latest')
    .action(async (ref: string, o: { insecure?: boolean; importMode?: string }) => {
      const k = connect(globals());
      const isi = await create<{ status?: { images?: { status: { status: string; message?: string }; image?: Image }[] } }>(k, 'imagestreamimports', {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamImport',
        metadata: { name: 'image-info' },
        spec: {
          import: false,
          images: [
            {
              from: { kind: 'DockerImage', name: ref },
              importPolicy: { ...(o.insecure ? { insecure: true } : {}), ...(o.importMode ? { importMode: o.importMode } : {}) },
            },
          ],
        },
      });
      const result = isi.status?.images?.[0];
      if (!result?.image || result.status.status !== 'Success')
        throw new CliError(`error: ${ref}: ${result?.status.message ?? 'the server returned no image'}`);
      out.print(describeImage(result.image));
    });
}
