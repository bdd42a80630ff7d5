/**
 * A real CNCF distribution registry (Debian's `docker-registry`) on a free loopback port with a
 * temporary storage dir, and pushes of small images over its HTTP API (blobs, OCI and Docker
 * manifests, an OCI index of two platforms, any manifest as given), and manifest deletes. Digests differ per run: tests read them from here.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface Registry {
  readonly host: string;
  /** The storage directory (another registry may serve the same content). */
  readonly storage: string;
  /** Headers that authorize a push to `repo` (empty for an open registry). */
  pushHeaders(repo: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export const TEST_USER = 'testuser';
export const TEST_PASSWORD = 'testpass';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A token server as distribution expects: RS256 JWTs whose x5c is the certificate the registry trusts. */
async function startTokenServer(dir: string): Promise<{ realm: string; certPath: string; close(): void; token(scope: string): string }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=test-token-issuer'],
    { stdio: 'ignore' },
  );
  const key = readFileSync(keyPath, 'utf8');
  const der = new X509Certificate(readFileSync(certPath)).raw.toString('base64');
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = (scope: string, granted: boolean) => {
    const [type = 'repository', name = '', actions = ''] = scope.split(':');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'test-issuer',
      sub: granted ? TEST_USER : '',
      aud: 'test-registry',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: granted ? [{ type, name, actions: actions.split(',') }] : [],
    };
    const head = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [der] })}.${b64(claims)}`;
    return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
  };
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const granted = req.headers.authorization === basic(TEST_USER, TEST_PASSWORD);
    if (req.headers.authorization && !granted) {
      res.writeHead(401).end();
      return;
    }
    const t = token(url.searchParams.get('scope') ?? '', granted);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: t, access_token: t, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { realm: `http://127.0.0.1:${port}/token`, certPath, close: () => server.close(), token: (scope) => token(scope, true) };
}

export interface PushedImage {
  readonly digest: string;
  readonly configDigest: string;
  readonly layerDigest: string;
  readonly mediaType: string;
}

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startRegistry(opts: { auth?: 'htpasswd' | 'token'; tls?: { cert: string; key: string }; storage?: string } = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  const storage = opts.storage ?? join(dir, 'data');
  let tls = '';
  if (opts.tls) {
    writeFileSync(join(dir, 'tls.crt'), opts.tls.cert);
    writeFileSync(join(dir, 'tls.key'), opts.tls.key);
    tls = `, tls: {certificate: ${join(dir, 'tls.crt')}, key: ${join(dir, 'tls.key')}}`;
  }
  const lines = [
    'version: 0.1',
    'log: {level: error}',
    `storage: {filesystem: {rootdirectory: ${storage}}, delete: {enabled: true}}`,
    `http: {addr: 127.0.0.1:${port}, secret: test-secret${tls}}`,
  ];
  let tokens: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  if (opts.auth === 'htpasswd') {
    // distribution accepts only bcrypt entries
    writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', TEST_USER, TEST_PASSWORD]));
    lines.push(`auth: {htpasswd: {realm: basic-realm, path: ${join(dir, 'htpasswd')}}}`);
  } else if (opts.auth === 'token') {
    tokens = await startTokenServer(dir);
    lines.push(`auth: {token: {realm: "${tokens.realm}", service: test-registry, issuer: test-issuer, rootcertbundle: ${tokens.certPath}}}`);
  }
  writeFileSync(config, [...lines, ''].join('\n'));
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if (opts.tls ? await tlsUp(host) : [200, 401].includes((await fetch(`http://${host}/v2/`)).status)) break;
    } catch {
      // not up yet
    }
    if (i > 100 || child.exitCode !== null) throw new Error(`registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    storage,
    async pushHeaders(repo: string): Promise<Record<string, string>> {
      if (opts.auth === 'htpasswd') return { Authorization: basic(TEST_USER, TEST_PASSWORD) };
      if (tokens) return { Authorization: `Bearer ${tokens.token(`repository:${repo}:pull,push`)}` };
      return {};
    },
    async stop() {
      tokens?.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a TLS registry answers (its certificate is checked by the tests themselves, not here). */
function tlsUp(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(`https://${host}/v2/`, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

export async function pushBlob(host: string, repo: string, content: Buffer, auth: Record<string, string>): Promise<string> {
  const digest = sha256(content);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload start failed: ${start.status}`);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: content });
  if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
  return digest;
}

export async function pushManifest(host: string, repo: string, ref: string, body: string, mediaType: string, auth: Record<string, string>): Promise<string> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { method: 'PUT', headers: { ...auth, 'Content-Type': mediaType }, body });
  if (r.status !== 201) throw new Error(`manifest push failed: ${r.status} ${await r.text()}`);
  return sha256(body);
}

/** Deletes a manifest by digest (the registry keeps any list that names it: a partial mirror). */
export async function deleteManifest(host: string, repo: string, digest: string, auth: Record<string, string> = {}): Promise<void> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers: auth });
  if (r.status !== 202) throw new Error(`manifest delete failed: ${r.status} ${await r.text()}`);
}

/** Pushes a one-layer image (OCI, or Docker schema 2) and tags it. */
export async function pushImage(
  host: string,
  repo: string,
  tag: string,
  opts: { seed: string; arch?: string; docker?: boolean; auth?: Record<string, string> },
): Promise<PushedImage> {
  const auth = opts.auth ?? {};
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.arch ?? 'amd64',
      os: 'linux',
      created: '2025-01-01T00:00:00Z',
      config: { Cmd: ['/bin/app'], Env: [`SEED=${opts.seed}`] },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = Buffer.from(`layer for ${opts.seed}`);
  const configDigest = await pushBlob(host, repo, config, auth);
  const layerDigest = await pushBlob(host, repo, layer, auth);
  const mediaType = opts.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: opts.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [
      {
        mediaType: opts.docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: layerDigest,
        size: layer.length,
      },
    ],
  });
  const digest = await pushManifest(host, repo, tag, manifest, mediaType, auth);
  return { digest, configDigest, layerDigest, mediaType };
}

/** Pushes an amd64 and an arm64 image and an OCI index of both under `tag`. */
export async function pushIndex(host: string, repo: string, tag: string, seed: string): Promise<{ digest: string; amd64: PushedImage; arm64: PushedImage }> {
  const amd64 = await pushImage(host, repo, `${tag}-amd64`, { seed: `${seed}-amd64`, arch: 'amd64' });
  const arm64 = await pushImage(host, repo, `${tag}-arm64`, { seed: `${seed}-arm64`, arch: 'arm64' });
  const size = async (d: string) =>
    (await (await fetch(`http://${host}/v2/${repo}/manifests/${d}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer())
      .byteLength;
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: amd64.mediaType, digest: amd64.digest, size: await size(amd64.digest), platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: arm64.mediaType, digest: arm64.digest, size: await size(arm64.digest), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ],
  });
  const digest = await pushManifest(host, repo, tag, index, 'application/vnd.oci.image.index.v1+json', {});
  return { digest, amd64, arm64 };
}
