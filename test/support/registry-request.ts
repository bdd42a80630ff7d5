/** A raw request to a server's integrated registry, as a registry client makes it (any body, any Authorization). */
import { request } from 'node:https';
import type { ServerProcess } from './server-process.js';

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export interface RegistryRequest {
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string>;
  /** The bearer token; undefined: the server's admin token; null: none. */
  readonly token?: string | null;
}

export function registryRequest(
  server: Pick<ServerProcess, 'url' | 'token' | 'ca'>,
  method: string,
  path: string,
  opts: RegistryRequest = {},
): Promise<RegistryResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const token = opts.token === undefined ? server.token : opts.token;
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  headers['Content-Length'] = String(body?.length ?? 0);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { method, headers, ca: server.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: <T>() => JSON.parse(b.toString('utf8')) as T });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
