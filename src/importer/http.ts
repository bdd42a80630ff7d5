/**
 * HTTP for the importer: timeouts on every request, redirects followed without carrying
 * credentials to another host, and a guarded DNS lookup so the importer never connects to
 * link-local, loopback or private addresses unless the operator allowed those networks
 * (BEHAVIOR §13 item 4). The check happens at connect time, for every hop, so DNS answers that
 * change between check and use cannot get around it.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export interface NetworkPolicy {
  /** Networks the operator allows even though they are private, loopback or link-local. */
  readonly allowed: BlockList;
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['0.0.0.0', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::1', 128],
  ['fe80::', 10],
  ['fc00::', 7],
  ['::', 128],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

export function parseAllowedNetworks(cidrs: readonly string[]): NetworkPolicy {
  const allowed = new BlockList();
  for (const c of cidrs) {
    const [net = '', bits] = c.split('/');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(net)) throw new Error(`invalid network ${JSON.stringify(c)}: expected an address or CIDR`);
    allowed.addSubnet(net, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
  }
  return { allowed };
}

export function addressAllowed(address: string, policy: NetworkPolicy): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return !PRIVATE.check(address, family) || policy.allowed.check(address, family);
}

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: NetworkPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      const ok = addresses.filter((a) => addressAllowed(a.address, policy));
      if (ok.length === 0) {
        return callback(
          new BlockedAddressError(
            `${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}, which the server is not allowed to contact (see --import-allowed-networks)`,
          ) as NodeJS.ErrnoException,
          '',
        );
      }
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
  readonly timeoutMs: number;
  readonly insecureSkipVerify?: boolean;
  readonly ca?: string;
  readonly policy: NetworkPolicy;
  readonly maxBytes?: number;
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

function once(url: URL, headers: Record<string, string>, o: HttpOptions): Promise<HttpResponse> {
  const maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
  // An address literal never goes through DNS (and so not through the guarded lookup): check it here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !addressAllowed(literal, o.policy)) {
    return Promise.reject(new BlockedAddressError(`${literal} is an address the server is not allowed to contact (see --import-allowed-networks)`));
  }
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: o.method ?? 'GET',
        headers,
        lookup: guardedLookup(o.policy) as never,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !o.insecureSkipVerify, ...(o.ca ? { ca: o.ca } : {}) } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`timed out after ${o.timeoutMs} ms waiting for ${url.host}`)));
    req.on('error', reject);
    req.end();
  });
}
