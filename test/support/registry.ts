/**
 * A real CNCF distribution registry (Debian's `docker-registry`) on a free loopback port with a
 * temporary storage dir, and pushes of small images over its HTTP API (blobs, OCI and Docker
 * manifests, an OCI index of two platforms). Digests differ per run: tests read them from here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Registry {
  readonly host: string;
  stop(): Promise<void>;
}

export interface PushedImage {
  readonly digest: string;
  readonly configDigest: string;
  readonly layerDigest: string;
  readonly mediaType: string;
}

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: error}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
      `http: {addr: 127.0.0.1:${port}, secret: test-secret}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200) break;
    } catch {
      // not up yet
    }
    if (i > 100 || child.exitCode !== null) throw new Error(`registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pushBlob(host: string, repo: string, content: Buffer): Promise<string> {
  const digest = sha256(content);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload start failed: ${start.status}`);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: content });
  if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
  return digest;
}

async function pushManifest(host: string, repo: string, ref: string, body: string, mediaType: string): Promise<string> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body });
  if (r.status !== 201) throw new Error(`manifest push failed: ${r.status} ${await r.text()}`);
  return sha256(body);
}

/** Pushes a one-layer image (OCI, or Docker schema 2) and tags it. */
export async function pushImage(host: string, repo: string, tag: string, opts: { seed: string; arch?: string; docker?: boolean }): Promise<PushedImage> {
  const config = Buffer.from(JSON.stringify({ architecture: opts.arch ?? 'amd64', os: 'linux', created: '2025-01-01T00:00:00Z', config: { Cmd: ['/bin/app'], Env: [`SEED=${opts.seed}`] }, rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = Buffer.from(`layer for ${opts.seed}`);
  const configDigest = await pushBlob(host, repo, config);
  const layerDigest = await pushBlob(host, repo, layer);
  const mediaType = opts.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: opts.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: opts.docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
  });
  const digest = await pushManifest(host, repo, tag, manifest, mediaType);
  return { digest, configDigest, layerDigest, mediaType };
}

/** Pushes an amd64 and an arm64 image and an OCI index of both under `tag`. */
export async function pushIndex(host: string, repo: string, tag: string, seed: string): Promise<{ digest: string; amd64: PushedImage; arm64: PushedImage }> {
  const amd64 = await pushImage(host, repo, `${tag}-amd64`, { seed: `${seed}-amd64`, arch: 'amd64' });
  const arm64 = await pushImage(host, repo, `${tag}-arm64`, { seed: `${seed}-arm64`, arch: 'arm64' });
  const size = async (d: string) => (await (await fetch(`http://${host}/v2/${repo}/manifests/${d}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer()).byteLength;
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: amd64.mediaType, digest: amd64.digest, size: await size(amd64.digest), platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: arm64.mediaType, digest: arm64.digest, size: await size(arm64.digest), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ],
  });
  const digest = await pushManifest(host, repo, tag, index, 'application/vnd.oci.image.index.v1+json');
  return { digest, amd64, arm64 };
}
