/**
 * Imports of what real repositories hold, from the real distribution registry, through single,
 * repository and spec-tag (controller) imports, with the server storing in etcd (whose request
 * limit is what an oversized Image meets): indexes with BuildKit attestations, Windows images and
 * no image for the host (built by umoci and skopeo), nested indexes, cosign/oras referrers fallback
 * tags whose entries have no platform, a Helm chart without a top-level mediaType, a partial mirror
 * (an index whose child is gone), zero and fractional creation times, a config with hundreds of KiB
 * of labels, and an image too large to store. One failing tag never fails the request, names the
 * digest at fault, and leaves no Image behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { imageStreamImport, type ImportEntry } from '../support/image-stream-import.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';
import { deleteManifest, pushBlob, pushImage, pushIndex, pushManifest, sha256, startRegistry, type PushedImage, type Registry } from '../support/registry.js';
import { OciLayout, skopeoCopy, skopeoDigest } from '../support/skopeo.js';
import { eventually } from '../support/eventually.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const SIG_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM_TYPE = 'application/spdx+json';
const ARTIFACT_ANNOTATION = 'image.openshift.io/artifactType';
const NS = '/apis/image.openshift.io/v1/namespaces/rw';
const hostArch = process.arch === 'arm64' ? 'arm64' : 'amd64';

let etcd: EtcdCluster;
let server: ServerProcess;
let registry: Registry;
const layout = new OciLayout();

interface NestedStatus {
  status: string;
  reason?: string;
  message?: string;
  code?: number;
}
interface ImageObject {
  metadata: { name: string; annotations?: Record<string, string> };
  dockerImageManifestMediaType?: string;
  dockerImageMetadata?: { Id?: string; Size?: number; Created?: string | null; Config?: { Env?: string[]; Labels?: Record<string, string> } };
  dockerImageManifests?: { digest: string; architecture: string; os: string; mediaType: string }[];
}
interface Result {
  status: NestedStatus;
  tag?: string;
  image?: ImageObject;
  manifests?: ImageObject[];
}
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Stream {
  status: { tags?: { tag: string; items: { image: string }[] | null; conditions?: Condition[] }[] };
}
interface Isi {
  status: { images?: Result[]; repository?: { status: NestedStatus; images?: Result[] }; import?: Stream };
}

/** What a manifest the registry holds is, as a descriptor (its size read back). */
async function descriptorOf(repo: string, digest: string): Promise<{ mediaType: string; digest: string; size: number }> {
  const r = await fetch(`http://${registry.host}/v2/${repo}/manifests/${digest}`, { headers: { Accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
  assert.equal(r.status, 200);
  return { mediaType: (r.headers.get('content-type') ?? '').split(';')[0] ?? '', digest, size: (await r.arrayBuffer()).byteLength };
}

/** An OCI 1.1 artifact (an empty config, one layer) pushed by digest, naming `subject`. */
async function pushArtifact(repo: string, artifactType: string, payload: string, subject: { mediaType: string; digest: string; size: number }) {
  const empty = await pushBlob(registry.host, repo, Buffer.from('{}'), {});
  const layer = Buffer.from(payload);
  const layerDigest = await pushBlob(registry.host, repo, layer, {});
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
    layers: [
      { mediaType: artifactType === SIG_TYPE ? 'application/vnd.dev.cosign.simplesigning.v1+json' : artifactType, digest: layerDigest, size: layer.length },
    ],
    subject,
  });
  const digest = sha256(body);
  await pushManifest(registry.host, repo, digest, body, OCI_MANIFEST, {});
  return { mediaType: OCI_MANIFEST, digest, size: Buffer.byteLength(body), artifactType };
}

/**
 * The tag cosign and oras write where a registry has no referrers API: `sha256-<subject hex>`, an
 * index of the subject's signatures and SBOMs, entries without a platform.
 */
async function pushFallbackTag(repo: string, subject: PushedImage) {
  const s = await descriptorOf(repo, subject.digest);
  const sig = await pushArtifact(repo, SIG_TYPE, `signature of ${subject.digest}`, s);
  const sbom = await pushArtifact(repo, SBOM_TYPE, `{"spdxVersion":"SPDX-2.3","name":"${subject.digest}"}`, s);
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [sig, sbom].map((a) => ({ ...a, annotations: { 'org.opencontainers.image.created': '2025-06-01T00:00:00Z' } })),
  });
  const tag = `sha256-${subject.digest.slice(7)}`;
  const digest = await pushManifest(registry.host, repo, tag, body, OCI_INDEX, {});
  return { tag, digest, sig: sig.digest, sbom: sbom.digest };
}

/** A Helm chart as Helm pushes it: no top-level mediaType, a Helm config, the chart as the one layer. */
async function pushChart(repo: string, tag: string) {
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'mychart', version: '0.1.0' }));
  const chart = Buffer.from(`chart ${repo}`);
  const body = JSON.stringify({
    schemaVersion: 2,
    config: { mediaType: HELM_CONFIG, digest: await pushBlob(registry.host, repo, config, {}), size: config.length },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: await pushBlob(registry.host, repo, chart, {}), size: chart.length }],
  });
  return { digest: await pushManifest(registry.host, repo, tag, body, OCI_MANIFEST, {}), size: config.length + chart.length };
}

/** An index whose child for this host's architecture the registry no longer has. */
async function pushPartial(repo: string, tag: string) {
  const index = await pushIndex(registry.host, repo, tag, `${repo}-${tag}`);
  const missing = hostArch === 'arm64' ? index.arm64.digest : index.amd64.digest;
  await deleteManifest(registry.host, repo, missing);
  return { digest: index.digest, missing };
}

/** An image whose Image is larger than etcd takes in one request: 14,000 layer entries. */
async function pushHuge(repo: string, tag: string, seed: string) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Env: [`SEED=${seed}`] }, rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = Buffer.from(`layer ${seed}`);
  const layerDigest = await pushBlob(registry.host, repo, layer, {});
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(registry.host, repo, config, {}), size: config.length },
    layers: Array.from({ length: 14_000 }, () => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length })),
  });
  return { digest: await pushManifest(registry.host, repo, tag, body, OCI_MANIFEST, {}), size: Buffer.byteLength(body) };
}

const content = {} as {
  multi: { digest: string; win: string; ppc: string };
  full: { win: string; arm: string };
  nested: { digest: string; inner: string; amd64: string; arm64: string };
  good: PushedImage;
  fallback: Awaited<ReturnType<typeof pushFallbackTag>>;
  chart: Awaited<ReturnType<typeof pushChart>>;
  partial: Awaited<ReturnType<typeof pushPartial>>;
  frac: string;
  zero: string;
  labels: { digest: string; config: string };
  hugeList: { digest: string; small: string; huge: string };
  mixed: {
    good: PushedImage;
    chart: Awaited<ReturnType<typeof pushChart>>;
    fallback: Awaited<ReturnType<typeof pushFallbackTag>>;
    partial: Awaited<ReturnType<typeof pushPartial>>;
    huge: string;
  };
};

before(async () => {
  etcd = await startEtcd();
  registry = await startRegistry();
  const host = registry.host;

  // An index with no image for the host: Windows (umoci), linux/ppc64le, and their attestations.
  const win = layout.umoci('win', ['--os', 'windows', '--architecture', 'amd64', '--config.env', 'SEED=win'], { os: 'windows', architecture: 'amd64' });
  const ppc = layout.image('rw-ppc64le', 'ppc64le');
  layout.tag('multi', layout.index([layout.attestation(ppc), win, layout.attestation(win), ppc]));
  skopeoCopy(layout, 'multi', `${host}/rw/app:multi`, { all: true });
  content.multi = { digest: skopeoDigest(`${host}/rw/app:multi`), win: win.digest, ppc: ppc.digest };
  // One with every platform: the prefer annotations choose.
  const arm = layout.image('rw-arm64', 'arm64');
  layout.tag('full', layout.index([win, layout.image('rw-amd64', 'amd64'), arm, layout.attestation(arm)]));
  skopeoCopy(layout, 'full', `${host}/rw/app:full`, { all: true });
  content.full = { win: win.digest, arm: arm.digest };
  // umoci writes manifests without a mediaType; created times as given.
  layout.umoci('frac', ['--os', 'linux', '--architecture', 'amd64', '--created', '2024-03-05T10:11:12.987654321+02:00']);
  skopeoCopy(layout, 'frac', `${host}/rw/app:frac`);
  content.frac = skopeoDigest(`${host}/rw/app:frac`);
  layout.umoci('zero', ['--os', 'linux', '--architecture', 'amd64', '--created', '0001-01-01T00:00:00Z']);
  skopeoCopy(layout, 'zero', `${host}/rw/app:zero`);
  content.zero = skopeoDigest(`${host}/rw/app:zero`);
  // 3,000 labels of 200 bytes: about 600 KiB of metadata, over the default 512Ki.
  const labels = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`org.example.label-${i}`, 'v'.repeat(200)]));
  const labelled = layout.image('rw-labels', 'amd64', { labels });
  layout.tag('labels', labelled);
  skopeoCopy(layout, 'labels', `${host}/rw/app:labels`);
  const labelledManifest = await (await fetch(`http://${host}/v2/rw/app/manifests/labels`, { headers: { Accept: OCI_MANIFEST } })).json();
  content.labels = { digest: labelled.digest, config: (labelledManifest as { config: { digest: string } }).config.digest };

  // Raw pushes: a nested index (its entry has no platform), a referrers fallback tag, a chart, a partial mirror.
  const inner = await pushIndex(host, 'rw/app', 'inner', 'rw-inner');
  const innerDescriptor = await descriptorOf('rw/app', inner.digest);
  const nested = await pushManifest(
    host,
    'rw/app',
    'nested',
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [innerDescriptor] }),
    OCI_INDEX,
    {},
  );
  content.nested = { digest: nested, inner: inner.digest, amd64: inner.amd64.digest, arm64: inner.arm64.digest };
  content.good = await pushImage(host, 'rw/app', 'good', { seed: 'rw-good' });
  content.fallback = await pushFallbackTag('rw/app', content.good);
  content.chart = await pushChart('rw/app', 'chart');
  content.partial = await pushPartial('rw/app', 'partial');
  // An index whose second child is too large to store.
  const small = await pushImage(host, 'rw/big', 'small', { seed: 'rw-small' });
  const huge = await pushHuge('rw/big', 'huge', 'rw-huge');
  const hugeList = await pushManifest(
    host,
    'rw/big',
    'list',
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...(await descriptorOf('rw/big', small.digest)), platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, digest: huge.digest, size: huge.size, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }),
    OCI_INDEX,
    {},
  );
  content.hugeList = { digest: hugeList, small: small.digest, huge: huge.digest };

  // A repository with one tag of each kind.
  const good = await pushImage(host, 'rw/mixed', 'good', { seed: 'rw-mixed-good' });
  content.mixed = {
    good,
    chart: await pushChart('rw/mixed', 'chart'),
    fallback: await pushFallbackTag('rw/mixed', good),
    partial: await pushPartial('rw/mixed', 'partial'),
    huge: (await pushHuge('rw/mixed', 'huge', 'rw-mixed-huge')).digest,
  };

  server = await startServerProcess({
    args: ['--storage-backend', 'etcd3', '--etcd-servers', etcd.endpoints.join(','), '--import-allowed-networks', '127.0.0.0/8'],
  });
  const ns = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rw' } } });
  assert.equal(ns.status, 201);
});

after(async () => {
  rmSync(layout.dir, { recursive: true, force: true });
  await server?.stop();
  server?.cleanup();
  await registry?.stop();
  await etcd?.stop();
});

async function post(name: string, images: ImportEntry[], doImport: boolean, repository?: { from: string; mode?: string }): Promise<Isi> {
  const r = await api(server, 'POST', `${NS}/imagestreamimports`, { body: imageStreamImport(name, images, doImport, repository) });
  assert.equal(r.status, 201, r.text);
  return r.json<Isi>();
}

async function one(from: string, mode?: string, to?: string, stream = 'preview'): Promise<Result> {
  const res = await post(stream, [{ from, ...(mode ? { mode } : {}), ...(to ? { to } : {}) }], to !== undefined);
  return res.status.images?.[0] as Result;
}

const imageStatus = async (digest: string) => (await api(server, 'GET', `/apis/image.openshift.io/v1/images/${digest}`)).status;
const getImage = async (digest: string) => (await api(server, 'GET', `/apis/image.openshift.io/v1/images/${digest}`)).json<ImageObject>();
const tagOf = (stream: Stream | undefined, tag: string) => stream?.status.tags?.find((t) => t.tag === tag);
const app = (tag: string) => `${registry.host}/rw/app:${tag}`;

describe('platform selection under Legacy', () => {
  it('skips attestations and other OSes, falls back to another architecture, and says so', async () => {
    const r = await one(app('multi'));
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, content.multi.ppc);
    assert.equal(r.status.reason, 'PlatformFallback');
    assert.equal(
      r.status.message,
      `the manifest list ${content.multi.digest} has no linux/${hostArch} image; imported linux/ppc64le (${content.multi.ppc}) instead`,
    );
  });

  it('honours the prefer-os and prefer-arch annotations of the target tag', async () => {
    const tag = (name: string, annotations: Record<string, string>) => ({
      name,
      annotations,
      from: { kind: 'DockerImage', name: 'example.invalid/x:y' },
      reference: true,
    });
    const stream = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'prefer' },
      spec: {
        tags: [
          tag('win', { 'importer.image.openshift.io/prefer-os': 'windows' }),
          tag('arm', { 'importer.image.openshift.io/prefer-arch': 'arm64' }),
          tag('mips', { 'importer.image.openshift.io/prefer-arch': 'mips64le' }),
        ],
      },
    };
    assert.equal((await api(server, 'POST', `${NS}/imagestreams`, { body: stream })).status, 201);
    const res = await post(
      'prefer',
      [
        { from: app('full'), to: 'win' },
        { from: app('full'), to: 'arm' },
        { from: app('full'), to: 'mips' },
      ],
      false,
    );
    const [win, arm, mips] = res.status.images ?? [];
    // The Windows image was made by umoci, without a top-level mediaType.
    assert.equal(win?.image?.metadata.name, content.full.win);
    assert.equal(win?.image?.dockerImageManifestMediaType, OCI_MANIFEST);
    assert.ok(win?.image?.dockerImageMetadata?.Config?.Env?.includes('SEED=win'));
    assert.equal(win?.status.message, undefined);
    assert.equal(arm?.image?.metadata.name, content.full.arm);
    assert.equal(arm?.status.message, undefined);
    // No mips64le: amd64 (the reference's fallback), said out loud.
    assert.equal(mips?.status.reason, 'PlatformFallback');
    assert.match(mips?.status.message ?? '', /has no linux\/mips64le image; imported linux\/amd64 \(sha256:[0-9a-f]{64}\) instead$/);
  });

  it('descends into a nested index and imports the image for this host', async () => {
    const r = await one(app('nested'));
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, hostArch === 'arm64' ? content.nested.arm64 : content.nested.amd64);
    assert.equal(r.image?.dockerImageManifests, undefined);
    assert.equal(r.status.message, undefined);
  });

  it('never tags an artifact: a referrers fallback index fails, saying what it holds', async () => {
    const r = await one(app(content.fallback.tag));
    assert.equal(r.status.status, 'Failure');
    assert.equal(r.status.reason, 'NoRunnableImage');
    assert.equal(
      r.status.message,
      `${app(content.fallback.tag)}: the manifest list ${content.fallback.digest} has no image for linux (it holds 2 artifacts); import it with importMode PreserveOriginal to keep it`,
    );
  });
});

describe('PreserveOriginal keeps entries without a platform', () => {
  it('imports a referrers fallback tag with its artifacts, their platform fields empty', async () => {
    const r = await one(app(content.fallback.tag), 'PreserveOriginal', 'sigs', 'keep');
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.deepEqual(
      r.image?.dockerImageManifests?.map((m) => [m.digest, m.os, m.architecture]),
      [
        [content.fallback.sig, '', ''],
        [content.fallback.sbom, '', ''],
      ],
    );
    const sig = await getImage(content.fallback.sig);
    assert.equal(sig.metadata.annotations?.[ARTIFACT_ANNOTATION], SIG_TYPE);
    assert.equal((await getImage(content.fallback.sbom)).metadata.annotations?.[ARTIFACT_ANNOTATION], SBOM_TYPE);
    assert.equal((await getImage(content.fallback.digest)).dockerImageManifests?.length, 2);
  });

  it('keeps a nested index, the inner index and its children', async () => {
    const r = await one(app('nested'), 'PreserveOriginal', 'nested', 'keep');
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.deepEqual(
      r.image?.dockerImageManifests?.map((m) => [m.digest, m.os, m.architecture]),
      [[content.nested.inner, '', '']],
    );
    assert.deepEqual(
      r.manifests?.map((m) => m.metadata.name),
      [content.nested.amd64, content.nested.arm64, content.nested.inner],
    );
    for (const d of [content.nested.digest, content.nested.inner, content.nested.amd64, content.nested.arm64]) assert.equal(await imageStatus(d), 200, d);
  });
});

describe('artifacts, manifests without a mediaType, creation times', () => {
  it('imports a Helm chart as an OCI manifest recording its artifactType, shown by kubectl get istag -o wide', async () => {
    const r = await one(app('chart'), undefined, 'chart', 'charts');
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.image?.metadata.name, content.chart.digest);
    // The registry's Content-Type, not a guess from the config's type.
    assert.equal(r.image?.dockerImageManifestMediaType, OCI_MANIFEST);
    const stored = await getImage(content.chart.digest);
    assert.equal(stored.metadata.annotations?.[ARTIFACT_ANNOTATION], HELM_CONFIG);
    assert.equal(stored.dockerImageMetadata?.Size, content.chart.size);
    assert.equal(stored.dockerImageMetadata?.Config, undefined);
    const out = await kubectl(server.kubeconfig, ['-n', 'rw', 'get', 'istag', 'charts:chart', '-o', 'wide']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /ARTIFACT TYPE/);
    assert.match(out.stdout, new RegExp(`charts:chart\\s+.*${content.chart.digest}\\s+${HELM_CONFIG.replace(/[.+]/g, '\\$&')}`));
  });

  it('stores Created in UTC whole seconds, and a zero time as null', async () => {
    const frac = await one(app('frac'));
    assert.equal(frac.status.status, 'Success', JSON.stringify(frac.status));
    assert.equal(frac.image?.metadata.name, content.frac);
    assert.equal(frac.image?.dockerImageManifestMediaType, OCI_MANIFEST);
    assert.equal(frac.image?.dockerImageMetadata?.Created, '2024-03-05T08:11:12Z');
    const zero = await one(app('zero'));
    assert.equal(zero.image?.metadata.name, content.zero);
    assert.ok(zero.image?.dockerImageMetadata && 'Created' in zero.image.dockerImageMetadata);
    assert.equal(zero.image?.dockerImageMetadata?.Created, null);
  });

  it('keeps the digest and size of an oversized config but drops its labels, and says so on the tag', async () => {
    const r = await one(app('labels'), undefined, 'labels', 'labelled');
    assert.equal(r.status.status, 'Success', JSON.stringify(r.status));
    assert.equal(r.status.reason, 'MetadataTruncated');
    const stored = await getImage(content.labels.digest);
    assert.equal(stored.dockerImageMetadata?.Id, content.labels.config);
    assert.ok((stored.dockerImageMetadata?.Size ?? 0) > 600_000, String(stored.dockerImageMetadata?.Size));
    assert.equal(stored.dockerImageMetadata?.Config?.Labels, undefined);
    assert.ok(stored.dockerImageMetadata?.Config?.Env?.includes('SEED=rw-labels'));
    const stream = (await api(server, 'GET', `${NS}/imagestreams/labelled`)).json<Stream>();
    const condition = tagOf(stream, 'labels')?.conditions?.[0];
    assert.equal(condition?.type, 'ImportSuccess');
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, 'MetadataTruncated');
    assert.match(
      condition?.message ?? '',
      new RegExp(
        `^the image ${content.labels.digest} has \\d+ bytes of metadata from its config ${content.labels.config}, more than the 524288 an Image keeps \\(--image-import-max-config-bytes\\); not stored: Config.Labels$`,
      ),
    );
  });
});

describe('failures name the digest at fault', () => {
  it('reports the child a partial mirror lacks, in both import modes', async () => {
    for (const mode of ['Legacy', 'PreserveOriginal']) {
      const r = await one(app('partial'), mode);
      assert.equal(r.status.status, 'Failure', mode);
      assert.equal(r.status.reason, 'NotFound');
      assert.equal(
        r.status.message,
        `dockerimage.image.openshift.io "${app('partial')}" not found: the manifest list ${content.partial.digest} names the manifest ${content.partial.missing}, which the registry does not have`,
      );
    }
  });

  it('fails a list whose child cannot be stored alone, and removes the children it stored', async () => {
    const res = await post(
      'big',
      [
        { from: `${registry.host}/rw/big:list`, to: 'list', mode: 'PreserveOriginal' },
        { from: app('good'), to: 'good' },
      ],
      true,
    );
    const [list, good] = res.status.images ?? [];
    assert.equal(good?.status.status, 'Success');
    assert.equal(list?.status.status, 'Failure');
    assert.equal(list?.status.reason, 'RequestEntityTooLarge');
    assert.match(list?.status.message ?? '', new RegExp(`^the image ${content.hugeList.huge} could not be stored: .*too large`));
    for (const d of [content.hugeList.digest, content.hugeList.small, content.hugeList.huge]) assert.equal(await imageStatus(d), 404, d);
    assert.equal(await imageStatus(content.good.digest), 200);
    const condition = tagOf(res.status.import, 'list')?.conditions?.[0];
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'RequestEntityTooLarge');
    assert.match(condition?.message ?? '', new RegExp(content.hugeList.huge));
  });
});

describe('a repository import with bad tags', () => {
  it('imports the good tags, fails each bad one alone with a condition, and stores nothing for them', async () => {
    const res = await post('mixed', [], true, { from: `${registry.host}/rw/mixed` });
    const repo = res.status.repository;
    assert.equal(repo?.status.status, 'Failure');
    assert.equal(repo?.status.reason, 'ImportFailed');
    assert.equal(repo?.status.message, '3 of the images from this repository failed to import');
    const byTag = new Map((repo?.images ?? []).map((i) => [i.tag, i]));
    const seen = JSON.stringify([...byTag].map(([t, i]) => [t, i.status.reason ?? i.status.status]));
    assert.equal(byTag.get('good')?.status.status, 'Success', seen);
    assert.equal(byTag.get('chart')?.status.status, 'Success');
    assert.equal(byTag.get(content.mixed.fallback.tag)?.status.reason, 'NoRunnableImage', seen);
    assert.equal(byTag.get('partial')?.status.reason, 'NotFound');
    assert.equal(byTag.get('huge')?.status.reason, 'RequestEntityTooLarge');
    const stream = res.status.import;
    assert.equal(tagOf(stream, 'good')?.items?.[0]?.image, content.mixed.good.digest);
    assert.equal(tagOf(stream, 'chart')?.items?.[0]?.image, content.mixed.chart.digest);
    const failed: [string, string, string][] = [
      [content.mixed.fallback.tag, 'NoRunnableImage', content.mixed.fallback.digest],
      ['partial', 'NotFound', content.mixed.partial.missing],
      ['huge', 'RequestEntityTooLarge', content.mixed.huge],
    ];
    for (const [tag, reason, digest] of failed) {
      const c = tagOf(stream, tag)?.conditions?.[0];
      assert.equal(c?.status, 'False', tag);
      assert.equal(c?.reason, reason, tag);
      assert.ok(c?.message.includes(digest), `${tag}: ${c?.message}`);
      assert.equal(tagOf(stream, tag)?.items, null, tag);
    }
    for (const d of [content.mixed.huge, content.mixed.fallback.digest, content.mixed.fallback.sig, content.mixed.partial.digest])
      assert.equal(await imageStatus(d), 404, d);
  });

  it('with PreserveOriginal imports the referrers fallback tag next to its subject', async () => {
    const res = await post('mixed-all', [], false, { from: `${registry.host}/rw/mixed`, mode: 'PreserveOriginal' });
    const byTag = new Map((res.status.repository?.images ?? []).map((i) => [i.tag, i]));
    const fallback = byTag.get(content.mixed.fallback.tag);
    assert.equal(fallback?.status.status, 'Success', JSON.stringify(fallback?.status));
    assert.deepEqual(
      fallback?.manifests?.map((m) => m.metadata.annotations?.[ARTIFACT_ANNOTATION]),
      [SIG_TYPE, SBOM_TYPE],
    );
    assert.equal(byTag.get('good')?.status.status, 'Success');
  });
});

describe('spec tags imported by the controllers', () => {
  it('gives every tag its own condition, a reason and the digest at fault', async () => {
    const tag = (name: string, from: string, importMode = 'Legacy') => ({
      name,
      from: { kind: 'DockerImage', name: from },
      importPolicy: { insecure: true, importMode },
    });
    const manifest = JSON.stringify({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'watched' },
      spec: {
        tags: [
          tag('good', app('good')),
          tag('partial', app('partial')),
          tag('multi', app('multi')),
          tag('sigs', app(content.fallback.tag)),
          tag('labels', app('labels')),
          tag('list', `${registry.host}/rw/big:list`, 'PreserveOriginal'),
        ],
      },
    });
    const applied = await kubectl(server.kubeconfig, ['-n', 'rw', 'apply', '-f', '-'], { stdin: manifest });
    assert.equal(applied.code, 0, applied.stderr);
    const stream = await eventually('every tag imported or failed', async () => {
      const s = (await api(server, 'GET', `${NS}/imagestreams/watched`)).json<Stream>();
      const done = ['good', 'partial', 'multi', 'sigs', 'labels', 'list'].every((t) => (tagOf(s, t)?.items?.length ?? 0) > 0 || tagOf(s, t)?.conditions);
      return done ? s : undefined;
    });
    assert.equal(tagOf(stream, 'good')?.items?.[0]?.image, content.good.digest);
    assert.equal(tagOf(stream, 'good')?.conditions, undefined);
    const expect: [string, string, string, string][] = [
      ['partial', 'False', 'NotFound', content.partial.missing],
      ['multi', 'True', 'PlatformFallback', content.multi.ppc],
      ['sigs', 'False', 'NoRunnableImage', content.fallback.digest],
      ['labels', 'True', 'MetadataTruncated', content.labels.config],
      ['list', 'False', 'RequestEntityTooLarge', content.hugeList.huge],
    ];
    for (const [t, status, reason, digest] of expect) {
      const c = tagOf(stream, t)?.conditions?.[0];
      assert.equal(c?.type, 'ImportSuccess', t);
      assert.equal(c?.status, status, t);
      assert.equal(c?.reason, reason, t);
      assert.ok(c?.message.includes(digest), `${t}: ${c?.message}`);
    }
    assert.equal(tagOf(stream, 'multi')?.items?.[0]?.image, content.multi.ppc);
    assert.equal(await imageStatus(content.hugeList.small), 404);
    const itags = await kubectl(server.kubeconfig, ['-n', 'rw', 'get', 'imagetags']);
    assert.match(itags.stdout, /watched:partial\s+.*ImportFailed \(NotFound\)/);
  });
});
