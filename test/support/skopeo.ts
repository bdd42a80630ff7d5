/**
 * Real images for the import tests, pushed by skopeo: an OCI image layout written here (a real
 * gzipped tar layer, a config with its diff_ids, manifests and optionally an index of two
 * platforms, BuildKit-style attestation manifests), or by umoci in the same layout (which writes
 * manifests without a top-level mediaType), copied to the registry by `skopeo copy` as OCI, or
 * converted by skopeo to Docker schema 2 and Docker manifest lists.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarHeader } from './tar.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A one-file ustar archive. */
function tar(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = tarHeader(name, body.length);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageOptions {
  readonly os?: string;
  /** The config's `created`, as written. */
  readonly created?: string;
  readonly labels?: Record<string, string>;
}

export class OciLayout {
  readonly dir = mkdtempSync(join(tmpdir(), 'oci-layout-'));

  constructor() {
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
  }

  blob(content: Buffer | string): { digest: string; size: number } {
    const hex = sha(content);
    writeFileSync(join(this.dir, 'blobs', 'sha256', hex), content);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
  }

  /** Adds an image for one platform; returns its manifest descriptor. */
  image(seed: string, arch = 'amd64', opts: ImageOptions = {}): Descriptor {
    const raw = tar('app/hello.txt', `hello from ${seed}\n`);
    const layer = this.blob(gzipSync(raw));
    const os = opts.os ?? 'linux';
    const config = this.blob(
      JSON.stringify({
        architecture: arch,
        os,
        created: opts.created ?? '2025-01-01T00:00:00Z',
        config: { Cmd: ['/app/hello.txt'], Env: [`SEED=${seed}`], ...(opts.labels ? { Labels: opts.labels } : {}) },
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha(raw)}`] },
      }),
    );
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    });
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...this.blob(manifest), platform: { architecture: arch, os } };
  }

  /**
   * A BuildKit-style attestation manifest for `subject`: an image manifest whose config says
   * unknown/unknown and whose layer is an in-toto statement, listed with the annotations BuildKit writes.
   */
  attestation(subject: Descriptor): Descriptor {
    const statement = this.blob(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha256: subject.digest.slice(7) } }] }));
    const config = this.blob(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } }));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.in-toto+json', ...statement, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
    });
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...this.blob(manifest),
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': subject.digest },
    };
  }

  /**
   * An empty image made by umoci (`umoci new`, then `umoci config` with `configArgs`), tagged `name`
   * in this layout: umoci writes its manifest without a top-level mediaType.
   */
  umoci(name: string, configArgs: string[], platform?: Descriptor['platform']): Descriptor {
    execFileSync('umoci', ['new', '--image', `${this.dir}:${name}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('umoci', ['config', '--image', `${this.dir}:${name}`, ...configArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    const found = this.refs().find((r) => r.annotations?.['org.opencontainers.image.ref.name'] === name);
    if (!found) throw new Error(`umoci did not tag ${name}`);
    const { annotations: _a, ...d } = found;
    return { ...d, ...(platform ? { platform } : {}) };
  }

  private refs(): Descriptor[] {
    const path = join(this.dir, 'index.json');
    return existsSync(path) ? ((JSON.parse(readFileSync(path, 'utf8')) as { manifests?: Descriptor[] }).manifests ?? []) : [];
  }

  tag(name: string, d: Descriptor): void {
    const { platform: _p, annotations: _a, ...rest } = d;
    const refs = this.refs().filter((r) => r.annotations?.['org.opencontainers.image.ref.name'] !== name);
    refs.push({ ...rest, annotations: { 'org.opencontainers.image.ref.name': name } });
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: refs }));
  }

  /** An OCI index of the given images. */
  index(images: Descriptor[]): Descriptor {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: images });
    return { mediaType: 'application/vnd.oci.image.index.v1+json', ...this.blob(body) };
  }
}

/** `skopeo copy` from the layout to a plain-HTTP registry, as OCI or converted to Docker formats. */
export function skopeoCopy(layout: OciLayout, tag: string, dest: string, opts: { docker?: boolean; all?: boolean } = {}): void {
  execFileSync(
    'skopeo',
    [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      ...(opts.all ? ['--all'] : []),
      ...(opts.docker ? ['--format', 'v2s2'] : []),
      `oci:${layout.dir}:${tag}`,
      `docker://${dest}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/** The digest the registry serves for a reference (skopeo may rewrite manifests when converting). */
export function skopeoDigest(ref: string): string {
  const out = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  return `sha256:${sha(out)}`;
}
