/**
 * `kubectl image describe is|istag|isimage|image NAME`: what `oc describe` prints: for a stream,
 * each tag's source and its history as a timeline; for an image, its platform, layers, sizes,
 * labels, environment and entrypoint.
 */
import type { Command } from 'commander';
import type { Image, ImageStream } from '../../apis/image/schema.js';
import { ago, bytes, fields, mapLines } from '../format.js';
import { CliError, connect, getImage, getNamespaced, getStream, type GlobalOptions } from '../kube.js';
import type { Output } from '../output.js';

interface DockerConfig {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string>;
}

interface DockerMetadata {
  Created?: string;
  Size?: number;
  Architecture?: string;
  Os?: string;
  Config?: DockerConfig;
}

export function describeStream(s: ImageStream, now = new Date()): string {
  const tags = new Set<string>([...(s.spec?.tags ?? []).map((t) => t.name), ...(s.status?.tags ?? []).map((t) => t.tag)]);
  const images = new Set<string>();
  for (const t of s.status?.tags ?? []) for (const i of t.items ?? []) if (i.image) images.add(i.image);
  const head = fields([
    ['Name', s.metadata.name ?? ''],
    ['Namespace', s.metadata.namespace ?? ''],
    ['Created', ago(s.metadata.creationTimestamp, now)],
    ['Labels', mapLines(s.metadata.labels)],
    ['Annotations', mapLines(s.metadata.annotations)],
    ['Image Repository', s.status?.dockerImageRepository || '<none>'],
    ['Image Lookup', `local=${s.spec?.lookupPolicy?.local === true}`],
    ['Unique Images', String(images.size)],
    ['Tags', String(tags.size)],
  ]);
  const blocks = [...tags].sort().map((name) => {
    const spec = s.spec?.tags?.find((t) => t.name === name);
    const status = s.status?.tags?.find((t) => t.tag === name);
    const lines = [name];
    if (spec?.from) {
      const what = spec.from.kind === 'DockerImage' ? spec.from.name : `${spec.from.namespace ? `${spec.from.namespace}/` : ''}${spec.from.name}`;
      lines.push(`  ${spec.reference ? 'reference to' : 'tagged from'} ${what}`);
      if (spec.importPolicy?.scheduled) lines.push('    updates automatically from registry');
      if (spec.referencePolicy?.type === 'Local') lines.push('    prefer registry pullthrough when referencing this tag');
    } else if (!spec) lines.push('  no spec tag (pushed)');
    const items = status?.items ?? [];
    items.forEach((item, i) => {
      lines.push(`  ${i === 0 ? '*' : ' '} ${item.dockerImageReference}`);
      lines.push(`      ${ago(item.created, now)}${i === 0 ? '' : ` (revision ${i})`}`);
    });
    if (items.length === 0) lines.push('  no image yet');
    for (const c of status?.conditions ?? []) {
      lines.push(`  ! ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}: ${c.message ?? ''}`);
      if (c.lastTransitionTime) lines.push(`      ${ago(c.lastTransitionTime, now)}`);
    }
    return lines.join('\n');
  });
  return [head, '', ...blocks.flatMap((b) => [b, ''])].join('\n').trimEnd();
}

export function describeImage(image: Image, extra: [string, string][] = [], now = new Date()): string {
  const meta = (image.dockerImageMetadata ?? {}) as DockerMetadata;
  const config = meta.Config ?? {};
  const layers = image.dockerImageLayers ?? [];
  const lines = fields([
    ...extra,
    ['Image Name', image.metadata.name ?? ''],
    ['Docker Image', image.dockerImageReference ?? ''],
    ['Media Type', image.dockerImageManifestMediaType ?? ''],
    ['Image Created', meta.Created ? ago(meta.Created, now) : undefined],
    ['Image Size', meta.Size !== undefined ? `${bytes(meta.Size)} in ${layers.length} layers` : undefined],
    ['Platform', meta.Architecture ? `${meta.Os ?? 'linux'}/${meta.Architecture}` : undefined],
    [
      'Manifests',
      image.dockerImageManifests?.length
        ? image.dockerImageManifests.map((m) => `${m.os}/${m.architecture}${m.variant ? `/${m.variant}` : ''} ${m.digest}`).join('\n')
        : undefined,
    ],
    ['Image Labels', config.Labels ? mapLines(config.Labels) : undefined],
    ['Entrypoint', config.Entrypoint?.join(' ')],
    ['Command', config.Cmd?.join(' ')],
    ['Working Dir', config.WorkingDir || undefined],
    ['User', config.User || undefined],
    ['Exposes Ports', config.ExposedPorts ? Object.keys(config.ExposedPorts).join(', ') : undefined],
    ['Environment', config.Env?.length ? config.Env.join('\n') : undefined],
  ]);
  const layerLines = layers.map((l) => `  ${bytes(l.size).padStart(10)}  ${l.name}  ${l.mediaType}`);
  return layers.length ? `${lines}\nLayers:\n${layerLines.join('\n')}` : lines;
}

export function registerDescribe(program: Command, globals: () => GlobalOptions, out: Output): void {
  program
    .command('describe')
    .argument('<kind>', 'is (imagestream), istag (imagestreamtag), isimage (imagestreamimage) or image')
    .argument('<name>', 'NAME, NAME:TAG, NAME@DIGEST, or (for image) the digest')
    .description('Show an image stream, tag or image the way a person reads it')
    .addHelpText('after', '\nExamples:\n  kubectl image describe is ruby\n  kubectl image describe istag ruby:3.3\n  kubectl image describe image sha256:…')
    .action(async (kind: string, name: string) => {
      const k = connect(globals());
      switch (kind) {
        case 'is':
        case 'imagestream':
        case 'imagestreams': {
          const s = await getStream(k, name);
          if (!s) throw new CliError(`Error from server (NotFound): imagestreams.image.openshift.io "${name}" not found`);
          out.print(describeStream(s));
          return;
        }
        case 'istag':
        case 'imagestreamtag': {
          const ist = await getNamespaced<{ image: Image; metadata: { name: string; namespace: string; creationTimestamp?: string } }>(
            k,
            'imagestreamtags',
            name,
          );
          out.print(
            describeImage(ist.image, [
              ['Name', ist.metadata.name],
              ['Namespace', ist.metadata.namespace],
              ['Created', ago(ist.metadata.creationTimestamp)],
            ]),
          );
          return;
        }
        case 'isimage':
        case 'imagestreamimage': {
          const isi = await getNamespaced<{ image: Image; metadata: { name: string; namespace: string } }>(k, 'imagestreamimages', name);
          out.print(
            describeImage(isi.image, [
              ['Name', isi.metadata.name],
              ['Namespace', isi.metadata.namespace],
            ]),
          );
          return;
        }
        case 'image':
        case 'images':
          out.print(describeImage(await getImage(k, name)));
          return;
        default:
          throw new CliError(`error: describe knows is, istag, isimage and image, not ${JSON.stringify(kind)}`);
      }
    });
}
