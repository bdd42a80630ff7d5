/**
 * imagestreamimports: import image metadata from registries. With
 * `import: false` it is a preview; with `import: true` the results are tagged into the stream
 * (created when missing) and the Images stored. Per-entry failures are data (a Status in each
 * entry, an ImportSuccess=False condition on the tag), a store refusing one entry's Image included;
 * the request itself answers 201 and leaves no Image that no tag points at. A success with
 * something to say (a platform fallback, a trimmed config) is an ImportSuccess=True condition. A
 * re-import that changes nothing writes nothing.
 */
import type { TSchema } from '@sinclair/typebox';
import { conflict, fieldErr, invalid, isApiError, notFound, serviceUnavailable, type FieldError } from '../../../api/errors.js';
import type { ResourceInfo } from '../../../api/resource-info.js';
import type { RequestContext } from '../../../api/strategy.js';
import { decodeBody } from '../../../apiserver/generic/decode-body.js';
import type { ResourceHandler } from '../../../apiserver/generic/handler.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { trustedCAs } from './trusted-cas.js';
import { rfc3339 } from '../../../api/object-meta.js';
import { keyringFromSecrets } from '../../../importer/credentials.js';
import type { NetworkPolicy } from '../../../importer/address-guard.js';
import type { ImportMetrics } from '../../../importer/metrics.js';
import type { RequestBudget } from '../../../importer/request-budget.js';
import { repositoryStatus, runImport, wantsAnonymousRetry } from '../../../importer/importer.js';
import { importDeadline, type ImportLimits } from '../../../importer/limits.js';
import type { Secret } from '../../../apis/core/secret.js';
import type { ConfigMap } from '../../../apis/core/configmap.js';
import { parseDockerImageReference, registryHostPort } from '../../../apis/image/reference.js';
import type { RegistryWhitelister } from '../../../apis/image/whitelist.js';
import type { UserInfo } from '../../../api/strategy.js';
import type { Image, ImageStream, TagReference } from '../../../apis/image/schema.js';
import { addTagEvent, latestEvent, statusTag } from '../../../apis/image/tag-events.js';
import { validateImageStreamName } from '../../../apis/image/imagestream-validation.js';
import type { ImageImportStatus, ImageStreamImport } from '../../../apis/image/virtual-schemas.js';
import { API_VERSION } from '../common.js';
import { EXCLUDE_SECRET_ANNOTATION } from '../imagestreams/subresources.js';
import { storeVerifiedImage } from './verified-images.js';

export const REPOSITORY_CHECK_ANNOTATION = 'openshift.io/image.dockerRepositoryCheck';
const KIND = { group: 'image.openshift.io', kind: 'ImageStreamImport' };
const IMPORT_MODES = ['', 'Legacy', 'PreserveOriginal'];

export interface ImportPolicyConfig {
  readonly insecureRegistries: readonly string[];
  readonly blockedRegistries: readonly string[];
  /** Name of a ConfigMap in openshift-config whose values are PEM CAs trusted for imports. */
  readonly additionalTrustedCA?: string;
  /** The import mode of entries that name none. */
  readonly defaultImportMode?: string;
}

export interface ImageStreamImportDeps {
  readonly info: ResourceInfo;
  readonly schema: TSchema;
  readonly streams: ResourceStore<ImageStream>;
  readonly internal: ResourceStore<ImageStream>;
  readonly images: ResourceStore<Image>;
  readonly secrets: ResourceStore<Secret>;
  readonly configMaps: ResourceStore<ConfigMap>;
  readonly importPolicy: () => ImportPolicyConfig;
  readonly whitelister: () => RegistryWhitelister;
  /**
   * Users allowed to create images or mappings can put any image in a stream anyway, so
   * allowedRegistriesForImport does not bind them.
   */
  readonly mayBypassAllowList: (user: UserInfo, namespace: string) => boolean;
  readonly network: NetworkPolicy;
  readonly maxTagsPerRepository: number;
  readonly requestTimeoutMs: number;
  /** How long one import may take in all (an API request's import also ends with its request). */
  readonly importTimeoutMs: number;
  readonly limits: ImportLimits;
  readonly metrics: ImportMetrics;
  readonly budget: RequestBudget;
}

function validateImport(isi: ImageStreamImport): FieldError[] {
  const errs: FieldError[] = [];
  const name = isi.metadata.name ?? '';
  if (!name) errs.push(fieldErr.required('metadata.name'));
  else for (const m of validateImageStreamName(name, false)) errs.push(fieldErr.invalid('metadata.name', name, m));
  const images = isi.spec.images ?? [];
  images.forEach((img, i) => {
    const p = `spec.images[${i}]`;
    if (img.from.kind !== 'DockerImage') errs.push(fieldErr.invalid(`${p}.from.kind`, img.from.kind ?? '', 'only DockerImage is supported'));
    if (img.to && !img.to.name) errs.push(fieldErr.invalid(`${p}.to.name`, '', 'the name of the target tag must be specified'));
    if (!img.from.name) errs.push(fieldErr.required(`${p}.from.name`));
    else if (img.from.name !== '*') {
      try {
        parseDockerImageReference(img.from.name);
      } catch (e) {
        errs.push(fieldErr.invalid(`${p}.from.name`, img.from.name, (e as Error).message));
      }
    }
    const mode = img.importPolicy?.importMode;
    if (mode !== undefined && !IMPORT_MODES.includes(mode))
      errs.push(fieldErr.invalid(`${p}.importPolicy.importMode`, mode, "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'"));
  });
  const repo = isi.spec.repository;
  if (repo) {
    if (repo.from.kind !== 'DockerImage') errs.push(fieldErr.invalid('spec.repository.from.kind', repo.from.kind ?? '', 'only DockerImage is supported'));
    if (!repo.from.name) errs.push(fieldErr.required('spec.repository.from.name', 'container image references require a name'));
    else {
      try {
        const ref = parseDockerImageReference(repo.from.name);
        if (ref.tag || ref.id)
          errs.push(fieldErr.invalid('spec.repository.from.name', repo.from.name, 'you must specify an image repository, not a tag or ID'));
      } catch (e) {
        errs.push(fieldErr.invalid('spec.repository.from.name', repo.from.name, (e as Error).message));
      }
    }
  }
  if (images.length === 0 && !repo) errs.push(fieldErr.invalid('spec.images', null, 'you must specify at least one image or a repository import'));
  return errs;
}

/** Every registry an import names must be allowed (hostnames as `host:port`, matched as secure). */
function allowListErrors(isi: ImageStreamImport, whitelister: RegistryWhitelister): FieldError[] {
  const errs: FieldError[] = [];
  const check = (name: string | undefined, insecure: boolean, path: string) => {
    if (!name || name === '*') return;
    const { host, port } = registryHostPort(parseDockerImageReference(name), insecure);
    // Named as the importer will contact it (Docker Hub as registry-1.docker.io); docker.io entries still match it.
    const hostname = `${host}:${port}`;
    const denied = whitelister.admitHostname(hostname, 'secure');
    if (denied) errs.push(fieldErr.forbidden(path, `importing images from registry "${hostname}" is forbidden: ${denied}`));
  };
  (isi.spec.images ?? []).forEach((img, i) => check(img.from.name, img.importPolicy?.insecure ?? false, `spec.images[${i}].from.name`));
  if (isi.spec.repository) check(isi.spec.repository.from.name, isi.spec.repository.importPolicy?.insecure ?? false, 'spec.repository.from.name');
  return errs;
}

/** `to` defaults to the source tag for tag references (SetDefaults_ImageImportSpec). */
function defaultTo(isi: ImageStreamImport): void {
  for (const img of isi.spec.images ?? []) {
    if (img.to || !img.from.name) continue;
    try {
      const ref = parseDockerImageReference(img.from.name);
      if (ref.tag) img.to = { name: ref.tag };
    } catch {
      // reported by validation
    }
  }
}

function ensureSpecTag(
  stream: ImageStream,
  tag: string,
  from: string,
  importPolicy: TagReference['importPolicy'],
  referencePolicy: TagReference['referencePolicy'],
  reset: boolean,
): TagReference {
  const spec = (stream.spec ??= {});
  const tags = (spec.tags ??= []);
  let t = tags.find((x) => x.name === tag);
  if (!t) {
    t = {
      name: tag,
      from: { kind: 'DockerImage', name: from },
      generation: 0,
      ...(importPolicy ? { importPolicy } : {}),
      referencePolicy: referencePolicy ?? { type: 'Source' },
    };
    tags.push(t);
    return t;
  }
  if (reset) {
    t.from = { kind: 'DockerImage', name: from };
    t.generation = 0;
    if (importPolicy) t.importPolicy = importPolicy;
    t.referencePolicy ??= referencePolicy ?? { type: 'Source' };
  }
  return t;
}

interface Applied {
  changed: boolean;
}

/** Successful results with a target tag, whose Images (and a list's children) are stored. */
function resultsToStore(isi: ImageStreamImport): ImageImportStatus[] {
  const out: ImageImportStatus[] = [];
  const take = (r: ImageImportStatus | undefined) => {
    if (r?.image && (r.status as { status?: string }).status === 'Success') out.push(r);
  };
  (isi.spec.images ?? []).forEach((spec, i) => {
    if (spec.to?.name) take(isi.status?.images?.[i]);
  });
  for (const r of isi.status?.repository?.images ?? []) take(r);
  return out;
}

/** The nested Status of an entry whose Image the store refused: the entry fails alone, naming the digest. */
function storeFailure(err: unknown, digest: string): Record<string, unknown> {
  const status = isApiError(err) ? err.status : undefined;
  const why = status?.message ?? (err as Error)?.message ?? String(err);
  return {
    metadata: {},
    status: 'Failure',
    reason: status?.reason ?? 'InternalError',
    code: status?.code ?? 500,
    message: `the image ${digest} could not be stored: ${why}`,
  };
}

/** createImages: applies results that have a target tag to the stream (mutated). */
function applyResults(stream: ImageStream, isi: ImageStreamImport, now: Date): Applied {
  const nextGeneration = (stream.metadata.generation ?? 0) + 1;
  let changed = false;
  const apply = (
    tag: string,
    from: string,
    result: ImageImportStatus,
    importPolicy: TagReference['importPolicy'],
    referencePolicy: TagReference['referencePolicy'],
    createSpec: boolean,
  ) => {
    const s = result.status as { status?: string; reason?: string; message?: string };
    if (s.status !== 'Success' || !result.image) {
      const list = statusTag(stream, tag);
      const message = s.message || 'unknown error prevented import';
      const same = list?.conditions?.some((c) => c.type === 'ImportSuccess' && c.status === 'False' && c.reason === s.reason && c.message === message);
      if (same) return;
      const condition = {
        type: 'ImportSuccess',
        status: 'False',
        reason: s.reason ?? '',
        message,
        generation: nextGeneration,
        lastTransitionTime: rfc3339(now),
      };
      const status = (stream.status ??= { dockerImageRepository: '' });
      const tags = (status.tags ??= []);
      const entry = tags.find((t) => t.tag === tag);
      if (entry) entry.conditions = [condition];
      else tags.push({ tag, items: null, conditions: [condition] });
      changed = true;
      if (createSpec) ensureSpecTag(stream, tag, from, importPolicy, referencePolicy, false).generation = 0;
      return;
    }
    const image = result.image;
    const event = {
      created: rfc3339(now),
      dockerImageReference: image.dockerImageReference ?? '',
      image: image.metadata?.name ?? '',
      generation: nextGeneration,
    };
    const newest = latestEvent(stream, tag);
    const spec = stream.spec?.tags?.find((t) => t.name === tag);
    const specGen = typeof spec?.generation === 'number' ? spec.generation : undefined;
    const tagChanged =
      !newest ||
      !spec ||
      specGen === undefined ||
      newest.dockerImageReference !== event.dockerImageReference ||
      newest.image !== event.image ||
      specGen > newest.generation;
    if (tagChanged) {
      if (createSpec || spec) ensureSpecTag(stream, tag, from, importPolicy, referencePolicy, true);
      addTagEvent(stream, tag, event);
      changed = true;
    }
    // A success the user should know more about (a platform fallback, a trimmed config) says so
    // in an ImportSuccess=True condition; a plain one clears the tag's conditions.
    const list = statusTag(stream, tag);
    if (s.message) {
      const same =
        list?.conditions?.length === 1 &&
        list.conditions.some((c) => c.type === 'ImportSuccess' && c.status === 'True' && c.reason === s.reason && c.message === s.message);
      if (!same && list) {
        list.conditions = [
          { type: 'ImportSuccess', status: 'True', reason: s.reason ?? '', message: s.message, generation: nextGeneration, lastTransitionTime: rfc3339(now) },
        ];
        changed = true;
      }
    } else if (list?.conditions) {
      delete list.conditions;
      changed = true;
    }
  };
  (isi.spec.images ?? []).forEach((spec, i) => {
    const result = isi.status?.images?.[i];
    if (!spec.to?.name || !result) return;
    apply(spec.to.name, spec.from.name ?? '', result, spec.importPolicy, spec.referencePolicy, true);
  });
  const repo = isi.spec.repository;
  for (const result of isi.status?.repository?.images ?? []) {
    if (!repo || !result.tag) continue;
    apply(result.tag, `${repo.from.name ?? ''}:${result.tag}`, result, repo.importPolicy, repo.referencePolicy, result.image !== undefined);
  }
  return { changed };
}

function stripBlobs(isi: ImageStreamImport): void {
  const strip = (r: ImageImportStatus, keep: boolean) => {
    if (keep) return;
    for (const img of [r.image, ...(r.manifests ?? [])]) {
      if (!img) continue;
      delete img.dockerImageManifest;
      delete img.dockerImageConfig;
    }
  };
  (isi.status?.images ?? []).forEach((r, i) => strip(r, isi.spec.images?.[i]?.includeManifest ?? false));
  for (const r of isi.status?.repository?.images ?? []) strip(r, isi.spec.repository?.includeManifest ?? false);
}

/**
 * Deletes Images this request created (by uid: one replaced meanwhile stays). Best effort: a
 * failure here must not hide the failure that led to it.
 */
async function removeImages(images: ResourceStore<Image>, ctx: RequestContext, created: readonly Image[]): Promise<void> {
  for (const image of [...created].reverse()) {
    const uid = image.metadata.uid;
    if (!uid) continue;
    try {
      await images.delete(ctx, image.metadata.name ?? '', { dryRun: false, preconditions: { uid } });
    } catch {
      // already gone, or replaced: either way not ours to remove any more
    }
  }
}

export function createImageStreamImportHandler(o: ImageStreamImportDeps): ResourceHandler<ImageStreamImport> {
  const expected = { apiVersion: API_VERSION, kind: 'ImageStreamImport' };
  const streamGR = { group: 'image.openshift.io', resource: 'imagestreams' };
  const singular = { group: 'image.openshift.io', resource: 'imagestream' };
  return {
    info: o.info,
    async create(ctx: RequestContext, body, req) {
      const isi = decodeBody<ImageStreamImport>(body, o.schema, expected, ctx, req);
      isi.metadata.namespace = ctx.namespace ?? '';
      delete isi.status;
      defaultTo(isi);
      const errs = validateImport(isi);
      if (errs.length === 0 && !o.mayBypassAllowList(ctx.user, ctx.namespace ?? '')) errs.push(...allowListErrors(isi, o.whitelister()));
      if (errs.length) throw invalid(KIND, isi.metadata.name ?? '', errs);
      const name = isi.metadata.name ?? '';
      const existing = (await o.streams.getRaw(ctx.namespace, name))?.obj;
      const wantRv = isi.metadata.resourceVersion;
      const wantUid = isi.metadata.uid;
      if (!existing && (wantRv || wantUid)) throw notFound(streamGR, name);
      if (existing && wantRv && wantRv !== existing.metadata.resourceVersion)
        throw conflict(singular, name, `the image stream was updated from "${wantRv}" to "${existing.metadata.resourceVersion ?? ''}"`);
      if (existing && wantUid && wantUid !== existing.metadata.uid) throw notFound(singular, name);

      const policy = o.importPolicy();
      const ca = await trustedCAs(o.configMaps, policy.additionalTrustedCA);
      const secrets = (await o.secrets.list(ctx, {})).items.filter((s) => s.metadata.annotations?.[EXCLUDE_SECRET_ANNOTATION] !== 'true');
      const base = {
        keyring: keyringFromSecrets(secrets),
        policy: o.network,
        insecureRegistries: new Set(policy.insecureRegistries),
        blockedRegistries: new Set(policy.blockedRegistries),
        maxTagsPerRepository: o.maxTagsPerRepository,
        requestTimeoutMs: o.requestTimeoutMs,
        metrics: o.metrics,
        budget: o.budget,
        ...(ca ? { ca } : {}),
        ...(policy.defaultImportMode ? { defaultImportMode: policy.defaultImportMode } : {}),
        now: ctx.now,
        ...(existing ? { stream: existing } : {}),
      };
      const deadline = importDeadline(o.importTimeoutMs, '--image-import-timeout', ctx.signal);
      const imported = { ...base, signal: deadline.signal, limits: o.limits };
      // One deadline for both passes: the anonymous retry is part of the same import.
      let status: Awaited<ReturnType<typeof runImport>>;
      try {
        status = await runImport(isi, imported);
        if (wantsAnonymousRetry(status) && !deadline.signal.aborted) {
          // Wrong credentials must not hide a public image; the first answers are kept for failures.
          const anonymous = await runImport(isi, { ...imported, anonymous: true });
          const restore = (first: ImageImportStatus[] | undefined, second: ImageImportStatus[] | undefined) =>
            second?.map((s, i) => ((s.status as { reason?: string }).reason === 'Unauthorized' && first?.[i] ? first[i] : s));
          const images = restore(status.images, anonymous.images);
          const repoImages = restore(status.repository?.images, anonymous.repository?.images);
          status = {
            ...anonymous,
            ...(images ? { images } : {}),
            ...(anonymous.repository ? { repository: { ...anonymous.repository, ...(repoImages ? { images: repoImages } : {}) } } : {}),
          };
        }
      } finally {
        deadline.dispose();
      }
      // Nobody waits for the answer any more: what was fetched is not stored on its behalf.
      if (ctx.signal?.aborted) throw serviceUnavailable('the request ended before its import finished', 1);
      isi.status = status;
      if (!isi.spec.import) {
        stripBlobs(isi);
        return { ...isi, apiVersion: API_VERSION, kind: 'ImageStreamImport' };
      }

      // Images first, so a stream never points at an Image that is not stored yet. An existing
      // Image is reused only when it holds the content just verified; otherwise (a mapping in any
      // namespace may have created it with other layers) the verified content replaces it. An
      // entry whose Images the store refuses fails alone, and the Images it created are removed.
      const cluster = { ...ctx, namespace: undefined } as RequestContext;
      const created: Image[] = [];
      for (const r of resultsToStore(isi)) {
        const mine: Image[] = [];
        let current: Image | undefined;
        try {
          for (current of [...((r.manifests ?? []) as Image[]), r.image as Image]) {
            await storeVerifiedImage(o.images, cluster, current, { dryRun: ctx.dryRun }, (stored) => mine.push(stored));
          }
          created.push(...mine);
        } catch (e) {
          await removeImages(o.images, cluster, mine);
          r.status = storeFailure(e, current?.metadata.name ?? '');
          delete r.image;
          delete r.manifests;
        }
      }
      const repository = isi.status.repository;
      if (repository?.images) repository.status = repositoryStatus(repository.images);
      let result: Awaited<ReturnType<typeof o.internal.guaranteedUpdate>>;
      try {
        result = await o.internal.guaranteedUpdate(
          ctx,
          name,
          (current) => {
            const stream: ImageStream = current ?? {
              apiVersion: API_VERSION,
              kind: 'ImageStream',
              metadata: { name, namespace: ctx.namespace ?? '' },
              spec: {},
            };
            const applied = applyResults(stream, isi, ctx.now);
            const annotations = (stream.metadata.annotations ??= {});
            if (!current || applied.changed || !annotations[REPOSITORY_CHECK_ANNOTATION]) annotations[REPOSITORY_CHECK_ANNOTATION] = rfc3339(ctx.now);
            return stream;
          },
          { dryRun: ctx.dryRun, allowCreate: true },
        );
      } catch (e) {
        // No stream points at what this request created: it does not stay behind.
        await removeImages(o.images, cluster, created);
        throw e;
      }
      stripBlobs(isi);
      isi.status.import = result.object;
      return { ...isi, apiVersion: API_VERSION, kind: 'ImageStreamImport' };
    },
  };
}
