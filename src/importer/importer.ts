/**
 * The importer: fetches what an ImageStreamImport names from registries (fetch-image.ts) and answers
 * one result per entry — an Image, or a Status saying why not (naming the digest at fault). A
 * failure of one entry never fails the request. What an entry produces is validated here, so an
 * entry that could not be stored fails alone, in a preview too; a success the user should know more
 * about (a platform fallback, a trimmed config) carries a message.
 */
import type { ImageStream } from '../apis/image/schema.js';
import { mapLimited } from '../util/map-limited.js';
import { dockerClientDefaults, exact, parseDockerImageReference, referenceString, type DockerImageReference } from '../apis/image/reference.js';
import type { ImageImportStatus, ImageStreamImport } from '../apis/image/virtual-schemas.js';
import type { Keyring } from './credentials.js';
import type { NetworkPolicy } from './address-guard.js';
import type { ImportMetrics } from './metrics.js';
import type { RequestBudget } from './request-budget.js';
import { RegistryClient, RegistryError } from './registry-client.js';
import { checkStorable, EntryError, fetchImage, PREFER_ARCH_ANNOTATION, PREFER_OS_ANNOTATION, type Fetch, type ImportWarning } from './fetch-image.js';
import { byteBudget, DEFAULT_IMPORT_LIMITS, ImportLimitError, type ByteBudget, type ImportLimits } from './limits.js';
import { prioritizeTags } from './tag-priority.js';

export { EntryError, PREFER_ARCH_ANNOTATION, PREFER_OS_ANNOTATION };

export interface ImportContext {
  readonly keyring: Keyring;
  readonly policy: NetworkPolicy;
  /** Registries (host[:port], exact) treated as insecure / refused, from registrySources. */
  readonly insecureRegistries: ReadonlySet<string>;
  readonly blockedRegistries: ReadonlySet<string>;
  readonly maxTagsPerRepository: number;
  readonly requestTimeoutMs?: number;
  readonly metrics?: ImportMetrics;
  readonly budget?: RequestBudget;
  /** Import mode of entries that name none (the cluster default; Legacy when unset). */
  readonly defaultImportMode?: string;
  readonly now: Date;
  readonly ca?: string;
  /** Ignore credentials (the anonymous retry). */
  readonly anonymous?: boolean;
  readonly stream?: ImageStream;
  /** Ends every registry exchange of this import: its deadline passed, or its caller went away. */
  readonly signal?: AbortSignal;
  readonly limits?: ImportLimits;
}

type NestedStatus = Record<string, unknown>;
const SUCCESS: NestedStatus = { metadata: {}, status: 'Success' };

function failure(reason: string, code: number, message: string, details?: Record<string, unknown>): NestedStatus {
  return { metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function errorStatus(err: unknown, ref: string): NestedStatus {
  if (err instanceof EntryError) {
    return err.reason === 'NotFound'
      ? failure('NotFound', 404, `dockerimage.image.openshift.io "${ref}" not found: ${err.message}`, {
          name: ref,
          group: 'image.openshift.io',
          kind: 'dockerimage',
        })
      : failure(err.reason, err.code, `${err.reason === 'InternalError' ? 'Internal error occurred: ' : ''}${ref}: ${err.message}`);
  }
  if (err instanceof ImportLimitError) {
    return err.kind === 'TooLarge' ? failure('RequestEntityTooLarge', 413, `${ref}: ${err.message}`) : failure('Timeout', 504, `${ref}: ${err.message}`);
  }
  if (err instanceof RegistryError) {
    switch (err.kind) {
      case 'NotFound':
        return failure('NotFound', 404, `dockerimage.image.openshift.io "${ref}" not found`, { name: ref, group: 'image.openshift.io', kind: 'dockerimage' });
      case 'Unauthorized':
        return failure('Unauthorized', 401, `you may not have access to the container image "${ref}"`);
      case 'IncorrectCredentials':
        return failure('Unauthorized', 401, `incorrect username or password for image "${ref}"`);
      case 'HttpOnly':
        return failure('BadRequest', 400, `the repository ${ref} is HTTP only and requires the insecure flag to import`);
      case 'NotV2':
        return failure('NotV2Registry', 403, err.message);
      case 'Internal':
        return failure('InternalError', 500, `Internal error occurred: ${ref}: ${err.message}`);
    }
  }
  return failure('InternalError', 500, `Internal error occurred: ${ref}: ${(err as Error)?.message ?? String(err)}`);
}

/** The registry clients of one import, and the bytes it may still read from all of them. */
interface ImportSession {
  readonly clients: Map<string, RegistryClient>;
  readonly bytes: ByteBudget;
}

function clientFor(ctx: ImportContext, ref: DockerImageReference, insecure: boolean, session: ImportSession): RegistryClient {
  const cache = session.clients;
  const registry = dockerClientDefaults(ref).registry === 'docker.io' ? 'registry-1.docker.io' : dockerClientDefaults(ref).registry;
  const creds = ctx.anonymous ? undefined : ctx.keyring.lookup(registry, repositoryPath(ref));
  // Repositories of one registry may carry different credentials (per-path pull secrets).
  const key = `${registry}|${insecure}|${creds ? `${creds.username}:${creds.password}` : ''}`;
  let c = cache.get(key);
  if (!c) {
    c = new RegistryClient({
      registry,
      insecure,
      policy: ctx.policy,
      ...(creds ? { credentials: creds } : {}),
      ...(ctx.ca ? { ca: ctx.ca } : {}),
      ...(ctx.requestTimeoutMs ? { timeoutMs: ctx.requestTimeoutMs } : {}),
      ...(ctx.metrics ? { observe: (code: string, seconds: number) => ctx.metrics?.observeRegistryRequest(registry, code, seconds) } : {}),
      ...(ctx.budget ? { budget: () => (ctx.budget as RequestBudget).take(registry) } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      limits: ctx.limits ?? DEFAULT_IMPORT_LIMITS,
      bytes: session.bytes,
    });
    cache.set(key, c);
  }
  return c;
}

function repositoryPath(ref: DockerImageReference): string {
  const d = dockerClientDefaults(ref);
  return [d.namespace, d.name].filter(Boolean).join('/');
}

function preferredPlatform(stream: ImageStream | undefined, tag: string | undefined): { arch?: string; os?: string } {
  const a = stream?.spec?.tags?.find((t) => t.name === tag)?.annotations ?? {};
  return { ...(a[PREFER_ARCH_ANNOTATION] ? { arch: a[PREFER_ARCH_ANNOTATION] } : {}), ...(a[PREFER_OS_ANNOTATION] ? { os: a[PREFER_OS_ANNOTATION] } : {}) };
}

async function importOne(
  ctx: ImportContext,
  session: ImportSession,
  ref: DockerImageReference,
  insecureFlag: boolean,
  mode: string,
  prefer: { arch?: string; os?: string },
): Promise<ImageImportStatus> {
  const defaulted = dockerClientDefaults(ref);
  const full = referenceString(defaulted);
  if (ctx.blockedRegistries.has(defaulted.registry))
    return { status: failure('Forbidden', 403, `forbidden: registry ${ref.registry || defaulted.registry} blocked`) };
  const insecure = insecureFlag || ctx.insecureRegistries.has(defaulted.registry);
  try {
    const f: Fetch = {
      client: clientFor(ctx, ref, insecure, session),
      repo: repositoryPath(ref),
      ref,
      now: ctx.now,
      limits: ctx.limits ?? DEFAULT_IMPORT_LIMITS,
      warnings: [],
      entries: 0,
    };
    const fetched = await fetchImage(f, ref.id || defaulted.tag, mode, prefer);
    // The user's spelling is kept: `busybox:1` becomes `busybox@sha256:…`.
    fetched.image.dockerImageReference = exact({ ...ref, tag: '', id: fetched.image.metadata.name ?? '' });
    for (const m of fetched.manifests ?? []) m.dockerImageReference = exact({ ...ref, tag: '', id: m.metadata.name ?? '' });
    checkStorable([...(fetched.manifests ?? []), fetched.image]);
    ctx.metrics?.observeImport(defaulted.registry, 'Success');
    return {
      status: successStatus(f.warnings),
      ...(ref.id ? {} : { tag: defaulted.tag }),
      image: fetched.image,
      ...(fetched.manifests ? { manifests: fetched.manifests } : {}),
    };
  } catch (e) {
    const status = errorStatus(e, full);
    ctx.metrics?.observeImport(defaulted.registry, String(status['reason'] ?? 'Unknown'));
    // The tag stays with a failure too: a repository import records it on that tag.
    return { status, ...(ref.id ? {} : { tag: defaulted.tag }) };
  }
}

/**
 * Success; with what the user should know as its message (and the first warning's reason), which
 * an import into a tag turns into an ImportSuccess=True condition.
 */
function successStatus(warnings: readonly ImportWarning[]): NestedStatus {
  if (warnings.length === 0) return SUCCESS;
  return { ...SUCCESS, reason: warnings[0]?.reason ?? '', message: [...new Set(warnings.map((w) => w.message))].join('; ') };
}

const REPOSITORY_CONCURRENCY = 4;

/** Runs `spec.images` and `spec.repository`; returns the ISI status without `import`. */
export async function runImport(isi: ImageStreamImport, ctx: ImportContext): Promise<NonNullable<ImageStreamImport['status']>> {
  const session: ImportSession = { clients: new Map(), bytes: byteBudget((ctx.limits ?? DEFAULT_IMPORT_LIMITS).maxBytes) };
  const status: NonNullable<ImageStreamImport['status']> = {};
  const images: ImageImportStatus[] = [];
  for (const spec of isi.spec.images ?? []) {
    if (spec.from.kind !== 'DockerImage') {
      images.push({ status: {} });
      continue;
    }
    let ref: DockerImageReference;
    try {
      ref = parseDockerImageReference(spec.from.name ?? '');
    } catch (e) {
      images.push({
        status: failure('Invalid', 422, ` "" is invalid: from.name: Invalid value: "${spec.from.name ?? ''}": invalid name: ${(e as Error).message}`),
      });
      continue;
    }
    const prefer = preferredPlatform(ctx.stream, spec.to?.name ?? ref.tag);
    images.push(
      await importOne(ctx, session, ref, spec.importPolicy?.insecure ?? false, spec.importPolicy?.importMode || ctx.defaultImportMode || 'Legacy', prefer),
    );
  }
  if (isi.spec.images) status.images = images;

  const repoSpec = isi.spec.repository;
  if (repoSpec) {
    let ref: DockerImageReference | undefined;
    try {
      ref = parseDockerImageReference(repoSpec.from.name ?? '');
    } catch (e) {
      status.repository = { status: failure('Invalid', 422, `invalid name: ${(e as Error).message}`) };
    }
    if (ref) {
      const defaulted = dockerClientDefaults(ref);
      const insecure = (repoSpec.importPolicy?.insecure ?? false) || ctx.insecureRegistries.has(defaulted.registry);
      if (ctx.blockedRegistries.has(defaulted.registry)) {
        status.repository = { status: failure('Forbidden', 403, `forbidden: registry ${ref.registry || defaulted.registry} blocked`) };
      } else {
        try {
          const tags = prioritizeTags((await clientFor(ctx, ref, insecure, session).listTags(repositoryPath(ref))).map((t) => t || 'latest'));
          const limit = ctx.maxTagsPerRepository < 0 ? tags.length : ctx.maxTagsPerRepository;
          // A few tags at a time: the per-registry budget, not this loop, bounds the request rate.
          const results = await mapLimited(tags.slice(0, limit), REPOSITORY_CONCURRENCY, (tag) =>
            importOne(
              ctx,
              session,
              { ...ref, tag, id: '' },
              insecure,
              repoSpec.importPolicy?.importMode || ctx.defaultImportMode || 'Legacy',
              preferredPlatform(ctx.stream, tag),
            ),
          );
          status.repository = {
            status: repositoryStatus(results),
            images: results,
            ...(tags.length > limit ? { additionalTags: tags.slice(limit) } : {}),
          };
        } catch (e) {
          status.repository = { status: errorStatus(e, referenceString(defaulted)) };
        }
      }
    }
  }
  return status;
}

/** The status of a repository import: Success, or how many of its tags failed. */
export function repositoryStatus(results: readonly ImageImportStatus[]): NestedStatus {
  const failed = results.filter((r) => (r.status as NestedStatus)['status'] !== 'Success').length;
  if (failed === 0) return SUCCESS;
  return failure(
    'ImportFailed',
    500,
    failed === 1 ? 'one of the images from this repository failed to import' : `${failed} of the images from this repository failed to import`,
  );
}

/**
 * Whether a pass should be repeated without credentials: some image was refused for a bad username or
 * password, and wrong credentials must not hide an image that is public.
 */
export function wantsAnonymousRetry(status: NonNullable<ImageStreamImport['status']>): boolean {
  const all = [...(status.images ?? []), ...(status.repository?.images ?? [])];
  return all.some((i) => {
    const s = i.status as NestedStatus;
    return s['reason'] === 'Unauthorized' && /username or password/i.test(String(s['message'] ?? ''));
  });
}
