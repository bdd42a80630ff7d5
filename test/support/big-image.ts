/**
 * Large images for the registry's durability tests and benchmarks: an OCI image layout with one
 * layer holding a file of random (incompressible) bytes, written in chunks so that neither the
 * generator nor the tests hold it in memory. The layer is a gzip stream of stored (level 0)
 * blocks: clients treat it as compressed and push it as it is, so the digest the registry
 * receives is the one computed here, without spending seconds of CPU on deflating random data.
 * Also skopeo pushes and pulls with credentials against a TLS registry that is not verified.
 */
import { execFile } from 'node:child_process';
import { createHash, randomFill } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { tarHeader } from './tar.js';

const run = promisify(execFile);
const CHUNK = 1024 * 1024;

export interface BigImage {
  /** The OCI layout directory (`oci:<dir>:<tag>`). */
  readonly dir: string;
  readonly tag: string;
  readonly manifestDigest: string;
  readonly layerDigest: string;
  /** Bytes of the layer blob as pushed. */
  readonly layerSize: number;
  /** The layer blob's file inside the layout. */
  readonly layerPath: string;
  readonly configDigest: string;
  remove(): void;
}

/** The tar stream of one file of `size` random bytes. */
async function* randomTar(name: string, size: number): AsyncGenerator<Buffer> {
  yield tarHeader(name, size);
  const fill = (n: number) => new Promise<Buffer>((resolve, reject) => randomFill(Buffer.alloc(n), (err, buf) => (err ? reject(err) : resolve(buf))));
  for (let left = size; left > 0; left -= CHUNK) yield await fill(Math.min(CHUNK, left));
  yield Buffer.alloc((512 - (size % 512)) % 512);
  yield Buffer.alloc(1024);
}

/** A pass-through that hashes and counts what flows by. */
function tap(): Transform & { digest(): string; size: number } {
  const hash = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      t.size += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { digest(): string; size: number };
  t.size = 0;
  t.digest = () => `sha256:${hash.digest('hex')}`;
  return t;
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Writes an OCI layout holding one image whose single layer carries `bytes` random bytes. */
export async function bigImage(bytes: number, opts: { tag?: string; dir?: string } = {}): Promise<BigImage> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'big-image-'));
  const tag = opts.tag ?? 'v1';
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const blob = (content: string) => {
    const digest = sha(content);
    writeFileSync(join(blobs, digest.slice(7)), content);
    return { digest, size: Buffer.byteLength(content) };
  };
  const raw = tap();
  const gz = tap();
  const tmp = join(dir, 'layer.tmp');
  await pipeline(randomTar('data.bin', bytes), raw, createGzip({ level: 0 }), gz, createWriteStream(tmp));
  const layerDigest = gz.digest();
  const layerPath = join(blobs, layerDigest.slice(7));
  renameSync(tmp, layerPath);
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2025-01-01T00:00:00Z',
      config: { Cmd: ['/data.bin'] },
      rootfs: { type: 'layers', diff_ids: [raw.digest()] },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: gz.size }],
    }),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return {
    dir,
    tag,
    manifestDigest: manifest.digest,
    layerDigest,
    layerSize: gz.size,
    layerPath,
    configDigest: config.digest,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** sha256 of a file, streamed. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** What an OCI layout holds under a tag: its manifest digest and its layers' digests. */
export function layoutImage(dir: string, tag: string): { manifestDigest: string; layers: string[] } {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`no ${tag} in ${dir}`);
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', entry.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
  return { manifestDigest: entry.digest, layers: manifest.layers.map((l) => l.digest) };
}

/** Credentials and TLS for skopeo against one side of a copy (`src` or `dest`). */
export interface SkopeoEndpoint {
  /** `user:password`, or none for an open registry. */
  readonly creds?: string;
  /** False for plain HTTP or a certificate skopeo should not verify. */
  readonly tlsVerify: boolean;
}

function endpointArgs(side: 'src' | 'dest', e: SkopeoEndpoint): string[] {
  return [`--${side}-tls-verify=${e.tlsVerify}`, ...(e.creds ? [`--${side}-creds`, e.creds] : [])];
}

/** `skopeo copy` of a layout to `docker://<ref>`, without blocking the event loop. */
export async function skopeoPush(layout: { dir: string; tag: string }, ref: string, dest: SkopeoEndpoint): Promise<void> {
  await run('skopeo', ['copy', '--quiet', ...endpointArgs('dest', dest), `oci:${layout.dir}:${layout.tag}`, `docker://${ref}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** `skopeo copy` of `docker://<ref>` into an OCI layout at `dir` under `tag`. */
export async function skopeoPull(ref: string, dir: string, tag: string, src: SkopeoEndpoint): Promise<void> {
  await run('skopeo', ['copy', '--quiet', ...endpointArgs('src', src), `docker://${ref}`, `oci:${dir}:${tag}`], { maxBuffer: 16 * 1024 * 1024 });
}
