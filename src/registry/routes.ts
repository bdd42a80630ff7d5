/**
 * The OCI distribution API (v1.1) under `/v2/`, and the token endpoint podman and skopeo log in
 * through. Its own fastify context: request bodies are streamed (blobs may be hundreds of MiB),
 * and every error leaves as a distribution error, never as a Kubernetes Status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { isApiError } from '../api/errors.js';
import type { UserInfo } from '../api/strategy.js';
import { verifiedCertificate } from '../auth/authenticator.js';
import { ANONYMOUS_TOKEN, TOKEN_PATH, registryUser, tokenOf, unauthorized } from './auth.js';
import type { RegistryBackend } from './backend.js';
import { RegistryHttpError, registryError } from './errors.js';
import type { GcResult } from './gc.js';
import { MAX_MANIFEST_BYTES } from './manifests.js';
import type { PullThrough } from './pull-through.js';
import { parseRepositoryName, type RepositoryName, type Repositories } from './repository.js';
import { DigestMismatchError, isDigest, type BlobStore } from './storage/blob-store.js';
import type { RepositoryLinks } from './storage/links.js';
import { UploadNotFoundError, UploadRangeError, type Uploads } from './storage/uploads.js';

export interface RegistryRoutesOptions {
  readonly backend: RegistryBackend;
  readonly repositories: Repositories;
  readonly blobs: BlobStore;
  readonly uploads: Uploads;
  readonly links: RepositoryLinks;
  readonly pullThrough: PullThrough;
  readonly garbageCollect: (o: { dryRun: boolean }) => Promise<GcResult>;
}

/** Deletes unreferenced blobs (`?dryRun=true` only reports them); for who may delete Images. */
export const GARBAGE_COLLECT_PATH = '/admin/registry/garbage-collect';

const API_VERSION_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' };

const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const UPLOADS = /^\/v2\/(.+)\/blobs\/uploads\/?$/;
const UPLOAD = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/;
const BLOB = /^\/v2\/(.+)\/blobs\/([^/]+)$/;
const TAGS = /^\/v2\/(.+)\/tags\/list$/;
const REFERRERS = /^\/v2\/(.+)\/referrers\/([^/]+)$/;

const certificateOf = (req: FastifyRequest) => verifiedCertificate(req.raw.socket);

/** Reads a small body whole (a manifest); larger than `max` is refused. */
async function readSmallBody(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > max) throw registryError('SIZE_INVALID', `the manifest is larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `start-end` of a Content-Range or Range header (with or without `bytes `/`bytes=`). */
function parseRange(value: string | undefined): { start: number; end: number } | undefined {
  if (!value) return undefined;
  const m = /^(?:bytes[= ])?(\d+)-(\d*)$/.exec(value.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: m[2] === '' ? Number.NaN : Number(m[2]) };
}

/** What an ApiError from the image API means to a registry client. */
function fromApiError(err: unknown): RegistryHttpError | undefined {
  if (!isApiError(err)) return undefined;
  const { code, message } = err.status;
  if (code === 401) return registryError('UNAUTHORIZED', message);
  if (code === 403) return registryError('DENIED', message);
  if (code === 404) return registryError('NAME_UNKNOWN', message);
  if (code === 422 || code === 400) return registryError('MANIFEST_INVALID', message);
  if (code === 429) return registryError('TOOMANYREQUESTS', message);
  if (code === 503) return registryError('UNAVAILABLE', message);
  return undefined;
}

export function installRegistryRoutes(app: FastifyInstance, o: RegistryRoutesOptions, onUnexpectedError: (err: unknown) => void): void {
  // Bodies are the handlers' to read: blobs stream to disk, manifests are read with a limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.setErrorHandler((err, req, reply) => {
    // A client that went away mid-upload is not a server fault: nothing to log, nobody to answer.
    const code = (err as NodeJS.ErrnoException).code;
    if (!req.raw.complete && (req.raw.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE')) {
      reply.raw.destroy();
      return;
    }
    let e: RegistryHttpError;
    if (err instanceof RegistryHttpError) e = err;
    else if (err instanceof UploadNotFoundError) e = registryError('BLOB_UPLOAD_UNKNOWN');
    else if (err instanceof DigestMismatchError) e = registryError('DIGEST_INVALID', err.message);
    else {
      const mapped = fromApiError(err);
      if (mapped) e = mapped;
      else {
        onUnexpectedError(err);
        e = registryError('UNKNOWN', 'internal error');
      }
    }
    reply
      .code(e.status)
      .headers({ ...API_VERSION_HEADER, ...e.headers })
      .type('application/json')
      .send(e.body());
  });

  const hostOf = (req: FastifyRequest) => req.headers.host ?? o.backend.hostname();
  const userOf = (req: FastifyRequest): UserInfo => registryUser(o.backend, req.headers.authorization, certificateOf(req), hostOf(req));
  const repos = o.repositories;

  // Token endpoint: the token a client logs in with is its registry token (OpenShift's behaviour).
  app.get(TOKEN_PATH, async (req, reply) => {
    const token = tokenOf(req.headers.authorization);
    if (token === undefined && !req.headers.authorization && !certificateOf(req)) return reply.headers(API_VERSION_HEADER).send({ token: ANONYMOUS_TOKEN });
    const user = userOf(req);
    if (user.name === 'system:anonymous' && token !== ANONYMOUS_TOKEN) throw unauthorized(hostOf(req));
    const issued = token ?? ANONYMOUS_TOKEN;
    return reply.headers(API_VERSION_HEADER).send({ token: issued, access_token: issued });
  });

  // API version check: a client with credentials learns they work; without, how to get some.
  const base = async (req: FastifyRequest, reply: FastifyReply) => {
    const user = userOf(req);
    if (user.name === 'system:anonymous' && !req.headers.authorization) throw unauthorized(hostOf(req));
    return reply.code(200).headers(API_VERSION_HEADER).type('application/json').send('{}');
  };
  app.route({ method: ['GET', 'HEAD'], url: '/v2/', handler: base, exposeHeadRoute: false });

  app.post(GARBAGE_COLLECT_PATH, async (req, reply) => {
    const user = userOf(req);
    const allowed = o.backend.authorize(user, { verb: 'delete', resourceRequest: true, apiGroup: 'image.openshift.io', resource: 'images' });
    if (!allowed) {
      if (user.name === 'system:anonymous') throw unauthorized(hostOf(req));
      throw registryError('DENIED', 'garbage collection needs the right to delete images.image.openshift.io');
    }
    const raw = new URL(req.url, 'http://x').searchParams.get('dryRun');
    if (raw !== null && !['', 'true', 'false', '1', '0'].includes(raw))
      throw registryError('PARAMETER_INVALID', 'dryRun must be true or false', { dryRun: raw });
    const result = await o.garbageCollect({ dryRun: raw === '' || raw === 'true' || raw === '1' });
    return reply.code(200).type('application/json').send(JSON.stringify(result));
  });

  app.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
    url: '/v2/*',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      reply.headers(API_VERSION_HEADER);
      const path = req.url.split('?')[0] ?? '';
      const query = new URL(req.url, 'http://x').searchParams;
      const user = userOf(req);
      const host = hostOf(req);
      if (path === '/v2/_catalog' && req.method === 'GET') return catalog(req, reply, user, query);
      let m: RegExpExecArray | null;
      if ((m = UPLOADS.exec(path))) return startUpload(req, reply, user, host, parseRepositoryName(m[1] ?? ''), query);
      if ((m = UPLOAD.exec(path))) return upload(req, reply, user, host, parseRepositoryName(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), query);
      if ((m = MANIFEST.exec(path))) return manifest(req, reply, user, host, parseRepositoryName(m[1] ?? ''), decodeURIComponent(m[2] ?? ''));
      if ((m = BLOB.exec(path))) return blob(req, reply, user, host, parseRepositoryName(m[1] ?? ''), decodeURIComponent(m[2] ?? ''));
      if ((m = TAGS.exec(path)) && req.method === 'GET') return tags(reply, user, host, parseRepositoryName(m[1] ?? ''), query);
      if ((m = REFERRERS.exec(path)) && req.method === 'GET')
        return referrers(reply, user, host, parseRepositoryName(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), query);
      throw registryError('UNSUPPORTED', `${req.method} ${path} is not a registry operation`);
    },
  });

  async function catalog(_req: FastifyRequest, reply: FastifyReply, user: UserInfo, query: URLSearchParams) {
    const n = pageSize(query);
    const last = query.get('last') ?? '';
    const names: string[] = [];
    for (const s of await o.backend.listStreams()) {
      const namespace = s.metadata.namespace ?? '';
      if (repos.mayList(user, namespace)) names.push(`${namespace}/${s.metadata.name ?? ''}`);
    }
    names.sort();
    return sendPage(reply, '/v2/_catalog', 'repositories', names, last, n);
  }

  async function tags(reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, query: URLSearchParams) {
    repos.authorize(user, repo, 'pull', host);
    const all = await repos.tags(repo);
    return sendPage(reply, `/v2/${repo.path}/tags/list`, 'tags', all, query.get('last') ?? '', pageSize(query), { name: repo.path });
  }

  function pageSize(query: URLSearchParams): number | undefined {
    const raw = query.get('n');
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw registryError('UNSUPPORTED', 'n must be a non-negative integer');
    return n;
  }

  function sendPage(reply: FastifyReply, path: string, field: string, all: string[], last: string, n: number | undefined, extra: object = {}) {
    const after = last ? all.filter((x) => x > last) : all;
    const page = n === undefined ? after : after.slice(0, n);
    if (n !== undefined && after.length > n && page.length > 0) {
      const next = new URLSearchParams({ n: String(n), last: page[page.length - 1] ?? '' });
      reply.header('Link', `<${path}?${next.toString()}>; rel="next"`);
    }
    return reply.type('application/json').send(JSON.stringify({ ...extra, [field]: page }));
  }

  async function referrers(reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, digest: string, query: URLSearchParams) {
    repos.authorize(user, repo, 'pull', host);
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', 'referrers are listed by digest', { digest });
    const artifactType = query.get('artifactType') ?? undefined;
    const { index, filtered } = await repos.referrers(repo, digest, artifactType);
    if (filtered) reply.header('OCI-Filters-Applied', 'artifactType');
    return reply.type('application/vnd.oci.image.index.v1+json').send(JSON.stringify(index));
  }

  async function manifest(req: FastifyRequest, reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, reference: string) {
    if (req.method === 'GET' || req.method === 'HEAD') {
      repos.authorize(user, repo, 'pull', host);
      const m = await repos.getManifest(repo, reference, req.headers.accept);
      reply.headers({ 'Content-Type': m.mediaType, 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"`, 'Content-Length': String(m.body.length) });
      return req.method === 'HEAD' ? reply.code(200).send() : reply.code(200).send(m.body);
    }
    if (req.method === 'PUT') {
      repos.authorize(user, repo, 'push', host);
      const body = await readSmallBody(req.raw, MAX_MANIFEST_BYTES);
      const { digest, subject } = await repos.putManifest(user, repo, reference, body, req.headers['content-type']);
      reply.headers({ Location: `/v2/${repo.path}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
      if (subject) reply.header('OCI-Subject', subject);
      return reply.code(201).send();
    }
    throw registryError('UNSUPPORTED', 'manifests are deleted through the image API (kubectl delete image, or pruning)');
  }

  async function blob(req: FastifyRequest, reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, digest: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw registryError('UNSUPPORTED', 'blobs are removed by pruning, not by DELETE');
    repos.authorize(user, repo, 'pull', host);
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', 'blobs are addressed by sha256 digest', { digest });
    if (!(await repos.holds(repo, digest))) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    reply.headers({ 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000' });
    reply.type('application/octet-stream');
    const local = await o.blobs.stat(digest);
    if (local) {
      const range = parseRange(req.headers.range);
      if (range && req.method === 'GET') {
        const end = Number.isNaN(range.end) ? local.size - 1 : Math.min(range.end, local.size - 1);
        if (range.start > end) throw registryError('RANGE_INVALID', `the blob has ${local.size} bytes`);
        reply.headers({ 'Content-Range': `bytes ${range.start}-${end}/${local.size}`, 'Content-Length': String(end - range.start + 1) });
        return reply.code(206).send(o.blobs.open(digest, { start: range.start, end }));
      }
      reply.header('Content-Length', String(local.size));
      return req.method === 'HEAD' ? reply.code(200).send() : reply.code(200).send(o.blobs.open(digest));
    }
    const upstream = await repos.upstreamOfBlob(repo, digest);
    if (!upstream) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    if (req.method === 'HEAD' && upstream.size !== null) {
      reply.header('Content-Length', String(upstream.size));
      return reply.code(200).send();
    }
    const fetched = await o.pullThrough.blob(repo.namespace, upstream.reference, digest, upstream.insecure);
    if (fetched.size !== undefined) reply.header('Content-Length', String(fetched.size));
    if (req.method === 'HEAD') {
      fetched.stream.destroy();
      return reply.code(200).send();
    }
    return reply.code(200).send(fetched.stream);
  }

  function uploadHeaders(reply: FastifyReply, repo: RepositoryName, id: string, size: number) {
    reply.headers({
      Location: `/v2/${repo.path}/blobs/uploads/${id}`,
      Range: `0-${Math.max(0, size - 1)}`,
      'Docker-Upload-UUID': id,
      'Content-Length': '0',
    });
  }

  async function startUpload(req: FastifyRequest, reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, query: URLSearchParams) {
    if (req.method !== 'POST') throw registryError('UNSUPPORTED', `${req.method} on an upload collection`);
    repos.authorize(user, repo, 'push', host);
    const mount = query.get('mount');
    const from = query.get('from');
    if (mount && from && isDigest(mount)) {
      // Mounted only from a repository the user may pull that holds the blob; otherwise a plain upload starts.
      const source = parseRepositoryName(from);
      // Touched: garbage collection's grace covers the mounted blob until a manifest's Image uses it.
      if (repos.canPull(user, source) && (await repos.holds(source, mount)) && (await o.blobs.touch(mount))) {
        await o.links.add(repo.path, mount);
        reply.headers({ Location: `/v2/${repo.path}/blobs/${mount}`, 'Docker-Content-Digest': mount, 'Content-Length': '0' });
        return reply.code(201).send();
      }
    }
    const digest = query.get('digest');
    if (digest) {
      // Monolithic upload: the whole blob in this request.
      if (!isDigest(digest)) throw registryError('DIGEST_INVALID', 'digest must be sha256:<hex>', { digest });
      await o.blobs.put(req.raw, digest);
      await o.links.add(repo.path, digest);
      reply.headers({ Location: `/v2/${repo.path}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
      return reply.code(201).send();
    }
    const id = await o.uploads.start(repo.path, user.name);
    uploadHeaders(reply, repo, id, 0);
    return reply.code(202).send();
  }

  async function upload(req: FastifyRequest, reply: FastifyReply, user: UserInfo, host: string, repo: RepositoryName, id: string, query: URLSearchParams) {
    repos.authorize(user, repo, 'push', host);
    const info = await o.uploads.info(id);
    // An upload belongs to the repository and the user that started it.
    if (info.repository !== repo.path || info.user !== user.name) throw registryError('BLOB_UPLOAD_UNKNOWN');
    if (req.method === 'GET') {
      uploadHeaders(reply, repo, id, info.size);
      return reply.code(204).send();
    }
    if (req.method === 'DELETE') {
      await o.uploads.cancel(id);
      return reply.code(204).send();
    }
    if (req.method === 'PATCH' || req.method === 'PUT') {
      const range = parseRange(req.headers['content-range']);
      if (req.headers['content-range'] && !range) throw registryError('RANGE_INVALID', 'Content-Range must be <start>-<end>');
      let size: number;
      try {
        size = await o.uploads.append(id, req.raw, range?.start);
      } catch (e) {
        if (e instanceof UploadRangeError) {
          uploadHeaders(reply, repo, id, e.size);
          throw registryError('RANGE_INVALID', e.message);
        }
        throw e;
      }
      if (req.method === 'PATCH') {
        uploadHeaders(reply, repo, id, size);
        return reply.code(202).send();
      }
      const digest = query.get('digest') ?? '';
      if (!isDigest(digest)) throw registryError('DIGEST_INVALID', 'the final PUT of an upload names its digest', { digest });
      await o.uploads.finish(id, digest);
      await o.links.add(repo.path, digest);
      reply.headers({ Location: `/v2/${repo.path}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
      return reply.code(201).send();
    }
    throw registryError('UNSUPPORTED', `${req.method} on an upload`);
  }
}
