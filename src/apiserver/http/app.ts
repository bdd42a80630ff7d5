/**
 * The HTTP surface: fastify with every body read as text (we decode by Kubernetes media type
 * ourselves), authentication, discovery, OpenAPI, health, metrics, and resource dispatch. Every
 * error, from any layer, leaves through one error handler as a Status.
 */
import { clientErrorAnswerer } from './client-errors.js';
import { guardConnections, type ConnectionGuard } from './connection-guard.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  accessDenied,
  methodNotAllowed,
  notAcceptable,
  notFound,
  pathNotFound,
  requestNotReceived,
  requestTimedOut,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
} from '../../api/errors.js';
import type { Socket } from 'node:net';
import { verifiedCertificate, type Authenticator } from '../../auth/authenticator.js';
import { forbiddenMessage, type Authorizer } from '../../auth/rbac-authorizer.js';
import { impersonate } from '../../auth/impersonation.js';
import { parseResourcePath, type ResourceRequest } from './request-info.js';
import type { ResourceHandler } from '../generic/handler.js';
import { aggregatedContentType, buildDiscovery, wantsAggregated } from './discovery.js';
import type { Metrics } from './metrics.js';
import { createResourceRouter, type RequestState } from './resource-routes.js';
import { MAX_BODY_BYTES, toStatus } from './to-status.js';
import { queryBool } from './query.js';
import { PROTOBUF_MEDIA_TYPE } from './protobuf.js';
import { OPENAPI_V2_PROTOBUF } from '../openapi/v2-protobuf.js';

export interface OpenApiSource {
  v3Index(): object;
  v3Document(gvPath: string): { body: string; hash: string } | undefined;
  v2(): string;
  /** The same v2 document in gnostic's protobuf encoding. */
  v2Protobuf(): Buffer;
}

export interface ApiAppOptions {
  readonly handlers: readonly ResourceHandler[];
  readonly authenticate: Authenticator;
  /** Absent: every authenticated user may do everything (tests of the HTTP layer only). */
  readonly authorize?: Authorizer;
  readonly openapi: OpenApiSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly version: object;
  /** Ready once storage answers; /readyz reports it. */
  readonly ready: () => Promise<boolean>;
  /** /readyz only: whether the watch cache has its first lists (a replica without them is not ready). */
  readonly cachesReady?: () => boolean;
  readonly watchTimeoutMs?: (requested: number | undefined) => number;
  readonly bookmarkIntervalMs?: number;
  /** Requests served at once (watches apart); beyond it 429 with Retry-After. */
  readonly maxRequestsInflight?: number;
  /** Open watches one user may hold; beyond it 429. */
  readonly maxWatchesPerUser?: number;
  /** Deadline of a request other than a watch (kube-apiserver's --request-timeout). */
  readonly requestTimeoutMs?: number;
  /** Requests that take longer are logged at info level; the rest only at debug. */
  readonly slowRequestThresholdMs?: number;
  /** Receives one line per mutating request (the audit log). */
  readonly audit?: (entry: Record<string, unknown>) => void;
  /** How long each phase of a connection may last, and how many one client may hold. */
  readonly connections?: Partial<ConnectionTimeouts>;
  /**
   * Another protocol on the same port (the integrated registry under /v2/): its paths skip the
   * API's authentication, in-flight limit and Status errors; it authenticates and answers itself.
   */
  readonly mounted?: MountedService;
  /** Serve HTTPS with this key pair (PEM), asking for client certificates verified against `ca` if given. */
  readonly https?: { key: string; cert: string; ca?: string; requestCert?: boolean; rejectUnauthorized?: boolean };
}

export interface MountedService {
  handles(path: string): boolean;
  install(app: FastifyInstance, onUnexpectedError: (err: unknown) => void): void;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

declare module 'fastify' {
  interface FastifyRequest {
    k8s: RequestState;
    startedAt: bigint;
    countedInflight: boolean;
    /** The URL's resource attributes, parsed once (undefined: not a resource path). */
    resourceRequest: ResourceRequest | undefined;
    searchParams: URLSearchParams;
    onConnection: boolean;
  }
}

export interface ConnectionTimeouts {
  /** A TLS handshake must finish within this time. */
  readonly handshakeTimeoutMs: number;
  /** A client must send its whole request within this time (slow clients cannot hold a socket). */
  readonly receiveTimeoutMs: number;
  /** A socket without traffic either way for this long is closed (watches excepted). */
  readonly idleTimeoutMs: number;
  readonly maxPerClient: number;
  /** How long a refused client may take to read the refusal before its socket is destroyed. */
  readonly refusalGraceMs: number;
}

export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = {
  handshakeTimeoutMs: 10_000,
  receiveTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  maxPerClient: 512,
  refusalGraceMs: 5_000,
};

function createFastify(o: ApiAppOptions, c: ConnectionTimeouts, closeAfterGrace: (socket: Socket) => void) {
  // Fastify's own logger stays off: one structured line per request is written by our hooks.
  return Fastify({
    bodyLimit: MAX_BODY_BYTES,
    // The body's deadline is ours (onRequest): a registry upload may take longer than an API request
    // may, as long as bytes keep arriving. Node still bounds the headers (headersTimeout).
    requestTimeout: 0,
    // Node's socket inactivity timer: with nobody listening for it, the socket is destroyed.
    connectionTimeout: c.idleTimeoutMs,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    // Requests during shutdown are answered 503 as a Status by our own hook.
    return503OnClosing: false,
    clientErrorHandler: clientErrorAnswerer(c.receiveTimeoutMs, closeAfterGrace),
    ...(o.https
      ? {
          https: {
            minVersion: 'TLSv1.2' as const,
            handshakeTimeout: c.handshakeTimeoutMs,
            headersTimeout: c.receiveTimeoutMs,
            // Node looks for requests past their receive timeout this often (30 s by default).
            connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(c.receiveTimeoutMs / 4))),
            ...o.https,
          },
        }
      : {}),
  });
}

export type ApiFastify = ReturnType<typeof createFastify>;

/** Paths served by the resource router (authorized with resource attributes). */
function isResourcePath(path: string): boolean {
  return /^\/api\/v1\/.+/.test(path) || /^\/apis\/[^/]+\/[^/]+\/.+/.test(path);
}

export interface ApiApp {
  readonly app: ApiFastify;
  /** Ends every open watch (graceful shutdown). */
  endWatches(): void;
  /** The lifetime of every accepted socket. */
  readonly connections: ConnectionGuard;
}

export function createApiApp(o: ApiAppOptions): ApiApp {
  const limits = { ...DEFAULT_CONNECTION_TIMEOUTS, ...o.connections };
  let guard: ConnectionGuard | undefined;
  const app = createFastify(o, limits, (socket) => guard?.closeAfterGrace(socket));
  const connections = guardConnections(app.server, limits, () => o.metrics.observeRefusedConnection());
  guard = connections;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(PROTOBUF_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  const handlers = new Map<string, ResourceHandler>();
  for (const h of o.handlers) {
    handlers.set(`${h.info.group}/${h.info.version}/${h.info.resource}${h.subresource ? `/${h.subresource}` : ''}`, h);
  }
  const discovery = buildDiscovery(o.handlers);
  const watches = new Set<AbortController>();
  const onUnexpectedError = (err: unknown) => o.logger.error({ err }, 'unexpected error while serving a request');
  const route = createResourceRouter({
    socketIdleTimeoutMs: limits.idleTimeoutMs,
    lookup: (g, v, r, sub) => handlers.get(`${g}/${v}/${r}${sub ? `/${sub}` : ''}`),
    watchTimeoutMs: o.watchTimeoutMs ?? ((s) => (s !== undefined && s > 0 ? s * 1000 : (1800 + Math.floor(Math.random() * 1800)) * 1000)),
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 60_000,
    watches,
    maxWatchesPerUser: o.maxWatchesPerUser ?? 100,
    onUnexpectedError,
    onWatchChange: (d) => (d > 0 ? o.metrics.watches.inc() : o.metrics.watches.dec()),
  });

  app.decorateRequest('k8s', null as unknown as RequestState);
  app.decorateRequest('startedAt', 0n);
  app.decorateRequest('countedInflight', false);
  app.decorateRequest('resourceRequest', undefined);
  app.decorateRequest('searchParams', null as unknown as URLSearchParams);
  app.decorateRequest('onConnection', false);

  let inflight = 0;
  const maxInflight = o.maxRequestsInflight ?? 400;
  let draining = false;
  app.addHook('onRequest', async (req) => {
    req.startedAt = process.hrtime.bigint();
    connections.requestStarted(req.raw.socket);
    req.onConnection = true;
    // Classified from the attributes the router acts on, never from the raw URL's spelling.
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    req.searchParams = url.searchParams;
    req.resourceRequest = parseResourcePath(req.method, path, url.searchParams);
    if (draining) throw serviceUnavailable('the server is shutting down', 1);
    if (!o.mounted?.handles(path) && !req.raw.complete) receiveDeadline(req, limits, (socket) => guard?.closeAfterGrace(socket));
    if (o.mounted?.handles(path)) {
      // Blob transfers may last long and are bounded per client by the connection cap, not by the API's in-flight limit.
      req.k8s = { user: { name: 'system:anonymous', groups: ['system:unauthenticated'] }, warnings: [] };
      return;
    }
    const longRunning = req.method === 'GET' && req.resourceRequest?.verb === 'watch';
    if (!longRunning) {
      if (inflight >= maxInflight) throw tooManyRequests('Too many requests, please try again later.', 1);
      inflight++;
      req.countedInflight = true;
    }
    const user = o.authenticate({ authorization: req.headers.authorization, certificate: verifiedCertificate(req.raw.socket) });
    req.k8s = { user: user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] }, warnings: [] };
    if (PUBLIC_PATHS.has(path)) return;
    if (!user) throw unauthorized();
    // From here on the request runs as the impersonated user; the audit log keeps both.
    const impersonation = impersonate(user, req.raw.rawHeaders, o.authorize);
    if (impersonation) req.k8s = { ...req.k8s, user: impersonation.user, impersonator: impersonation.impersonator };
    // Resource requests are authorized once their attributes are parsed (dispatch); the rest here.
    if (o.authorize && !isResourcePath(path)) {
      const attrs = { verb: req.method.toLowerCase(), resourceRequest: false, path };
      if (!o.authorize(req.k8s.user, attrs).allowed) throw accessDenied(forbiddenMessage(req.k8s.user, attrs));
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const warnings = req.k8s?.warnings ?? [];
    if (warnings.length) {
      reply.header(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    }
    // `?pretty=true` asks for indented JSON, as kube-apiserver writes it; watches stream unchanged.
    if (req.searchParams && queryBool(req.searchParams, 'pretty') && /^application\/json/.test(String(reply.getHeader('content-type') ?? ''))) {
      const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : typeof payload === 'string' ? payload : undefined;
      if (text !== undefined) {
        try {
          return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
        } catch {
          return payload;
        }
      }
    }
    return payload;
  });

  const release = (req: FastifyRequest) => {
    if (req.countedInflight) {
      req.countedInflight = false;
      inflight--;
    }
    if (req.onConnection) {
      req.onConnection = false;
      connections.requestEnded(req.raw.socket);
    }
  };
  app.addHook('onRequestAbort', async (req) => release(req));
  app.addHook('onResponse', async (req, reply) => {
    release(req);
    const seconds = Number(process.hrtime.bigint() - req.startedAt) / 1e9;
    const r = req.k8s?.resource;
    const verb = r?.verb ?? req.method.toLowerCase();
    const resource = r ? (r.subresource ? `${r.resource}/${r.subresource}` : r.resource) : '';
    o.metrics.observeRequest(verb, r?.group ?? '', resource, reply.statusCode, seconds);
    if (o.audit && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) {
      o.audit({
        time: new Date().toISOString(),
        user: (req.k8s?.impersonator ?? req.k8s?.user)?.name,
        groups: (req.k8s?.impersonator ?? req.k8s?.user)?.groups,
        ...(req.k8s?.impersonator ? { impersonatedUser: { username: req.k8s.user.name, groups: req.k8s.user.groups } } : {}),
        verb,
        group: r?.group ?? '',
        resource,
        ...(r?.namespace ? { namespace: r.namespace } : {}),
        ...(r?.name ? { name: r.name } : {}),
        code: reply.statusCode,
        userAgent: req.headers['user-agent'],
      });
    }
    // As kube-apiserver: failed (5xx) and slow requests are logged at info, every request only at
    // debug; the audit log is the record of who did what. The line is built only when written.
    const notable = reply.statusCode >= 500 || seconds * 1000 >= (o.slowRequestThresholdMs ?? 1_000);
    if (notable ? o.logger.isLevelEnabled('info') : o.logger.isLevelEnabled('debug')) {
      o.logger[notable ? 'info' : 'debug'](
        {
          verb,
          resource,
          ...(r?.namespace ? { namespace: r.namespace } : {}),
          ...(r?.name ? { name: r.name } : {}),
          path: req.url.split('?')[0],
          code: reply.statusCode,
          latencyMs: Math.round(seconds * 1e6) / 1e3,
          user: req.k8s?.user.name,
          ...(req.k8s?.impersonator ? { impersonator: req.k8s.impersonator.name } : {}),
          userAgent: req.headers['user-agent'],
        },
        'request',
      );
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    const { status, unexpected } = toStatus(err);
    if (unexpected) onUnexpectedError(err);
    if (status.details?.retryAfterSeconds) reply.header('Retry-After', String(status.details.retryAfterSeconds));
    reply.code(status.code).type('application/json').send(JSON.stringify(status));
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).type('application/json').send(JSON.stringify(pathNotFound().status));
  });

  const json = (reply: FastifyReply, body: unknown, type = 'application/json') =>
    reply.code(200).type(type).header('Vary', 'Accept').send(JSON.stringify(body));

  // Health and version (public).
  // As kube-apiserver: `ok` or 503 listing what failed; `?verbose` lists every check either way.
  const healthCheck = (name: string, checks: readonly string[]) => async (req: FastifyRequest, reply: FastifyReply) => {
    const results = await Promise.all(
      checks.map(async (c) => [c, c === 'ping' || (c === 'watch-cache' ? (o.cachesReady?.() ?? true) : await o.ready())] as const),
    );
    const failed = results.some(([, ok]) => !ok);
    const verbose = req.searchParams.has('verbose');
    reply.code(failed ? 503 : 200).type('text/plain; charset=utf-8');
    if (!failed && !verbose) return reply.send('ok');
    const lines = results.filter(([, ok]) => verbose || !ok).map(([c, ok]) => (ok ? `[+]${c} ok` : `[-]${c} failed: reason withheld`));
    return reply.send(`${lines.join('\n')}\n${name} check ${failed ? 'failed' : 'passed'}\n`);
  };
  app.get('/healthz', healthCheck('healthz', ['ping', 'storage']));
  app.get('/livez', healthCheck('livez', ['ping', 'storage']));
  app.get('/readyz', healthCheck('readyz', ['ping', 'storage', ...(o.cachesReady ? ['watch-cache'] : [])]));
  app.get('/version', async (_req, reply) => json(reply, o.version));
  app.get('/metrics', async (_req, reply) => reply.type(o.metrics.contentType).send(await o.metrics.render()));

  // Discovery.
  const serverAddress = (req: FastifyRequest) => req.headers.host ?? '';
  app.get('/api', async (req, reply) => {
    const agg = wantsAggregated(req.headers.accept);
    if (agg) return json(reply, discovery.aggregated('api', `apidiscovery.k8s.io/${agg}`), aggregatedContentType(agg));
    return json(reply, discovery.apiVersions(serverAddress(req)));
  });
  app.get('/apis', async (req, reply) => {
    const agg = wantsAggregated(req.headers.accept);
    if (agg) return json(reply, discovery.aggregated('apis', `apidiscovery.k8s.io/${agg}`), aggregatedContentType(agg));
    return json(reply, discovery.apiGroupList());
  });
  app.get('/api/v1', async (_req, reply) => {
    const doc = discovery.apiResourceList('', 'v1');
    if (!doc) throw notFound({ group: '', resource: '' }, 'v1');
    return json(reply, doc);
  });
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const doc = discovery.apiGroup(req.params.group);
    if (!doc) throw notFound({ group: '', resource: 'apigroups' }, req.params.group);
    return json(reply, doc);
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    const doc = discovery.apiResourceList(req.params.group, req.params.version);
    if (!doc) throw notFound({ group: '', resource: 'apiresources' }, `${req.params.group}/${req.params.version}`);
    return json(reply, doc);
  });

  // OpenAPI.
  app.get('/openapi/v3', async (_req, reply) => json(reply, o.openapi.v3Index()));
  app.get('/openapi/v3/*', async (req, reply) => {
    const path = (req.url.split('?')[0] ?? '').replace(/^\/openapi\/v3\//, '');
    const doc = o.openapi.v3Document(path);
    if (!doc) throw notFound({ group: '', resource: '' }, path);
    reply.header('Etag', `"${doc.hash}"`);
    // The URL carries the hash, so a document at a given URL never changes.
    if (req.url.includes('hash=')) reply.header('Cache-Control', 'public, immutable');
    else reply.header('Cache-Control', 'no-cache, no-store, must-revalidate');
    return reply.code(200).type('application/json').send(doc.body);
  });
  app.get('/openapi/v2', async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (accept.includes(OPENAPI_V2_PROTOBUF)) return reply.code(200).type(OPENAPI_V2_PROTOBUF).send(o.openapi.v2Protobuf());
    if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
      throw notAcceptable(`/openapi/v2 is served as application/json or ${OPENAPI_V2_PROTOBUF}`);
    }
    return reply.code(200).type('application/json').send(o.openapi.v2());
  });

  // Resources.
  const dispatch = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = req.resourceRequest;
    if (!r) throw pathNotFound();
    req.k8s.resource = r;
    if (r.verb === 'unknown') throw methodNotAllowed(req.method, r.resource);
    if (o.authorize) {
      const attrs = {
        verb: r.verb,
        resourceRequest: true,
        apiGroup: r.group,
        resource: r.resource,
        ...(r.subresource ? { subresource: r.subresource } : {}),
        ...(r.namespace ? { namespace: r.namespace } : r.resource === 'namespaces' && r.name ? { namespace: r.name } : {}),
        ...(r.name ? { name: r.name } : {}),
      };
      if (!o.authorize(req.k8s.user, attrs).allowed)
        throw accessDenied(forbiddenMessage(req.k8s.user, attrs), { ...(r.name ? { name: r.name } : {}), group: r.group, kind: r.resource });
    }
    if (r.verb === 'watch') return route(req, reply, r, req.k8s, req.searchParams);
    // Reads finish within the server; a write may reach out (imports), so it learns when its answer is no longer awaited.
    let gone: AbortController | undefined;
    if (r.verb !== 'get' && r.verb !== 'list') {
      const controller = new AbortController();
      gone = controller;
      req.k8s.signal = controller.signal;
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
    }
    await withDeadline(route(req, reply, r, req.k8s, req.searchParams), o.requestTimeoutMs ?? 60_000, () => gone?.abort());
  };
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
  o.mounted?.install(app, onUnexpectedError);
  app.route({ method: [...methods], url: '/api/v1/*', handler: dispatch, exposeHeadRoute: false });
  app.route({ method: [...methods], url: '/apis/:group/:version/*', handler: dispatch, exposeHeadRoute: false });

  return {
    app,
    connections,
    endWatches() {
      draining = true;
      for (const w of watches) w.abort();
      connections.drain();
    },
  };
}

/**
 * An API request must arrive whole within the receive timeout: a client that drips its body is
 * answered 408 and its socket closed after a grace, as Node does for headers. Bodies of mounted
 * services (registry uploads) are bounded by the idle timeout instead.
 */
function receiveDeadline(req: FastifyRequest, limits: ConnectionTimeouts, closeAfterGrace: (socket: Socket) => void): void {
  const timer = setTimeout(() => {
    if (req.raw.complete) return;
    const socket = req.raw.socket;
    const { status } = requestNotReceived(Math.round(limits.receiveTimeoutMs / 1000));
    const body = JSON.stringify(status);
    if (socket.writable)
      socket.end(
        `HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    closeAfterGrace(socket);
  }, limits.receiveTimeoutMs);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.raw.once('end', clear);
  req.raw.once('close', clear);
}

/**
 * Answers 504 when `work` has not finished within `ms`. A write inside the server runs on (as in
 * kube-apiserver, it may still complete after its client was told it timed out; what it sends later
 * is dropped, the reply being gone); `onTimeout` tells work that reaches outside the server to stop.
 */
async function withDeadline(work: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(requestTimedOut(Math.round(ms / 1000)));
    }, ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    // A late failure of the abandoned work must not become an unhandled rejection.
    work.catch(() => undefined);
  }
}
