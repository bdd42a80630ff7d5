/**
 * HTTP for the importer: every exchange has a deadline for the whole answer (not an idle timer, so
 * a registry that drips a byte now and then is still cut off), a size limit, a share of its import's
 * byte budget, and the import's abort signal; redirects are followed without carrying credentials
 * to another host; and a guarded DNS lookup refuses addresses the importer may not contact at
 * connect time, for every hop, so DNS answers that change between check and use cannot get around
 * it.
 *
 * httpOpen is the streaming form, for layers too large to hold in memory: the same guard, redirects,
 * TLS options and signal, but its deadline covers only the wait for the headers, and then an idle
 * timer cuts off an upstream that stops sending while the reader waits for bytes (a slow reader is
 * not the upstream's fault, and a long steady download is not cut off).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { addressAllowed, BlockedAddressError, blockedAddressMessage, type NetworkPolicy } from './address-guard.js';
import { ImportLimitError, type ByteBudget } from './limits.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: NetworkPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      const ok = addresses.filter((a) => addressAllowed(a.address, policy));
      if (ok.length === 0) return callback(new BlockedAddressError(blockedAddressMessage(hostname)) as NodeJS.ErrnoException, '');
      if ((options as { all?: boolean }).all) return callback(null, ok);
      const first = ok[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL finally answered (after redirects). */
  readonly url: string;
}

export interface HttpOptions {
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Record<string, string>;
  /** The whole exchange (connect, headers, body) must finish within this. */
  readonly timeoutMs: number;
  readonly insecureSkipVerify?: boolean;
  readonly ca?: string;
  readonly policy: NetworkPolicy;
  /** The largest answer read; a larger one fails naming `maxBytesFlag`. */
  readonly maxBytes: number;
  readonly maxBytesFlag?: string;
  /** Bytes left to the whole import; every byte read is charged to it. */
  readonly budget?: ByteBudget;
  /** Aborts the exchange when the import ends (its deadline, or its caller went away). */
  readonly signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

export async function httpGet(url: string, o: HttpOptions): Promise<HttpResponse> {
  let current = new URL(url);
  let headers = { ...(o.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await once(current, headers, o);
    const next = redirect(res.status, res.headers, current, headers, hop);
    if (next) {
      ({ url: current, headers } = next);
      continue;
    }
    return res;
  }
}

/** Where a redirect leads, and with which headers; undefined when the answer is not one to follow. */
function redirect(
  status: number,
  resHeaders: IncomingHttpHeaders,
  current: URL,
  headers: Record<string, string>,
  hop: number,
): { url: URL; headers: Record<string, string> } | undefined {
  if (status < 300 || status >= 400 || !resHeaders.location || hop >= MAX_REDIRECTS) return undefined;
  const next = new URL(resHeaders.location, current);
  // Credentials are for the registry, never for the storage it redirects to.
  if (next.host !== current.host) {
    const { Authorization: _a, authorization: _b, ...rest } = headers;
    return { url: next, headers: rest };
  }
  return { url: next, headers };
}

/** Refuses an address literal the policy does not allow: it never goes through the guarded lookup. */
function literalRefused(url: URL, policy: NetworkPolicy): BlockedAddressError | undefined {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(literal) && !addressAllowed(literal, policy) ? new BlockedAddressError(blockedAddressMessage(literal)) : undefined;
}

interface Connection {
  readonly method?: 'GET' | 'HEAD';
  readonly insecureSkipVerify?: boolean;
  readonly ca?: string;
  readonly policy: NetworkPolicy;
}

function startRequest(url: URL, headers: Record<string, string>, o: Connection, onResponse: (res: IncomingMessage) => void): ClientRequest {
  return (url.protocol === 'https:' ? httpsRequest : httpRequest)(
    url,
    {
      method: o.method ?? 'GET',
      headers,
      lookup: guardedLookup(o.policy) as never,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !o.insecureSkipVerify, ...(o.ca ? { ca: o.ca } : {}) } : {}),
    },
    onResponse,
  );
}

function tooLarge(o: HttpOptions): ImportLimitError {
  return new ImportLimitError('TooLarge', `the registry's answer is larger than ${o.maxBytes} bytes${o.maxBytesFlag ? ` (${o.maxBytesFlag})` : ''}`);
}

function once(url: URL, headers: Record<string, string>, o: HttpOptions): Promise<HttpResponse> {
  const refused = literalRefused(url, o.policy);
  if (refused) return Promise.reject(refused);
  if (o.signal?.aborted) return Promise.reject(o.signal.reason);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (res) resolve(res);
      else {
        req.destroy();
        reject(err);
      }
    };
    const onAbort = () => finish(o.signal?.reason);
    const req = startRequest(url, headers, o, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBytes) return finish(tooLarge(o));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) return finish(tooLarge(o));
        const overBudget = o.budget?.charge(c.length);
        if (overBudget) return finish(overBudget);
        chunks.push(c);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() }));
      res.on('error', (e) => finish(e));
    });
    const timer = setTimeout(() => finish(new Error(`timed out after ${o.timeoutMs} ms waiting for the whole answer from ${url.host}`)), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e));
    req.end();
  });
}

export interface HttpStreamOptions {
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Record<string, string>;
  /** Connecting and receiving the headers (and, for an answer that is not 2xx, its kept body) must finish within this, per hop. */
  readonly headersTimeoutMs: number;
  /** Once streaming, the upstream must send something within this whenever the reader is waiting for bytes. */
  readonly idleTimeoutMs: number;
  readonly insecureSkipVerify?: boolean;
  readonly ca?: string;
  readonly policy: NetworkPolicy;
  /** The most of an answer that is not 2xx kept (the rest is not read); 64 KiB unless set. */
  readonly maxErrorBytes?: number;
  /** Aborts the exchange, streaming included. */
  readonly signal?: AbortSignal;
}

export interface HttpStreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The URL finally answered (after redirects). */
  readonly url: string;
  /**
   * A 2xx answer's body as it arrives, or else the kept bytes of `errorBody`. The caller reads it to
   * its end or destroys it: an unread body holds its connection.
   */
  readonly body: Readable;
  /** For an answer that is not 2xx: its first maxErrorBytes bytes at most. */
  readonly errorBody?: Buffer;
}

const MAX_ERROR_BYTES = 64 * 1024;

/**
 * A GET (or HEAD) that resolves as soon as the headers arrive, with the body as a stream: nothing
 * is held in memory beyond the stream's own buffers, and no byte budget applies (that is for
 * metadata; a layer's size is the caller's concern).
 */
export async function httpOpen(url: string, o: HttpStreamOptions): Promise<HttpStreamResponse> {
  let current = new URL(url);
  let headers = { ...(o.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await openOnce(current, headers, o, hop);
    if ('next' in res) {
      ({ url: current, headers } = res.next);
      continue;
    }
    return res;
  }
}

type Hop = HttpStreamResponse | { readonly next: { url: URL; headers: Record<string, string> } };

function openOnce(url: URL, headers: Record<string, string>, o: HttpStreamOptions, hop: number): Promise<Hop> {
  const refused = literalRefused(url, o.policy);
  if (refused) return Promise.reject(refused);
  if (o.signal?.aborted) return Promise.reject(o.signal.reason);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (err: unknown) => {
      if (!settle()) return;
      req.destroy();
      reject(err);
    };
    const onAbort = () => fail(o.signal?.reason);
    const req = startRequest(url, headers, o, (res) => {
      const status = res.statusCode ?? 0;
      const next = redirect(status, res.headers, url, headers, hop);
      if (next) {
        // The intermediate answer's body is of no use: drop it with its connection.
        res.destroy();
        if (settle()) resolve({ next });
        return;
      }
      if (status >= 200 && status < 300) {
        if (settle()) resolve({ status, headers: res.headers, url: url.toString(), body: streamBody(res, req, url, o) });
        else res.destroy();
        return;
      }
      // An answer that is not 2xx is read (its head only) under the headers' deadline, so callers
      // can tell why from the registry's error document.
      const max = o.maxErrorBytes ?? MAX_ERROR_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        if (!settle()) return;
        const errorBody = Buffer.concat(chunks);
        const body = new Readable({ read() {} });
        if (errorBody.length) body.push(errorBody);
        body.push(null);
        resolve({ status, headers: res.headers, url: url.toString(), body, errorBody });
      };
      res.on('data', (c: Buffer) => {
        const kept = c.subarray(0, max - size);
        chunks.push(kept);
        size += kept.length;
        if (size >= max) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('close', done);
      res.on('error', fail);
    });
    const timer = setTimeout(() => fail(new Error(`timed out after ${o.headersTimeoutMs} ms waiting for the headers from ${url.host}`)), o.headersTimeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Stays attached after the headers: a late socket error must not go unhandled.
    req.on('error', fail);
    req.end();
  });
}

/**
 * The body of a 2xx answer. The idle timer runs only while the reader waits for bytes: it stops
 * when the reader's buffer is full (the socket is paused, backpressure reaches the upstream) and
 * starts again when the reader asks for more.
 */
function streamBody(res: IncomingMessage, req: ClientRequest, url: URL, o: HttpStreamOptions): Readable {
  let idle: NodeJS.Timeout | undefined;
  let ended = false;
  const stop = () => {
    clearTimeout(idle);
    idle = undefined;
  };
  const arm = () => {
    stop();
    idle = setTimeout(() => body.destroy(new Error(`no data from ${url.host} for ${o.idleTimeoutMs} ms while streaming the answer`)), o.idleTimeoutMs);
  };
  const onAbort = () => body.destroy(o.signal?.reason instanceof Error ? o.signal.reason : new Error('aborted'));
  const body = new Readable({
    read() {
      if (ended) return;
      arm();
      res.resume();
    },
    destroy(err, cb) {
      stop();
      o.signal?.removeEventListener('abort', onAbort);
      if (!ended) {
        res.destroy();
        req.destroy();
      }
      cb(err);
    },
  });
  res.on('data', (c: Buffer) => {
    if (body.push(c)) arm();
    else {
      stop();
      res.pause();
    }
  });
  res.pause();
  res.on('end', () => {
    ended = true;
    stop();
    o.signal?.removeEventListener('abort', onAbort);
    body.push(null);
  });
  res.on('error', (e) => body.destroy(e));
  res.on('close', () => {
    if (!ended) body.destroy(new Error(`the connection to ${url.host} closed before the whole answer arrived`));
  });
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  return body;
}
