/**
 * A client for the OCI distribution / Docker Registry v2 protocol, as much as importing metadata
 * needs: ping, bearer-token and basic auth, manifests (every known media type), config blobs,
 * tag lists with Link pagination, digest verification, timeouts and retries that honour
 * Retry-After. Registry wire errors become one closed set of RegistryError kinds. openBlob streams
 * a blob (a layer, for pulling through) and verifies its digest as it passes.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import type { NetworkPolicy } from './address-guard.js';
import { httpGet, httpOpen, type HttpResponse } from './http.js';
import { byteBudget, checkDepth, DEFAULT_IMPORT_LIMITS, ImportLimitError, type ByteBudget, type ImportLimits } from './limits.js';
import { parseChallenges, type Challenge } from './www-authenticate.js';
import { schema1Payload } from '../apis/image/schema1.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
].join(', ');

export type RegistryErrorKind = 'NotFound' | 'Unauthorized' | 'IncorrectCredentials' | 'NotV2' | 'HttpOnly' | 'Internal';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryClientOptions {
  /** host[:port] to contact. */
  readonly registry: string;
  readonly insecure: boolean;
  readonly credentials?: Credentials;
  readonly policy: NetworkPolicy;
  readonly ca?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Called once per HTTP round trip with its status code (or "error") and duration. */
  readonly observe?: (code: string, seconds: number) => void;
  /** Waits for the registry's shared request budget before each round trip. */
  readonly budget?: () => Promise<unknown>;
  /** Ends every exchange of the import this client serves (its deadline, or its caller gone). */
  readonly signal?: AbortSignal;
  readonly limits?: ImportLimits;
  /** Bytes the import this client serves may still read; shared by its clients. */
  readonly bytes?: ByteBudget;
  /** How long a blob stream may wait for bytes from the registry (openBlob); timeoutMs unless set. */
  readonly idleTimeoutMs?: number;
}

export interface OpenBlobOptions {
  /** Overrides the client's idleTimeoutMs for this stream. */
  readonly idleTimeoutMs?: number;
}

export interface OpenedBlob {
  /** The size the registry declared (Content-Length), when it declared one. */
  readonly size: number | undefined;
  readonly mediaType?: string;
  /**
   * The blob's bytes as they arrive. It ends only if they hash to the digest asked for (and match
   * the declared size); otherwise it fails with a RegistryError whose message starts with "content
   * integrity error", after the bytes passed, so whoever stored them must discard them. Read it to
   * its end or destroy it.
   */
  readonly stream: Readable;
}

/** Digests openBlob can verify (and that are safe in a URL path). */
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface FetchedManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** Waits, unless the import ends first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Failures a retry cannot mend: a refused address, or a limit of the import reached. */
function final(e: unknown): boolean {
  return e instanceof ImportLimitError || (e as Error)?.name === 'BlockedAddressError';
}

function wireError(res: HttpResponse, what: string): RegistryError {
  let codes: string[] = [];
  try {
    codes = ((JSON.parse(res.body.toString('utf8')) as { errors?: { code?: string }[] }).errors ?? []).map((e) => e.code ?? '');
  } catch {
    codes = [];
  }
  if (res.status === 404 || codes.some((c) => c === 'MANIFEST_UNKNOWN' || c === 'NAME_UNKNOWN' || c === 'BLOB_UNKNOWN'))
    return new RegistryError('NotFound', `${what}: not found`);
  if (res.status === 401 || res.status === 403 || codes.some((c) => c === 'UNAUTHORIZED' || c === 'DENIED'))
    return new RegistryError('Unauthorized', `${what}: unauthorized`);
  return new RegistryError('Internal', `${what}: unexpected HTTP ${res.status} from the registry${codes.length ? ` (${codes.join(', ')})` : ''}`);
}

export class RegistryClient {
  private base: string | undefined;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();
  private readonly timeoutMs: number;
  private readonly limits: ImportLimits;
  private readonly bytes: ByteBudget;

  constructor(private readonly o: RegistryClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.limits = o.limits ?? DEFAULT_IMPORT_LIMITS;
    this.bytes = o.bytes ?? byteBudget(this.limits.maxBytes);
  }

  private httpOptions(headers: Record<string, string> = {}) {
    return {
      headers,
      timeoutMs: this.timeoutMs,
      policy: this.o.policy,
      maxBytes: this.limits.maxDocumentBytes,
      maxBytesFlag: '--image-import-max-document-bytes',
      budget: this.bytes,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
      ...(this.o.insecure ? { insecureSkipVerify: true } : {}),
      ...(this.o.ca ? { ca: this.o.ca } : {}),
    };
  }

  /** GET /v2/ over HTTPS (and, for insecure registries, HTTP when HTTPS fails). */
  private async ping(): Promise<string> {
    if (this.base) return this.base;
    const schemes = this.o.insecure ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${this.o.registry}`;
      try {
        const res = await httpGet(`${base}/v2/`, this.httpOptions());
        const v2 = res.headers['docker-distribution-api-version'] !== undefined || res.status === 200 || res.status === 401;
        if (!v2) throw new RegistryError('NotV2', `registry "${this.o.registry}" does not support the v2 Registry API`);
        if (res.status === 401) this.challenge = parseChallenges(String(res.headers['www-authenticate'] ?? ''))[0];
        this.base = base;
        return base;
      } catch (e) {
        if (e instanceof RegistryError || final(e)) throw e;
        lastError = e;
        const msg = (e as Error).message ?? '';
        if (!this.o.insecure && /wrong version number|oversized record|EPROTO/i.test(msg))
          throw new RegistryError('HttpOnly', 'the registry is HTTP only and requires the insecure flag to import', { cause: e });
      }
    }
    throw new RegistryError('Internal', `${this.o.registry}: ${(lastError as Error)?.message ?? 'unreachable'}`, { cause: lastError });
  }

  private basicHeader(): string | undefined {
    const c = this.o.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async authorization(repo: string): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') return this.basicHeader();
    if (ch.scheme !== 'bearer' || !ch.params['realm']) return undefined;
    const scope = `repository:${repo}:pull`;
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const url = new URL(ch.params['realm']);
    if (ch.params['service']) url.searchParams.set('service', ch.params['service']);
    url.searchParams.set('scope', scope);
    const basic = this.basicHeader();
    const res = await this.withRetries(() => httpGet(url.toString(), this.httpOptions(basic ? { Authorization: basic } : {})));
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(this.o.credentials ? 'IncorrectCredentials' : 'Unauthorized', `token request for ${repo} was refused`);
    }
    if (res.status !== 200) throw new RegistryError('Internal', `token server answered HTTP ${res.status}`);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      throw new RegistryError('Internal', 'token server answered with something other than JSON');
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError('Internal', 'token server answered without a token');
    this.tokens.set(scope, { token, expires: Date.now() + Math.max(30, (body.expires_in ?? 60) - 10) * 1000 });
    return `Bearer ${token}`;
  }

  private async timed<R extends Answer>(fn: () => Promise<R>): Promise<R> {
    await this.o.budget?.();
    this.o.signal?.throwIfAborted();
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const res = await fn();
      this.o.observe?.(String(res.status), seconds());
      return res;
    } catch (e) {
      this.o.observe?.('error', seconds());
      throw e;
    }
  }

  /** Retries network failures, 429 and 5xx with backoff, honouring Retry-After (capped). */
  private async withRetries<R extends Answer>(fn: () => Promise<R>): Promise<R> {
    const retries = this.o.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.timed(fn);
        if ((res.status === 429 || res.status >= 500) && attempt < retries) {
          const after = Number(res.headers['retry-after']);
          await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 200 * 2 ** attempt, this.o.signal);
          continue;
        }
        return res;
      } catch (e) {
        if (attempt >= retries || final(e)) throw e;
        await sleep(200 * 2 ** attempt, this.o.signal);
      }
    }
  }

  private async get(repo: string, path: string, accept?: string): Promise<HttpResponse> {
    const base = await this.ping();
    const headers = await this.requestHeaders(repo, accept);
    return this.withRetries(() => httpGet(`${base}/v2/${repo}/${path}`, this.httpOptions(headers)));
  }

  private async requestHeaders(repo: string, accept?: string): Promise<Record<string, string>> {
    const auth = await this.authorization(repo);
    const headers: Record<string, string> = {};
    if (auth) headers['Authorization'] = auth;
    if (accept) headers['Accept'] = accept;
    return headers;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RegistryError || e instanceof ImportLimitError) throw e;
      throw new RegistryError('Internal', `${what}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A 401 although we sent credentials means the credentials are wrong (basic auth registries). */
  private refused(res: HttpResponse, what: string): RegistryError {
    const err = wireError(res, what);
    if (err.kind === 'Unauthorized' && res.status === 401 && this.o.credentials && this.challenge?.scheme === 'basic')
      return new RegistryError('IncorrectCredentials', `${what}: incorrect username or password`);
    return err;
  }

  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    return this.call(`${this.o.registry}/${repo}:${reference}`, async () => {
      const res = await this.get(repo, `manifests/${reference}`, MANIFEST_ACCEPT);
      if (res.status !== 200) throw this.refused(res, `${repo}:${reference}`);
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
      const schema1 = mediaType.startsWith('application/vnd.docker.distribution.manifest.v1');
      const digest = schema1 ? schema1Digest(res.body) : sha256(res.body);
      if (reference.includes(':') && reference !== digest)
        throw new RegistryError('Internal', `content integrity error: the manifest fetched for ${reference} has digest ${digest}`);
      const header = res.headers['docker-content-digest'];
      if (typeof header === 'string' && header && header !== digest)
        throw new RegistryError('Internal', `content integrity error: the registry named the manifest ${header} but its content is ${digest}`);
      checkDepth(res.body, `the manifest ${digest}`, this.limits);
      return { body: res.body, mediaType, digest };
    });
  }

  async getBlob(repo: string, digest: string): Promise<Buffer> {
    return this.call(`${this.o.registry}/${repo}@${digest}`, async () => {
      const res = await this.get(repo, `blobs/${digest}`);
      if (res.status !== 200) throw this.refused(res, `${repo}@${digest}`);
      if (sha256(res.body) !== digest) throw new RegistryError('Internal', `content integrity error: blob ${digest} has digest ${sha256(res.body)}`);
      checkDepth(res.body, `the image config ${digest}`, this.limits);
      return res.body;
    });
  }

  /**
   * Streams a blob without holding it: resolves once the registry answers with its headers (after
   * the same ping, auth and retries as every other call; a refusal maps as getBlob's does), and
   * verifies the bytes against `digest` as they pass. No byte budget applies; the client's signal does.
   */
  async openBlob(repo: string, digest: string, opts: OpenBlobOptions = {}): Promise<OpenedBlob> {
    const what = `${this.o.registry}/${repo}@${digest}`;
    return this.call(what, async () => {
      if (!SHA256_DIGEST.test(digest)) throw new RegistryError('Internal', `${what}: only sha256 digests can be verified`);
      const base = await this.ping();
      const headers = await this.requestHeaders(repo);
      const res = await this.withRetries(() =>
        httpOpen(`${base}/v2/${repo}/blobs/${digest}`, {
          headers,
          headersTimeoutMs: this.timeoutMs,
          idleTimeoutMs: opts.idleTimeoutMs ?? this.o.idleTimeoutMs ?? this.timeoutMs,
          policy: this.o.policy,
          ...(this.o.signal ? { signal: this.o.signal } : {}),
          ...(this.o.insecure ? { insecureSkipVerify: true } : {}),
          ...(this.o.ca ? { ca: this.o.ca } : {}),
        }),
      );
      if (res.status !== 200) {
        res.body.destroy();
        throw this.refused({ status: res.status, headers: res.headers, url: res.url, body: res.errorBody ?? Buffer.alloc(0) }, `${repo}@${digest}`);
      }
      const declared = Number(res.headers['content-length']);
      const size = res.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
      const mediaType =
        String(res.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim() || undefined;
      const stream = verified(res.body, digest, size, what);
      return { size, ...(mediaType ? { mediaType } : {}), stream };
    });
  }

  async listTags(repo: string): Promise<string[]> {
    return this.call(`${this.o.registry}/${repo}`, async () => {
      const tags: string[] = [];
      let path = 'tags/list';
      for (let page = 0; page < 1000; page++) {
        const res = await this.get(repo, path);
        if (res.status !== 200) throw this.refused(res, repo);
        for (const tag of tagsOfPage(res.body)) {
          if (tags.length >= this.limits.maxTags)
            throw new ImportLimitError('TooLarge', `the repository lists more than ${this.limits.maxTags} tags (--image-import-max-tags)`);
          tags.push(tag);
        }
        const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers['link'] ?? ''));
        if (!link?.[1]) break;
        const next = new URL(link[1], 'http://x');
        path = `tags/list${next.search}`;
      }
      return tags;
    });
  }
}

/** What a retry decision reads of an answer, buffered or streamed. */
type Answer = { readonly status: number; readonly headers: IncomingHttpHeaders };

/**
 * Passes `body` through, hashing it; at its end, fails unless the bytes hash to `digest` and count
 * `size` (when declared). A failure of `body` (idle timeout, reset, abort) fails the result as a
 * RegistryError naming the blob; destroying the result releases `body`.
 */
function verified(body: Readable, digest: string, size: number | undefined, what: string): Readable {
  const hash = createHash('sha256');
  let read = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      read += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const actual = `sha256:${hash.digest('hex')}`;
      if (size !== undefined && read !== size)
        return cb(new RegistryError('Internal', `content integrity error: blob ${digest} was declared ${size} bytes but ${read} arrived`));
      if (actual !== digest) return cb(new RegistryError('Internal', `content integrity error: blob ${digest} has digest ${actual}`));
      cb();
    },
    destroy(err, cb) {
      body.destroy();
      cb(err);
    },
  });
  body.on('error', (e) => {
    out.destroy(e instanceof RegistryError || e instanceof ImportLimitError ? e : new RegistryError('Internal', `${what}: ${e.message}`, { cause: e }));
  });
  body.pipe(out);
  return out;
}

/** The tag names of one tag list page; what is not a list of strings is refused. */
function tagsOfPage(body: Buffer): string[] {
  let page: unknown;
  try {
    page = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('Internal', 'the tag list is not JSON');
  }
  const tags = (page as { tags?: unknown } | null)?.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string'))
    throw new RegistryError('Internal', 'the tag list is not a list of names');
  return tags;
}

/**
 * The digest of a schema 1 manifest (see schema1.ts): a signed one (prettyjws) is identified by its
 * payload, and refused unless its body is that payload plus its signatures and nothing else, so
 * that what is parsed is what was hashed. An unsigned one is its bytes.
 */
export function schema1Digest(body: Buffer): string {
  const r = schema1Payload(body);
  if ('error' in r) throw new RegistryError('Internal', `content integrity error: ${r.error}`);
  return r.digest;
}
