/**
 * HTTP for the importer: every exchange has a deadline for the whole answer (not an idle timer, so
 * a registry that drips a byte now and then is still cut off), a size limit, a share of its import's
 * byte budget, and the import's abort signal; redirects are followed without carrying credentials
 * to another host; and a guarded DNS lookup refuses addresses the importer may not contact at
 * connect time, for every hop, so DNS answers that change between check and use cannot get around
 * it.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
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
    if (res.status >= 300 && res.status < 400 && res.headers.location && hop < MAX_REDIRECTS) {
      const next = new URL(res.headers.location, current);
      // Credentials are for the registry, never for the storage it redirects to.
      if (next.host !== current.host) {
        const { Authorization: _a, authorization: _b, ...rest } = headers;
        headers = rest;
      }
      current = next;
      continue;
    }
    return res;
  }
}

function tooLarge(o: HttpOptions): ImportLimitError {
  return new ImportLimitError('TooLarge', `the registry's answer is larger than ${o.maxBytes} bytes${o.maxBytesFlag ? ` (${o.maxBytesFlag})` : ''}`);
}

function once(url: URL, headers: Record<string, string>, o: HttpOptions): Promise<HttpResponse> {
  // An address literal never goes through DNS (and so not through the guarded lookup): check it here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !addressAllowed(literal, o.policy)) return Promise.reject(new BlockedAddressError(blockedAddressMessage(literal)));
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
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: o.method ?? 'GET',
        headers,
        lookup: guardedLookup(o.policy) as never,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !o.insecureSkipVerify, ...(o.ca ? { ca: o.ca } : {}) } : {}),
      },
      (res) => {
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
      },
    );
    const timer = setTimeout(() => finish(new Error(`timed out after ${o.timeoutMs} ms waiting for the whole answer from ${url.host}`)), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e));
    req.end();
  });
}
