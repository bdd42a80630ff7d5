/**
 * `kubectl image import-image NAME[:TAG]`: what `oc import-image` does: an ImageStreamImport of
 * one tag (or, with --all, of a whole repository), which creates the tags it imports; then a
 * line per imported tag with its digest, size and platform, or why it failed.
 */
import type { Command } from 'commander';
import { ago, bytes, shortDigest, table } from '../format.js';
import { CliError, connect, create, getStream, type GlobalOptions } from '../kube.js';
import type { Output } from '../output.js';

interface ImportedImage {
  tag?: string;
  status: { status: string; message?: string; reason?: string };
  image?: {
    metadata: { name: string };
    dockerImageMetadata?: { Size?: number; Architecture?: string; Os?: string; Created?: string };
    dockerImageManifests?: { os: string; architecture: string; variant?: string }[];
    dockerImageReference?: string;
  };
}

interface ImportStatus {
  images?: ImportedImage[];
  repository?: { status: { status: string; message?: string }; images?: ImportedImage[] };
}

export interface ImportImageOptions {
  from?: string;
  confirm?: boolean;
  all?: boolean;
  scheduled?: boolean;
  insecure?: boolean;
  referencePolicy?: string;
  importMode?: string;
}

function policies(o: ImportImageOptions) {
  const mode = o.importMode;
  if (mode && mode !== 'Legacy' && mode !== 'PreserveOriginal')
    throw new CliError(`error: --import-mode must be Legacy or PreserveOriginal, not ${JSON.stringify(mode)}`);
  const ref = o.referencePolicy?.toLowerCase();
  if (ref && ref !== 'source' && ref !== 'local')
    throw new CliError(`error: --reference-policy must be source or local, not ${JSON.stringify(o.referencePolicy)}`);
  return {
    importPolicy: { ...(o.insecure ? { insecure: true } : {}), ...(o.scheduled ? { scheduled: true } : {}), ...(mode ? { importMode: mode } : {}) },
    referencePolicy: { type: ref === 'local' ? 'Local' : 'Source' },
  };
}

function platform(i: ImportedImage['image']): string {
  if (!i) return '';
  if (i.dockerImageManifests?.length) return i.dockerImageManifests.map((m) => `${m.os}/${m.architecture}${m.variant ? `/${m.variant}` : ''}`).join(',');
  const meta = i.dockerImageMetadata;
  return meta?.Architecture ? `${meta.Os ?? 'linux'}/${meta.Architecture}` : '';
}

export function registerImportImage(program: Command, globals: () => GlobalOptions, out: Output): void {
  program
    .command('import-image')
    .argument('<name>', 'image stream and tag to import into: NAME[:TAG] (TAG defaults to latest)')
    .description('Import the metadata of an image (or of a repository, with --all) from a registry into an image stream')
    .option('--from <ref>', 'the image to import, e.g. quay.io/org/app:1.0 (default: the tag’s own source)')
    .option('--confirm', 'create the image stream or tag if it does not exist yet')
    .option('--all', 'import every tag of the repository (at most the server’s limit)')
    .option('--scheduled', 'keep re-importing the tag periodically')
    .option('--insecure', 'allow HTTP and unverified TLS to the registry')
    .option('--reference-policy <policy>', 'source (pull from the registry) or local (pull through the integrated registry)')
    .option('--import-mode <mode>', 'Legacy (one platform) or PreserveOriginal (the whole manifest list)')
    .addHelpText(
      'after',
      '\nExamples:\n  kubectl image import-image ruby:3.3 --from=quay.io/sclorg/ruby-33-c9s:latest --confirm\n  kubectl image import-image mirror --from=registry.example.com/team/app --all --confirm',
    )
    .action(async (nameTag: string, o: ImportImageOptions) => {
      const k = connect(globals());
      const [name = '', tag = 'latest'] = nameTag.split(':');
      const stream = await getStream(k, name);
      const specTag = stream?.spec?.tags?.find((t) => t.name === tag);
      let from = o.from;
      if (!from && o.all) from = stream?.spec?.dockerImageRepository;
      if (!from && specTag?.from?.kind === 'DockerImage') from = specTag.from.name;
      if (!from) {
        if (!stream) throw new CliError(`error: image stream "${name}" does not exist; pass --from=IMAGE and --confirm to create it`);
        throw new CliError(`error: tag "${tag}" of image stream "${name}" has no source image to import from; pass --from=IMAGE`);
      }
      if ((!stream || (!o.all && !specTag)) && !o.confirm)
        throw new CliError(
          `error: ${!stream ? `image stream "${name}"` : `tag "${tag}" of image stream "${name}"`} does not exist; add --confirm to create it`,
        );
      const p = policies(o);
      const spec = o.all
        ? { import: true, repository: { from: { kind: 'DockerImage', name: from }, ...p } }
        : { import: true, images: [{ from: { kind: 'DockerImage', name: from }, to: { name: tag }, ...p }] };
      out.info(`Importing ${o.all ? from : `${from} into ${name}:${tag}`} …`);
      const isi = await create<{ status?: ImportStatus }>(k, 'imagestreamimports', {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamImport',
        metadata: { name },
        spec,
      });
      const results = [...(isi.status?.images ?? []), ...(isi.status?.repository?.images ?? [])];
      const repoFailure = isi.status?.repository?.status;
      if (repoFailure && repoFailure.status !== 'Success') throw new CliError(`error: importing ${from} failed: ${repoFailure.message ?? 'unknown reason'}`);
      out.print(`imagestream.image.openshift.io/${name} imported\n`);
      const rows = results.map((r) =>
        r.status.status === 'Success'
          ? [
              r.tag ?? tag,
              shortDigest(r.image?.metadata.name),
              bytes(r.image?.dockerImageMetadata?.Size),
              platform(r.image),
              ago(r.image?.dockerImageMetadata?.Created),
            ]
          : [r.tag ?? tag, 'FAILED', '', '', r.status.message ?? r.status.reason ?? ''],
      );
      out.print(table(['TAG', 'DIGEST', 'SIZE', 'PLATFORM', 'AGE'], rows));
      if (results.some((r) => r.status.status !== 'Success')) throw new CliError('error: some tags could not be imported (see above)');
    });
}
