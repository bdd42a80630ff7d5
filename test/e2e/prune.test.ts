/**
 * Pruning against the real server: the registry's garbage collection endpoint (who may call it,
 * what it deletes and what it keeps: shared layers, blobs within the grace), a prune plan applied
 * over HTTP after an image it doomed was referenced again, and scheduled pruning on the leader,
 * which trims history, deletes an unreferenced pushed image with its signature and frees the
 * blobs only they used. Blobs are aged by setting their files' mtime, as the grace reads it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPrune } from '../../src/apis/image/prune-plan.js';
import type { Image, ImageStream } from '../../src/apis/image/schema.js';
import { applyPrune, KEPT_REFERENCED } from '../../src/prune/apply.js';
import type { PruneBackend, WriteOutcome } from '../../src/prune/backend.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { registryRequest, type RegistryRequest, type RegistryResponse } from '../support/registry-request.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const IMAGES = '/apis/image.openshift.io/v1/images';
const streamsOf = (ns: string) => `/apis/image.openshift.io/v1/namespaces/${ns}/imagestreams`;
const GC = '/admin/registry/garbage-collect';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

type Res = RegistryResponse;

interface GcAnswer {
  dryRun: boolean;
  deleted: { digest: string; size: number }[];
  kept: number;
  bytesFreed: number;
}

/** Raw registry and admin requests to one server. */
function client(server: ServerProcess) {
  const reg = (method: string, path: string, opts: RegistryRequest = {}): Promise<Res> => registryRequest(server, method, path, opts);

  async function upload(repo: string, content: Buffer): Promise<string> {
    const r = await reg('POST', `/v2/${repo}/blobs/uploads/?digest=${sha(content)}`, {
      body: content,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(r.status, 201, r.body.toString());
    return sha(content);
  }

  /** Pushes an image of a base layer (shared by every image of that base) and a layer of its own; by tag or by digest. */
  async function push(repo: string, tag: string | undefined, seed: string, base = 'base') {
    const baseLayer = await upload(repo, Buffer.from(`base layer ${base}`));
    const own = await upload(repo, Buffer.from(`layer ${seed}`));
    const configBody = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: [`SEED=${seed}`] }, rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const config = await upload(repo, configBody);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBody.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: baseLayer, size: `base layer ${base}`.length },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: own, size: `layer ${seed}`.length },
      ],
    });
    const r = await reg('PUT', `/v2/${repo}/manifests/${tag ?? sha(manifest)}`, { body: manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(r.status, 201, r.body.toString());
    return { digest: sha(manifest), manifest, base: baseLayer, own, config, configSize: configBody.length };
  }

  /** Pushes a signature artifact (by digest) whose subject is the image. */
  async function sign(repo: string, subject: string, signer: string): Promise<string> {
    const empty = await upload(repo, Buffer.from('{}'));
    const payload = await upload(repo, Buffer.from(`signature by ${signer} of ${subject}`));
    const sig = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
      layers: [{ mediaType: 'application/vnd.example.signature', digest: payload, size: `signature by ${signer} of ${subject}`.length }],
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: 1 },
    });
    const r = await reg('PUT', `/v2/${repo}/manifests/${sha(sig)}`, { body: sig, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(r.status, 201, r.body.toString());
    return sha(sig);
  }

  const blobFile = (digest: string) => {
    const hex = digest.slice('sha256:'.length);
    return join(server.dataDir, 'registry', 'blobs', 'sha256', hex.slice(0, 2), hex);
  };
  /** Makes blobs look written two hours ago: past the default grace of one hour. */
  const age = (...digests: string[]) => {
    const t = new Date(Date.now() - 2 * 3_600_000);
    for (const d of digests) utimesSync(blobFile(d), t, t);
  };
  const onDisk = (digest: string) => existsSync(blobFile(digest));
  const gc = (query = '', token?: string | null) => reg('POST', `${GC}${query}`, token === undefined ? {} : { token });
  return { reg, upload, push, sign, age, onDisk, gc };
}

/** A prune backend over the server's HTTP API, as a client applying a plan has it. */
function httpBackend(server: ServerProcess): PruneBackend {
  const outcome = (status: number, text: string): WriteOutcome => {
    if (status === 200 || status === 201) return 'done';
    if (status === 409) return 'conflict';
    if (status === 404) return 'gone';
    throw new Error(`unexpected ${status}: ${text}`);
  };
  return {
    listStreams: async () => (await api(server, 'GET', '/apis/image.openshift.io/v1/imagestreams')).json<{ items: ImageStream[] }>().items,
    listImages: async () => (await api(server, 'GET', IMAGES)).json<{ items: Image[] }>().items,
    async getStream(namespace, name) {
      const r = await api(server, 'GET', `${streamsOf(namespace)}/${name}`);
      return r.status === 404 ? undefined : r.json<ImageStream>();
    },
    async updateStreamStatus(stream) {
      const r = await api(server, 'PUT', `${streamsOf(stream.metadata.namespace ?? '')}/${stream.metadata.name}/status`, { body: stream });
      return outcome(r.status, r.text);
    },
    async deleteImage(name, resourceVersion) {
      const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...(resourceVersion ? { preconditions: { resourceVersion } } : {}) };
      const r = await api(server, 'DELETE', `${IMAGES}/${name}`, { body });
      return outcome(r.status, r.text);
    },
    async garbageCollect() {
      const r = await client(server).gc();
      assert.equal(r.status, 200, r.body.toString());
      return r.json<GcAnswer>();
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('registry garbage collection and applying a prune plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prune-e2e-'));
  let server: ServerProcess;
  let c: ReturnType<typeof client>;

  before(async () => {
    writeFileSync(join(dir, 'tokens.csv'), 'alice-token,alice,uid-alice\n');
    server = await startServerProcess({ args: ['--token-auth-file', join(dir, 'tokens.csv')] });
    c = client(server);
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is for who may delete images: 401 without credentials, 403 for others; a bad dryRun is refused', async () => {
    const anonymous = await c.gc('', null);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json<{ errors: { code: string }[] }>().errors[0]?.code, 'UNAUTHORIZED');
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer realm=/);
    const alice = await c.gc('', 'alice-token');
    assert.equal(alice.status, 403);
    assert.equal(alice.json<{ errors: { code: string }[] }>().errors[0]?.code, 'DENIED');
    const bad = await c.gc('?dryRun=maybe');
    assert.equal(bad.status, 400);
    assert.equal(bad.json<{ errors: { code: string }[] }>().errors[0]?.code, 'PARAMETER_INVALID');
  });

  it('deletes the blobs of a deleted Image, keeping layers other Images share and blobs within the grace', async () => {
    const a = await c.push('team/app', 'v1', 'a');
    const b = await c.push('team/web', 'v1', 'b');
    assert.equal(a.base, b.base, 'the two images share their base layer');
    const justUploaded = await c.upload('team/app', Buffer.from('a layer whose manifest is still being pushed'));
    c.age(a.digest, a.base, a.own, a.config, b.digest, b.own, b.config);
    assert.equal((await api(server, 'DELETE', `${IMAGES}/${a.digest}`)).status, 200);

    const dry = await c.gc('?dryRun=true');
    assert.equal(dry.status, 200, dry.body.toString());
    const would = dry.json<GcAnswer>();
    assert.equal(would.dryRun, true);
    assert.deepEqual(would.deleted.map((x) => x.digest).sort(), [a.digest, a.own, a.config].sort());
    assert.equal(would.bytesFreed, a.manifest.length + 'layer a'.length + a.configSize);
    assert.ok(c.onDisk(a.own), 'a dry run deletes nothing');

    const done = await c.gc();
    assert.equal(done.status, 200);
    const result = done.json<GcAnswer>();
    assert.deepEqual([result.dryRun, result.deleted, result.bytesFreed], [false, would.deleted, would.bytesFreed]);
    assert.ok(result.kept >= 5, `kept ${result.kept}`);
    for (const gone of [a.digest, a.own, a.config]) assert.ok(!c.onDisk(gone), `${gone} is still on disk`);
    assert.equal((await c.reg('HEAD', `/v2/team/app/blobs/${a.own}`)).status, 404, 'the deleted blob is not served');
    assert.equal((await c.reg('GET', `/v2/team/app/manifests/${a.digest}`)).status, 404);
    assert.equal((await c.reg('GET', `/v2/team/web/blobs/${b.base}`)).body.toString(), 'base layer base', 'the shared layer stays');
    assert.equal((await c.reg('GET', `/v2/team/web/manifests/v1`, { headers: { Accept: OCI_MANIFEST } })).status, 200);
    assert.equal((await c.reg('HEAD', `/v2/team/app/blobs/${justUploaded}`)).status, 200, 'a blob uploaded just now survives');
    assert.ok(c.onDisk(justUploaded));
  });

  it('applies a plan made before an image was referenced again: that image and its blobs are kept', async () => {
    const old = await c.push('team/old', 'v1', 'old');
    const current = await c.push('team/old', 'v1', 'current');
    c.age(old.digest, old.own, old.config, current.digest, current.own, current.config, old.base);
    const backend = httpBackend(server);
    const plan = planPrune(await backend.listStreams(), await backend.listImages(), {
      keepTagRevisions: 1,
      keepYoungerThanMs: 0,
      all: false,
      now: new Date(Date.now() + 1000),
    });
    assert.ok(
      plan.images.some((i) => i.name === old.digest),
      'the plan deletes the old image',
    );
    assert.deepEqual(
      plan.trims.find((t) => t.stream === 'old')?.remove.map((e) => e.image),
      [old.digest],
    );
    // Meanwhile someone tags the old image again.
    const retag = await c.reg('PUT', '/v2/team/old/manifests/stable', { body: old.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(retag.status, 201, retag.body.toString());
    // The new reference does not count as young: the blobs it uses are aged again.
    c.age(old.digest, old.own, old.config);

    const report = await applyPrune(plan, backend);
    assert.deepEqual(
      report.trimmed.map((t) => [t.stream, t.tag, t.image]),
      [['old', 'v1', old.digest]],
    );
    assert.deepEqual(
      report.keptImages.filter((k) => k.name === old.digest),
      [{ name: old.digest, reason: KEPT_REFERENCED }],
    );
    assert.ok(!report.deletedImages.includes(old.digest));
    assert.equal((await api(server, 'GET', `${IMAGES}/${old.digest}`)).status, 200);
    const stream = (await api(server, 'GET', `${streamsOf('team')}/old`)).json<ImageStream>();
    assert.deepEqual(
      stream.status?.tags?.find((t) => t.tag === 'v1')?.items?.map((i) => i.image),
      [current.digest],
    );
    for (const blob of [old.digest, old.own, old.config]) assert.ok(c.onDisk(blob), `${blob} was collected`);
    assert.equal((await c.reg('GET', `/v2/team/old/blobs/${old.own}`)).body.toString(), 'layer old');
  });
});

describe('scheduled pruning', () => {
  let server: ServerProcess;
  let c: ReturnType<typeof client>;

  before(async () => {
    // Images and history entries younger than 5 s are kept: the pushes below finish well within it.
    server = await startServerProcess({
      args: ['--prune-interval', '1s', '--prune-keep-tag-revisions', '1', '--prune-keep-younger-than', '5s', '--log-level', 'info'],
    });
    c = client(server);
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('trims history, deletes the unreferenced pushed image with its signature, and frees the blobs only they used', async () => {
    const first = await c.push('team/app', 'v1', 'first');
    const firstSig = await c.sign('team/app', first.digest, 'ci');
    const second = await c.push('team/app', 'v1', 'second');
    const secondSig = await c.sign('team/app', second.digest, 'ci');
    c.age(first.digest, first.own, first.config, firstSig, second.digest, second.own, second.config, secondSig, first.base);

    await until('the first image is deleted', async () => (await api(server, 'GET', `${IMAGES}/${first.digest}`)).status === 404);
    await until("the first image's own layer and its signature are collected", async () => !c.onDisk(first.own) && !c.onDisk(firstSig));
    const stream = (await api(server, 'GET', `${streamsOf('team')}/app`)).json<ImageStream>();
    assert.deepEqual(
      stream.status?.tags?.find((t) => t.tag === 'v1')?.items?.map((i) => i.image),
      [second.digest],
    );
    assert.equal((await api(server, 'GET', `${IMAGES}/${firstSig}`)).status, 404, "the first image's signature went with it");
    assert.equal((await api(server, 'GET', `${IMAGES}/${secondSig}`)).status, 200, 'the signature of the kept image stays');
    for (const kept of [second.digest, second.own, second.config, second.base, secondSig]) assert.ok(c.onDisk(kept), `${kept} was collected`);
    assert.equal((await c.reg('GET', '/v2/team/app/manifests/v1', { headers: { Accept: OCI_MANIFEST } })).body.toString(), second.manifest);
    const referrers = (await c.reg('GET', `/v2/team/app/referrers/${second.digest}`)).json<{ manifests: { digest: string }[] }>();
    assert.deepEqual(
      referrers.manifests.map((m) => m.digest),
      [secondSig],
    );
    assert.deepEqual((await c.reg('GET', `/v2/team/app/referrers/${first.digest}`)).json<{ manifests: unknown[] }>().manifests, []);

    const metrics = (await api(server, 'GET', '/metrics')).text;
    assert.match(metrics, /image_prune_runs_total\{result="success"\} [1-9]/);
    assert.match(metrics, /image_prune_images_deleted_total [2-9]/);
    assert.match(metrics, /image_prune_bytes_freed_total [1-9]/);
    const lines = server.stdout
      .join('')
      .split('\n')
      .filter((l) => l.includes('"pruned images"'))
      .map((l) => JSON.parse(l) as { deletedImages: number; trimmedEntries: number; blobsDeleted: number });
    // The first image and its signature may age past 5 s on either side of a run: their deletions
    // can be counted in one run's line or in two.
    assert.ok(
      lines.length > 0 && lines.every((l) => Number.isInteger(l.deletedImages) && Number.isInteger(l.trimmedEntries) && Number.isInteger(l.blobsDeleted)),
      'one info line per run, with the counts',
    );
    assert.ok(lines.reduce((n, l) => n + l.deletedImages, 0) >= 2, 'the runs’ lines count both deleted images');
  });
});
