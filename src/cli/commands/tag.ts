/**
 * `kubectl image tag SOURCE DEST…`: what `oc tag` does. A tag of another stream is copied as the
 * image it points at now (ImageStreamImage), or followed with --alias (ImageStreamTag); an image
 * of a registry is referenced as DockerImage. `-d` removes tags.
 */
import type { Command } from 'commander';
import type { ImageStream, TagReference } from '../../apis/image/schema.js';
import { CliError, connect, GROUP, getStream, updateStream, VERSION, type GlobalOptions, type Kube } from '../kube.js';
import type { Output } from '../output.js';

interface TagOptions {
  alias?: boolean;
  reference?: boolean;
  scheduled?: boolean;
  source?: string;
  referencePolicy?: string;
  importMode?: string;
  delete?: boolean;
  insecure?: boolean;
}

/** `[namespace/]stream:tag` or `[namespace/]stream@digest`. */
export function parseStreamRef(ref: string, defaultNamespace: string): { namespace: string; stream: string; tag?: string; digest?: string } {
  const slash = ref.indexOf('/');
  const namespace = slash >= 0 ? ref.slice(0, slash) : defaultNamespace;
  const rest = slash >= 0 ? ref.slice(slash + 1) : ref;
  const at = rest.indexOf('@');
  if (at >= 0) return { namespace, stream: rest.slice(0, at), digest: rest.slice(at + 1) };
  const colon = rest.indexOf(':');
  return colon >= 0 ? { namespace, stream: rest.slice(0, colon), tag: rest.slice(colon + 1) } : { namespace, stream: rest };
}

/** Whether SOURCE names a registry image: an explicit --source=docker, or a first segment with `.` or `:`. */
function isDocker(source: string, o: TagOptions): boolean {
  if (o.source) return o.source === 'docker';
  const first = source.split('/')[0] ?? '';
  return source.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

async function sourceReference(k: Kube, source: string, o: TagOptions): Promise<{ from: NonNullable<TagReference['from']>; shown: string }> {
  if (isDocker(source, o)) return { from: { kind: 'DockerImage', name: source }, shown: source };
  const s = parseStreamRef(source, k.namespace);
  if (o.source === 'imagestreamimage' || s.digest) {
    if (!s.digest) throw new CliError(`error: ${source} is not an image stream image (<stream>@<digest>)`);
    return { from: { kind: 'ImageStreamImage', name: `${s.stream}@${s.digest}`, namespace: s.namespace }, shown: `${s.namespace}/${s.stream}@${s.digest}` };
  }
  const tag = s.tag ?? 'latest';
  if (o.alias) return { from: { kind: 'ImageStreamTag', name: `${s.stream}:${tag}`, namespace: s.namespace }, shown: `${s.namespace}/${s.stream}:${tag}` };
  // Without --alias the destination gets the image the source tag points at now.
  const stream = await getStream(k, s.stream, s.namespace);
  if (!stream) throw new CliError(`Error from server (NotFound): imagestreams.image.openshift.io "${s.stream}" not found`);
  const image = stream.status?.tags?.find((t) => t.tag === tag)?.items?.[0]?.image;
  if (!image) throw new CliError(`error: tag "${tag}" of ${s.namespace}/${s.stream} points at no image yet; use --alias to follow it`);
  return { from: { kind: 'ImageStreamImage', name: `${s.stream}@${image}`, namespace: s.namespace }, shown: `${s.namespace}/${s.stream}@${image}` };
}

function upsertTag(s: ImageStream, tag: TagReference): void {
  s.spec ??= {};
  const tags = (s.spec.tags ??= []);
  const i = tags.findIndex((t) => t.name === tag.name);
  if (i >= 0) tags[i] = { ...tags[i], ...tag };
  else tags.push(tag);
}

export function registerTag(program: Command, globals: () => GlobalOptions, out: Output): void {
  program
    .command('tag')
    .argument('<source>', 'image to tag: [namespace/]stream:tag, [namespace/]stream@digest, or a registry image')
    .argument('[dest...]', 'tags to set: [namespace/]stream:tag')
    .description('Set image stream tags to an image, another tag, or a registry image (or remove them with -d)')
    .option('--alias', 'follow the source tag as it moves, instead of copying its current image')
    .option('--reference', 'only point at the source; do not import its metadata')
    .option('--scheduled', 'periodically re-import a registry image')
    .option('--insecure', 'allow HTTP and unverified TLS when importing a registry image')
    .option('--source <kind>', 'what SOURCE is: docker, imagestreamtag or imagestreamimage')
    .option('--reference-policy <policy>', 'source or local: how pulls of the tag reach the image')
    .option('--import-mode <mode>', 'Legacy or PreserveOriginal (for manifest lists)')
    .option('-d, --delete', 'remove the given tags')
    .addHelpText(
      'after',
      '\nExamples:\n  kubectl image tag quay.io/org/app:1.0 app:1.0\n  kubectl image tag app:1.0 app:stable --alias\n  kubectl image tag shared/base:latest mine/base:pinned\n  kubectl image tag -d app:old',
    )
    .action(async (source: string, dests: string[], o: TagOptions) => {
      const k = connect(globals());
      if (o.delete) {
        for (const d of [source, ...dests]) {
          const r = parseStreamRef(d, k.namespace);
          if (!r.tag) throw new CliError(`error: ${d} names no tag (stream:tag)`);
          // As oc: deleting the image stream tag removes both its spec and its history.
          await k.api.deleteNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: r.namespace,
            plural: 'imagestreamtags',
            name: `${r.stream}:${r.tag}`,
          });
          out.print(`Deleted tag ${r.namespace}/${r.stream}:${r.tag}.`);
        }
        return;
      }
      if (dests.length === 0) throw new CliError('error: tag needs a SOURCE and at least one DEST');
      const { from, shown } = await sourceReference(k, source, o);
      const ref = o.referencePolicy?.toLowerCase();
      for (const d of dests) {
        const r = parseStreamRef(d, k.namespace);
        if (!r.tag) throw new CliError(`error: ${d} names no tag (stream:tag)`);
        const tag: TagReference = {
          name: r.tag,
          from,
          ...(o.reference ? { reference: true } : {}),
          ...(o.scheduled || o.insecure || o.importMode
            ? {
                importPolicy: {
                  ...(o.scheduled ? { scheduled: true } : {}),
                  ...(o.insecure ? { insecure: true } : {}),
                  ...(o.importMode ? { importMode: o.importMode } : {}),
                },
              }
            : {}),
          ...(ref ? { referencePolicy: { type: ref === 'local' ? 'Local' : 'Source' } } : {}),
        } as TagReference;
        await updateStream(k, r.stream, (s) => upsertTag(s, tag), r.namespace, true);
        out.print(`Tag ${r.stream}:${r.tag} set to ${shown}.`);
      }
    });
}
