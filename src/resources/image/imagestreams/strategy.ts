/**
 * ImageStream strategies: the main resource (spec; status derived), `/status`
 * (status; spec kept) and the internal path (both, for the virtual resources and the importer).
 * Spec tags that reference other tags or are `reference: true` become status events at once
 * (tagsChanged); tags tracking a tag of this stream follow it. The repository fields are derived
 * from the cluster image config on every read, so they follow it without a restart.
 */
import { fieldErr, fieldErrorMessage, type FieldError } from '../../../api/errors.js';
import type { RequestContext, Strategy, UserInfo } from '../../../api/strategy.js';
import { rfc3339 } from '../../../api/object-meta.js';
import { exact, parseDockerImageReference } from '../../../apis/image/reference.js';
import type { ImageStream, TagEvent, TagReference } from '../../../apis/image/schema.js';
import { addTagEvent, latestEvent, tagRefChanged, updateTrackingTags } from '../../../apis/image/tag-events.js';
import { validateImageStream, validateImageStreamStatusUpdate, validateImageStreamUpdate } from '../../../apis/image/imagestream-validation.js';
import type { RegistryWhitelister } from '../../../apis/image/whitelist.js';

export interface RegistryConfig {
  readonly internalRegistryHostname?: string;
  readonly externalRegistryHostnames: readonly string[];
  readonly whitelister: RegistryWhitelister;
  /** The cluster's import mode for tags that name none (images.config imageStreamImportMode). */
  readonly defaultImportMode?: string;
}

export interface ImageStreamDeps {
  /** Read on every call: config changes apply without a restart. */
  registryConfig(): RegistryConfig;
  getImageStream(namespace: string, name: string): Promise<ImageStream | undefined>;
  /** Whether the user may pull from a stream (`get imagestreams/layers` in its namespace). */
  canPull?(user: UserInfo, namespace: string, stream: string): boolean;
}

export const DEFAULT_IMPORT_MODE = 'Legacy';

/**
 * Spec and status tag lists: sorted by name, duplicates collapse with the last one winning
 * (openshift-apiserver keeps them in a map by name).
 */
function normalizeTags(stream: ImageStream): void {
  const spec = stream.spec;
  if (spec?.tags) {
    const byName = new Map<string, TagReference>();
    for (const t of spec.tags) byName.set(t.name, t);
    spec.tags = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const status = stream.status;
  if (status?.tags) {
    const byTag = new Map(status.tags.map((t) => [t.tag, t]));
    status.tags = [...byTag.values()].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }
}

export function defaultImageStream(stream: ImageStream, importMode: string = DEFAULT_IMPORT_MODE): void {
  const spec = (stream.spec ??= {});
  spec.lookupPolicy ??= { local: false };
  for (const t of spec.tags ?? []) {
    t.referencePolicy ??= { type: '' };
    if (!t.referencePolicy.type) t.referencePolicy.type = 'Source';
    if (t.importPolicy) t.importPolicy.importMode ||= importMode;
    else t.importPolicy = { importMode };
    if (t.annotations === undefined) t.annotations = null;
    if (t.generation === undefined) t.generation = null;
  }
  normalizeTags(stream);
}

function setRepositoryFields(stream: ImageStream, cfg: RegistryConfig): void {
  const status = (stream.status ??= { dockerImageRepository: '' });
  const ns = stream.metadata.namespace || 'default';
  const name = stream.metadata.name ?? '';
  let repo = cfg.internalRegistryHostname ? `${cfg.internalRegistryHostname}/${ns}/${name}` : (stream.spec?.dockerImageRepository ?? '');
  if (!cfg.internalRegistryHostname && repo) {
    // Legacy data may carry a tag or ID in the repository; it is stripped on output.
    try {
      repo = exact({ ...parseDockerImageReference(repo), tag: '', id: '' });
    } catch {
      // keep as stored
    }
  }
  status.dockerImageRepository = repo;
  const external = cfg.externalRegistryHostnames[0];
  if (external) status.publicDockerImageRepository = `${external}/${ns}/${name}`;
  else delete status.publicDockerImageRepository;
}

function wrapInternal(stream: ImageStream, errs: FieldError[]): FieldError[] {
  if (errs.length === 0) return [];
  const texts = errs.map(fieldErrorMessage);
  const inner = `imagestreams "${stream.metadata.name ?? ''}" is invalid: ${texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`}`;
  return [fieldErr.internal('[]', inner)];
}

/** `<tag>`, `<stream>:<tag>`, `<id>` or `<stream>@<id>`. */
function splitSource(kind: string, name: string, streamName: string): { stream: string; tagOrId: string } | undefined {
  const sep = kind === 'ImageStreamImage' ? '@' : ':';
  const parts = name.split(sep);
  if (parts.length === 1) return { stream: streamName, tagOrId: parts[0] ?? '' };
  if (parts.length === 2 && parts[0] && parts[1]) return { stream: parts[0], tagOrId: parts[1] };
  return undefined;
}

function resolveImageId(source: ImageStream, id: string): TagEvent[] {
  const matches = new Map<string, TagEvent>();
  for (const t of source.status?.tags ?? []) {
    for (const item of t.items ?? []) {
      if (item.image && (item.image === id || item.image.startsWith(id) || item.image.split(':')[1]?.startsWith(id))) matches.set(item.image, item);
    }
  }
  return [...matches.values()];
}

/**
 * tagsChanged: derives status events from new or changed spec tags, then updates the tags
 * that track changed status tags. Mutates `stream`; returns field errors (to be wrapped).
 */
async function tagsChanged(old: ImageStream | undefined, stream: ImageStream, deps: ImageStreamDeps, now: Date): Promise<FieldError[]> {
  const errs: FieldError[] = [];
  const ns = stream.metadata.namespace ?? '';
  const name = stream.metadata.name ?? '';
  const generation = stream.metadata.generation ?? 1;
  const cfg = deps.registryConfig();
  const before = new Map((stream.status?.tags ?? []).map((t) => [t.tag, JSON.stringify(t.items?.[0] ?? null)]));
  for (const tag of stream.spec?.tags ?? []) {
    const previous = old?.spec?.tags?.find((t) => t.name === tag.name);
    if (!tag.from || (previous && !tagRefChanged(previous, tag, ns))) continue;
    const path = `spec.tags[${tag.name}].from.name`;
    tag.generation = generation;
    const kind = tag.from.kind ?? '';
    const fromName = tag.from.name ?? '';
    if (kind === 'DockerImage') {
      if (fromName && tag.reference) addTagEvent(stream, tag.name, { created: rfc3339(now), dockerImageReference: fromName, image: '', generation });
      continue;
    }
    const src = splitSource(kind, fromName, name);
    if (!src) {
      errs.push(fieldErr.invalid(path, fromName, 'must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>'));
      continue;
    }
    const srcNs = tag.from.namespace || ns;
    let source: ImageStream | undefined = srcNs === ns && src.stream === name ? stream : undefined;
    if (!source) {
      try {
        source = await deps.getImageStream(srcNs, src.stream);
      } catch (e) {
        errs.push(fieldErr.invalid(path, fromName, `unable to retrieve image stream: ${(e as Error).message}`));
        continue;
      }
      if (!source) {
        errs.push(fieldErr.notFound(path, fromName));
        continue;
      }
    }
    let event: TagEvent;
    if (kind === 'ImageStreamTag') {
      const latest = latestEvent(source, src.tagOrId);
      if (!latest) continue;
      event = { ...latest };
    } else {
      const found = resolveImageId(source, src.tagOrId);
      if (found.length === 0) {
        errs.push(fieldErr.invalid(path, fromName, `error generating tag event: imagestreamimage.image.openshift.io "${src.tagOrId}" not found`));
        continue;
      }
      if (found.length > 1) {
        errs.push(
          fieldErr.invalid(
            path,
            fromName,
            `error generating tag event: multiple images match the prefix "${src.tagOrId}": ${found.map((f) => f.image).join(', ')}`,
          ),
        );
        continue;
      }
      const match = found[0] as TagEvent;
      event = { created: rfc3339(now), dockerImageReference: match.dockerImageReference, image: match.image, generation };
    }
    event.generation = generation;
    if (!tag.reference && cfg.internalRegistryHostname) {
      const prefix = `${cfg.internalRegistryHostname}/${srcNs}/${src.stream}`;
      if (event.dockerImageReference.startsWith(`${prefix}@`) || event.dockerImageReference.startsWith(`${prefix}:`))
        event.dockerImageReference = `${cfg.internalRegistryHostname}/${ns}/${name}${event.dockerImageReference.slice(prefix.length)}`;
    }
    addTagEvent(stream, tag.name, event);
  }
  const specTags = new Set((stream.spec?.tags ?? []).map((t) => t.name));
  for (const t of stream.status?.tags ?? []) {
    const newest = t.items?.[0];
    if (!newest) continue;
    const changed =
      old === undefined ||
      before.get(t.tag) !== JSON.stringify(newest) ||
      !old.status?.tags?.some((o) => o.tag === t.tag && JSON.stringify(o.items?.[0] ?? null) === JSON.stringify(newest));
    if (changed && (specTags.has(t.tag) || !old?.spec?.tags?.some((s) => s.name === t.tag))) updateTrackingTags(stream, t.tag, newest);
  }
  return errs;
}

export function createImageStreamStrategies(deps: ImageStreamDeps): {
  main: Strategy<ImageStream>;
  status: Strategy<ImageStream>;
  internal: Strategy<ImageStream>;
} {
  const decorate = (stream: ImageStream) => {
    setRepositoryFields(stream, deps.registryConfig());
    // `tags` is omitempty in the Go type: a stream without status tags has none, not `[]`.
    if (stream.status?.tags?.length === 0) delete stream.status.tags;
  };

  /**
   * The tag verifier: a new or changed tag whose source is a stream in another namespace
   * needs the right to pull from it there.
   */
  const verifyTagSources = (stream: ImageStream, old: ImageStream | undefined, user: UserInfo): FieldError[] => {
    if (!deps.canPull) return [];
    const ns = stream.metadata.namespace ?? '';
    const errs: FieldError[] = [];
    for (const tag of stream.spec?.tags ?? []) {
      const from = tag.from;
      if (!from?.namespace || from.namespace === ns || (from.kind !== 'ImageStreamTag' && from.kind !== 'ImageStreamImage')) continue;
      const previous = old?.spec?.tags?.find((t) => t.name === tag.name);
      if (previous && !tagRefChanged(previous, tag, ns)) continue;
      const src = splitSource(from.kind, from.name ?? '', '');
      if (!src?.stream) {
        errs.push(fieldErr.invalid(`spec.tags[${tag.name}].from.name`, from.name ?? '', 'must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>'));
        continue;
      }
      if (!deps.canPull(user, from.namespace, src.stream))
        errs.push(fieldErr.forbidden(`spec.tags[${tag.name}].from`, `${from.namespace}/${src.stream}: "" ""`));
    }
    return errs;
  };

  const validateCreate = async (stream: ImageStream, ctx: RequestContext): Promise<FieldError[]> => {
    const denied = verifyTagSources(stream, undefined, ctx.user);
    const derived = denied.length ? [] : await tagsChanged(undefined, stream, deps, ctx.now);
    return [...validateImageStream(stream, deps.registryConfig().whitelister), ...wrapInternal(stream, [...denied, ...derived])];
  };
  const validateUpdate = async (stream: ImageStream, old: ImageStream, ctx: RequestContext): Promise<FieldError[]> => {
    const denied = verifyTagSources(stream, old, ctx.user);
    const derived = denied.length ? [] : await tagsChanged(old, stream, deps, ctx.now);
    return [...validateImageStreamUpdate(stream, old, deps.registryConfig().whitelister), ...wrapInternal(stream, [...denied, ...derived])];
  };

  /**
   * Generations on update: the stream's goes up when its spec changes (or was 0); a tag keeps its own
   * unless it is new, its reference changed or the client set it to 0, when it takes the stream's.
   */
  const updateGenerations = (stream: ImageStream, old: ImageStream) => {
    const ns = stream.metadata.namespace ?? '';
    stream.metadata.generation = old.metadata.generation ?? 0;
    for (const tag of stream.spec?.tags ?? []) {
      const prev = old.spec?.tags?.find((t) => t.name === tag.name);
      if (tag.generation === 0) continue;
      if (prev) tag.generation = prev.generation ?? null;
    }
    const specChanged = JSON.stringify(stream.spec ?? {}) !== JSON.stringify(old.spec ?? {});
    if (specChanged || (stream.metadata.generation ?? 0) === 0) stream.metadata.generation = (old.metadata.generation ?? 0) + 1;
    for (const tag of stream.spec?.tags ?? []) {
      const prev = old.spec?.tags?.find((t) => t.name === tag.name);
      if (!prev || tagRefChanged(prev, tag, ns)) tag.generation = null;
      if (tag.generation === null || tag.generation === undefined || tag.generation === 0) tag.generation = stream.metadata.generation;
    }
  };

  // Applied on every read too, so stored tags without a mode show the cluster's current default.
  const defaults = (stream: ImageStream) => defaultImageStream(stream, deps.registryConfig().defaultImportMode || DEFAULT_IMPORT_MODE);
  const base = {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    default: defaults,
    decorate,
    decorationInputs: () => deps.registryConfig(),
  } as const;

  const main: Strategy<ImageStream> = {
    ...base,
    prepareForCreate(stream) {
      stream.status = { dockerImageRepository: '' };
      setRepositoryFields(stream, deps.registryConfig());
      stream.metadata.generation = 1;
      for (const t of stream.spec?.tags ?? []) t.generation = 1;
    },
    validate: validateCreate,
    prepareForUpdate(stream, old) {
      stream.status = structuredClone(old.status ?? { dockerImageRepository: '' });
      setRepositoryFields(stream, deps.registryConfig());
      updateGenerations(stream, old);
    },
    validateUpdate,
  };

  const status: Strategy<ImageStream> = {
    ...base,
    prepareForCreate: main.prepareForCreate,
    validate: validateCreate,
    prepareForUpdate(stream, old) {
      stream.spec = structuredClone(old.spec ?? {});
      stream.metadata.generation = old.metadata.generation ?? 0;
      // A new newest event without a generation gets one: the stream's, or its spec tag's when the
      // tag moved.
      for (const t of stream.status?.tags ?? []) {
        const newest = t.items?.[0];
        if (newest?.generation !== 0) continue;
        const prev = old.status?.tags?.find((o) => o.tag === t.tag)?.items?.[0];
        const unchanged = prev && prev.image === newest.image && prev.dockerImageReference === newest.dockerImageReference;
        const specTag = stream.spec.tags?.find((s) => s.name === t.tag);
        newest.generation =
          !prev || unchanged
            ? (stream.metadata.generation ?? 0)
            : typeof specTag?.generation === 'number'
              ? specTag.generation
              : (stream.metadata.generation ?? 0);
      }
    },
    validateUpdate: (stream, old) => validateImageStreamStatusUpdate(stream, old, deps.registryConfig().whitelister),
  };

  const internal: Strategy<ImageStream> = {
    ...base,
    prepareForCreate(stream) {
      stream.status ??= { dockerImageRepository: '' };
      setRepositoryFields(stream, deps.registryConfig());
      stream.metadata.generation = 1;
      for (const t of stream.spec?.tags ?? []) t.generation = 1;
    },
    validate: validateCreate,
    prepareForUpdate(stream, old) {
      setRepositoryFields(stream, deps.registryConfig());
      updateGenerations(stream, old);
    },
    validateUpdate,
  };

  return { main, status, internal };
}
