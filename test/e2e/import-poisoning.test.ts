/**
 * One tenant cannot poison another's images: an editor of one namespace may create an
 * ImageStreamMapping that creates the cluster-scoped Image named after a real image's digest with
 * forged layers and command; an import of the real image in another namespace then stores the
 * content it verified in that Image instead of reusing the forged one. And a registry cannot pass
 * off other content under a signed schema 1 manifest's digest by putting it outside the signed
 * payload. Against the real server (token users, RBAC), the real distribution registry, and a
 * hand-made registry for schema 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { pushImage, startRegistry, type PushedImage, type Registry } from '../support/registry.js';

const V1 = '/apis/image.openshift.io/v1';
const TOKENS = { mallory: 'mallory-token-0123456789', victor: 'victor-token-0123456789' };
const FORGED_LAYER = `sha256:${'6'.repeat(64)}`;

let server: ServerProcess;
let registry: Registry;
let real: PushedImage;
const dir = mkdtempSync(join(tmpdir(), 'poisoning-'));

interface Image {
  metadata: { name: string; uid: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  dockerImageReference: string;
  dockerImageLayers: { name: string; size: number }[];
  dockerImageMetadata: { Id?: string; Config?: { Cmd?: string[]; Env?: string[] } };
}

async function created(path: string, body: unknown, token?: string) {
  const r = await api(server, 'POST', path, { body, ...(token ? { token } : {}) });
  assert.equal(r.status, 201, r.text);
  return r;
}

before(async () => {
  registry = await startRegistry();
  real = await pushImage(registry.host, 'team/app', 'v1', { seed: 'real' });
  writeFileSync(
    join(dir, 'tokens.csv'),
    Object.entries(TOKENS)
      .map(([user, token]) => `${token},${user},uid-${user}`)
      .join('\n'),
  );
  server = await startServerProcess({ args: ['--token-auth-file', join(dir, 'tokens.csv'), '--import-allowed-networks', '127.0.0.0/8'] });
  for (const [ns, user] of [
    ['tenant-a', 'mallory'],
    ['tenant-b', 'victor'],
  ] as const) {
    await created('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await created(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${user}-edit` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
  }
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an Image forged through a mapping in one namespace', () => {
  it('is replaced by the verified content when another namespace imports the real image', async () => {
    // Mallory, an editor of tenant-a only, names an Image after the real image's digest.
    await created(
      `${V1}/namespaces/tenant-a/imagestreams`,
      { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'bait' } },
      TOKENS.mallory,
    );
    await created(
      `${V1}/namespaces/tenant-a/imagestreammappings`,
      {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamMapping',
        metadata: { name: 'bait' },
        tag: 'latest',
        image: {
          metadata: { name: real.digest, labels: { planted: 'yes' }, annotations: { note: 'planted' } },
          dockerImageReference: `evil.example.com/x@${real.digest}`,
          dockerImageManifestMediaType: real.mediaType,
          dockerImageMetadata: { kind: 'DockerImage', apiVersion: 'image.openshift.io/1.0', Id: real.configDigest, Config: { Cmd: ['/bin/steal-secrets'] } },
          dockerImageLayers: [{ name: FORGED_LAYER, size: 666, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
        },
      },
      TOKENS.mallory,
    );
    const planted = (await api(server, 'GET', `${V1}/images/${real.digest}`)).json<Image>();
    assert.deepEqual(
      planted.dockerImageLayers.map((l) => l.name),
      [FORGED_LAYER],
      'the mapping did not plant the forged Image',
    );

    // Victor, an editor of tenant-b only, imports the real image.
    const isi = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'app' },
      spec: {
        import: true,
        images: [{ from: { kind: 'DockerImage', name: `${registry.host}/team/app:v1` }, to: { name: 'v1' }, importPolicy: { insecure: true } }],
      },
    };
    const r = await created(`${V1}/namespaces/tenant-b/imagestreamimports`, isi, TOKENS.victor);
    const result = r.json<{ status: { images: { status: { status: string }; image: Image }[] } }>().status.images[0];
    assert.equal(result?.status.status, 'Success', r.text);
    assert.equal(result?.image.metadata.name, real.digest);

    const image = (await api(server, 'GET', `${V1}/images/${real.digest}`)).json<Image>();
    assert.deepEqual(
      image.dockerImageLayers.map((l) => l.name),
      [real.layerDigest],
    );
    assert.equal(image.dockerImageMetadata.Id, real.configDigest);
    assert.notDeepEqual(image.dockerImageMetadata.Config?.Cmd, ['/bin/steal-secrets']);
    assert.ok(image.dockerImageMetadata.Config?.Env?.includes('SEED=real'), JSON.stringify(image.dockerImageMetadata));
    assert.equal(image.dockerImageReference, `${registry.host}/team/app@${real.digest}`);
    // The same object: its identity and metadata stay, its content is the verified one.
    assert.equal(image.metadata.uid, planted.metadata.uid);
    assert.deepEqual(image.metadata.labels, { planted: 'yes' });
    assert.equal(image.metadata.annotations?.['note'], 'planted');

    for (const [path, token] of [
      [`${V1}/namespaces/tenant-b/imagestreamtags/app:v1`, TOKENS.victor],
      [`${V1}/namespaces/tenant-a/imagestreamtags/bait:latest`, TOKENS.mallory],
    ] as const) {
      const istag = await api(server, 'GET', path, { token });
      assert.equal(istag.status, 200, istag.text);
      const shown = istag.json<{ image: Image }>().image;
      assert.deepEqual(
        shown.dockerImageLayers.map((l) => l.name),
        [real.layerDigest],
        path,
      );
      assert.ok(shown.dockerImageMetadata.Config?.Env?.includes('SEED=real'), path);
    }

    // A re-import finds the verified content and writes nothing to the Image.
    await created(`${V1}/namespaces/tenant-b/imagestreamimports`, isi, TOKENS.victor);
    const again = (await api(server, 'GET', `${V1}/images/${real.digest}`)).json<Image>();
    assert.equal(again.metadata.resourceVersion, image.metadata.resourceVersion);
  });
});

describe('a signed schema 1 manifest with content outside its signed payload', () => {
  const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  const v1 = (cmd: string, layer: string) => ({
    schemaVersion: 1,
    name: 'old/app',
    tag: 'v1',
    architecture: 'amd64',
    fsLayers: [{ blobSum: `sha256:${layer.repeat(64)}` }],
    history: [{ v1Compatibility: JSON.stringify({ id: 'top', created: '2020-01-01T00:00:00Z', config: { Cmd: [cmd] }, Size: 10 }) }],
  });
  // Signed as docker/libtrust does: the payload, the signatures spliced in before its closing bytes.
  const payload = JSON.stringify(v1('/real', 'a'), null, 3);
  const formatLength = payload.lastIndexOf('\n}');
  const prot = Buffer.from(
    JSON.stringify({ formatLength, formatTail: Buffer.from(payload.slice(formatLength)).toString('base64url'), time: '2020-01-01T00:00:00Z' }),
  ).toString('base64url');
  const signatures = `,\n   "signatures": [{"header": {"alg": "ES256"}, "signature": "c2ln", "protected": "${prot}"}]`;
  const genuine = `${payload.slice(0, formatLength)}${signatures}${payload.slice(formatLength)}`;
  // The same payload and signatures, then members that replace the signed ones when parsed.
  const forged = v1('/bin/steal-secrets', 'f');
  const smuggled = `${payload.slice(0, formatLength)}${signatures},\n   "fsLayers": ${JSON.stringify(forged.fsLayers)},\n   "history": ${JSON.stringify(forged.history)}${payload.slice(formatLength)}`;
  let fake: Server;
  let host = '';

  before(async () => {
    fake = createServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/v2/') return res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' }).end('{}');
      const body = url.startsWith('/v2/old/smuggled/manifests/') ? smuggled : url.startsWith('/v2/old/genuine/manifests/') ? genuine : undefined;
      if (!body) return res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
      return res
        .writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'Docker-Content-Digest': sha(payload) })
        .end(body);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const a = fake.address();
    host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });

  after(async () => {
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  });

  const preview = async (from: string) => {
    const isi = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'old' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: from }, importPolicy: { insecure: true } }] },
    };
    const r = await created(`${V1}/namespaces/tenant-b/imagestreamimports`, isi, TOKENS.victor);
    const result = r.json<{ status: { images: { status: { status: string; message?: string }; image?: Image }[] } }>().status.images[0];
    assert.ok(result);
    return result;
  };

  it('imports the genuine manifest under its payload digest, and refuses the smuggled one, by tag and by digest', async () => {
    const ok = await preview(`${host}/old/genuine:v1`);
    assert.equal(ok.status.status, 'Success', JSON.stringify(ok.status));
    assert.equal(ok.image?.metadata.name, sha(payload));
    assert.deepEqual(ok.image?.dockerImageMetadata.Config?.Cmd, ['/real']);
    for (const ref of [`${host}/old/smuggled:v1`, `${host}/old/smuggled@${sha(payload)}`]) {
      const bad = await preview(ref);
      assert.equal(bad.status.status, 'Failure', ref);
      assert.equal(bad.image, undefined, ref);
      assert.match(
        bad.status.message ?? '',
        new RegExp(`content integrity error: signed schema 1 manifest ${sha(payload)}: the manifest has content outside its signed payload`),
        ref,
      );
    }
  });
});
