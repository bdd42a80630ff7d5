/**
 * ImageStream validation: the name, spec.dockerImageRepository (no tag, no ID), every spec tag's
 * `from`, and every status event's reference must parse and be admitted by the import allow-list;
 * an update keeps admitting the repositories the old stream already held. Tag names are free. Pure:
 * the allow-list comes in as an argument.
 */
import { fieldErr, type FieldError } from '../../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate, validatePathSegmentName, type NameValidator } from '../../api/validation/object-meta.js';
import { parseDockerImageReference } from './reference.js';
import type { ImageStream, TagReference } from './schema.js';
import type { RegistryWhitelister, Transport } from './whitelist.js';

export const INSECURE_REPOSITORY_ANNOTATION = 'openshift.io/image.insecureRepository';
const STREAM_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const FROM_KINDS = ['DockerImage', 'ImageStreamImage', 'ImageStreamTag'];
const IMPORT_MODES = ['', 'Legacy', 'PreserveOriginal'];

export const validateImageStreamName: NameValidator = (name, prefix) => {
  const errs = validatePathSegmentName(name, prefix);
  if (errs.length) return errs;
  return STREAM_NAME.test(name) ? [] : [`must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"`];
};

function streamInsecure(stream: ImageStream): boolean {
  return stream.metadata.annotations?.[INSECURE_REPOSITORY_ANNOTATION] === 'true';
}

export function validateTagReference(tag: TagReference, path: string, whitelister: RegistryWhitelister, insecureStream: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const from = tag.from;
  if (from) {
    if (!from.name) errs.push(fieldErr.required(`${path}.from.name`));
    if (!FROM_KINDS.includes(from.kind ?? '')) {
      errs.push(fieldErr.required(`${path}.from.kind`, "valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'"));
    } else if (from.kind === 'DockerImage' && from.name) {
      try {
        parseDockerImageReference(from.name);
        const transport: Transport = tag.importPolicy?.insecure || insecureStream ? 'any' : 'secure';
        const denied = whitelister.admitPullSpec(from.name, transport);
        if (denied) errs.push(fieldErr.forbidden(`${path}.from.name`, denied));
      } catch (e) {
        errs.push(fieldErr.invalid(`${path}.from.name`, from.name, (e as Error).message));
      }
    } else if (tag.importPolicy?.scheduled) {
      errs.push(fieldErr.invalid(`${path}.importPolicy.scheduled`, true, 'only tags pointing to Docker repositories may be scheduled for background import'));
    }
  }
  const policy = tag.referencePolicy?.type;
  if (policy !== undefined && policy !== 'Source' && policy !== 'Local')
    errs.push(fieldErr.invalid(`${path}.referencePolicy.type`, policy, 'valid values are "Source", "Local"'));
  const mode = tag.importPolicy?.importMode;
  if (mode !== undefined && !IMPORT_MODES.includes(mode))
    errs.push(fieldErr.invalid(`${path}.importPolicy.importMode`, mode, "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'"));
  return errs;
}

function validateStatusItems(stream: ImageStream, whitelister: RegistryWhitelister, onlyNew?: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const transport: Transport = streamInsecure(stream) ? 'any' : 'secure';
  for (const t of stream.status?.tags ?? []) {
    (t.items ?? []).forEach((item, i) => {
      const path = `status.tags[${t.tag}].items[${i}].dockerImageReference`;
      if (onlyNew?.has(item.dockerImageReference)) return;
      if (!item.dockerImageReference) {
        errs.push(fieldErr.required(path));
        return;
      }
      try {
        parseDockerImageReference(item.dockerImageReference);
      } catch (e) {
        errs.push(fieldErr.invalid(path, item.dockerImageReference, (e as Error).message));
        return;
      }
      const denied = whitelister.admitPullSpec(item.dockerImageReference, transport);
      if (denied) errs.push(fieldErr.forbidden(path, denied));
    });
  }
  return errs;
}

function validateFields(stream: ImageStream, whitelister: RegistryWhitelister): FieldError[] {
  const errs: FieldError[] = [];
  const ns = stream.metadata.namespace ?? '';
  const name = stream.metadata.name ?? '';
  if (`${ns}/${name}`.length > 255) errs.push(fieldErr.invalid('metadata.name', name, "'namespace/name' cannot be longer than 255 characters"));
  const repo = stream.spec?.dockerImageRepository;
  if (repo) {
    try {
      const ref = parseDockerImageReference(repo);
      if (ref.tag) errs.push(fieldErr.invalid('spec.dockerImageRepository', repo, 'the repository name may not contain a tag'));
      if (ref.id) errs.push(fieldErr.invalid('spec.dockerImageRepository', repo, 'the repository name may not contain an ID'));
      const denied = whitelister.admitPullSpec(repo, streamInsecure(stream) ? 'any' : 'secure');
      if (denied) errs.push(fieldErr.forbidden('spec.dockerImageRepository', denied));
    } catch (e) {
      errs.push(fieldErr.invalid('spec.dockerImageRepository', repo, (e as Error).message));
    }
  }
  for (const tag of stream.spec?.tags ?? []) errs.push(...validateTagReference(tag, `spec.tags[${tag.name}]`, whitelister, streamInsecure(stream)));
  return errs;
}

const meta = { namespaced: true, validateName: validateImageStreamName } as const;

export function validateImageStream(stream: ImageStream, whitelister: RegistryWhitelister): FieldError[] {
  return [...validateObjectMeta(stream.metadata, meta), ...validateFields(stream, whitelister), ...validateStatusItems(stream, whitelister)];
}

/** Every pull spec an existing stream holds: users may keep what is already there. */
export function referencedPullSpecs(stream: ImageStream): string[] {
  const specs: string[] = [];
  if (stream.spec?.dockerImageRepository) specs.push(stream.spec.dockerImageRepository);
  for (const t of stream.spec?.tags ?? []) if (t.from?.kind === 'DockerImage' && t.from.name) specs.push(t.from.name);
  for (const t of stream.status?.tags ?? []) for (const i of t.items ?? []) if (i.dockerImageReference) specs.push(i.dockerImageReference);
  return specs;
}

export function validateImageStreamUpdate(stream: ImageStream, old: ImageStream, whitelister: RegistryWhitelister): FieldError[] {
  const w = whitelister.withRepositories(referencedPullSpecs(old));
  return [...validateObjectMetaUpdate(stream.metadata, old.metadata), ...validateFields(stream, w), ...validateStatusItems(stream, w)];
}

/** `/status` updates: only references new in status are checked. */
export function validateImageStreamStatusUpdate(stream: ImageStream, old: ImageStream, whitelister: RegistryWhitelister): FieldError[] {
  const known = new Set((old.status?.tags ?? []).flatMap((t) => (t.items ?? []).map((i) => i.dockerImageReference)));
  return [...validateObjectMetaUpdate(stream.metadata, old.metadata), ...validateStatusItems(stream, whitelister, known)];
}
