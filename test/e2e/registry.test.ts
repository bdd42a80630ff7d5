/**
 * The integrated registry with the real clients: podman and skopeo push and pull through the
 * server's own port, logging in with API tokens; image streams follow every push; RBAC decides
 * who pulls and pushes; a blob is served only from a repository that holds it; multi-arch
 * indexes, mounts, tag lists, referrers, and pull-through of an image that lives in another
 * registry (the real distribution registry, behind a pull secret).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl } from '../support/kubectl.js';
import { pushImage, startRegistry, TEST_PASSWORD, TEST_USER, type Registry } from '../support/registry.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { OciLayout } from '../support/skopeo.js';
import { registryRequest, type RegistryRequest, type RegistryResponse } from '../support/registry-request.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TOKENS = { alice: 'alice-token', bob: 'bob-token' } as const;

type Res = RegistryResponse;

describe('the integrated registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registry-e2e-'));
  let server: ServerProcess;
  let host: string;
  let upstream: Registry;
  let upstreamStopped = false;

  /** A raw registry request, as a client would make it (Buffer bodies, any Authorization). */
  const reg = (method: string, path: string, opts: RegistryRequest = {}): Promise<Res> => registryRequest(server, method, path, opts);

  function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(cmd, args, { maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  let storageCount = 0;
  /** podman with storage of its own, so runs never share state. */
  const podman = (args: string[]) => {
    const root = join(dir, `podman-${storageCount}`);
    return run('podman', ['--root', join(root, 'r'), '--runroot', join(root, 'rr'), '--storage-driver', 'vfs', ...args]);
  };

  const admin = (args: string[]) => kubectl(server.kubeconfig, args);
  const ok = async (p: Promise<{ code: number | null; stderr: string }>) => {
    const r = await p;
    assert.equal(r.code, 0, r.stderr);
  };

  /** Pushes a one-layer blob set and manifest by raw HTTP; returns the manifest digest. */
  async function pushRaw(repo: string, tag: string, seed: string, token?: string | null): Promise<{ digest: string; layer: string; config: string }> {
    const layer = Buffer.from(`layer ${seed}`);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: [`SEED=${seed}`] }, rootfs: { type: 'layers', diff_ids: [] } }),
    );
    for (const b of [layer, config]) {
      const r = await reg('POST', `/v2/${repo}/blobs/uploads/?digest=${sha(b)}`, { body: b, token, headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(r.status, 201, r.body.toString());
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    });
    const r = await reg('PUT', `/v2/${repo}/manifests/${tag}`, {
      body: manifest,
      token,
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(r.status, 201, r.body.toString());
    return { digest: sha(manifest), layer: sha(layer), config: sha(config) };
  }

  before(async () => {
    writeFileSync(
      join(dir, 'tokens.csv'),
      Object.entries(TOKENS)
        .map(([user, token]) => `${token},${user},uid-${user}`)
        .join('\n'),
    );
    upstream = await startRegistry({ auth: 'htpasswd' });
    server = await startServerProcess({
      args: ['--token-auth-file', join(dir, 'tokens.csv'), '--import-allowed-networks', '127.0.0.0/8', '--log-level', 'debug'],
    });
    host = new URL(server.url).host;
    for (const ns of ['team', 'other', 'mirror']) await ok(admin(['create', 'namespace', ns]));
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    if (!upstreamStopped) await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for credentials at /v2/, and logs podman in with an API token through the token endpoint', async () => {
    const anonymous = await reg('GET', '/v2/', { token: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['www-authenticate'], `Bearer realm="https://${host}/openshift/token"`);
    assert.equal(anonymous.json<{ errors: { code: string }[] }>().errors[0]?.code, 'UNAUTHORIZED');
    const authfile = join(dir, 'auth.json');
    const login = await run('podman', ['login', '--authfile', authfile, '--tls-verify=false', '-u', 'anything', '-p', server.token, host]);
    assert.equal(login.code, 0, login.stderr);
    const wrong = await run('podman', ['login', '--authfile', authfile, '--tls-verify=false', '-u', 'anything', '-p', 'not-a-token', host]);
    assert.notEqual(wrong.code, 0, 'a token the API does not know is refused');
  });

  it('takes a podman push by tag, shows it in kubectl get istag at once, and serves podman pull', async () => {
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY f.txt /f.txt\n');
    writeFileSync(join(ctx, 'f.txt'), 'pushed through the integrated registry\n');
    const image = `${host}/team/app:v1`;
    await ok(podman(['build', '-q', '-t', image, ctx]));
    await ok(podman(['push', '--tls-verify=false', '--creds', `user:${server.token}`, image]));

    const istag = await admin(['-n', 'team', 'get', 'istag', 'app:v1', '-o', 'json']);
    assert.equal(istag.code, 0, istag.stderr);
    const tagged = JSON.parse(istag.stdout) as {
      image: { metadata: { name: string }; dockerImageReference: string; dockerImageMetadata: { Config?: unknown } };
    };
    assert.equal(tagged.image.dockerImageReference, `${host}/team/app@${tagged.image.metadata.name}`);
    const stream = JSON.parse((await admin(['-n', 'team', 'get', 'is', 'app', '-o', 'json'])).stdout) as { status: { dockerImageRepository: string } };
    assert.equal(stream.status.dockerImageRepository, `${host}/team/app`, 'the stream names the server as its registry');

    storageCount++;
    await ok(podman(['pull', '--tls-verify=false', '--creds', `user:${server.token}`, image]));
    const byDigest = `${host}/team/app@${tagged.image.metadata.name}`;
    const inspect = await run('skopeo', ['inspect', '--tls-verify=false', '--creds', `user:${server.token}`, `docker://${byDigest}`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal((JSON.parse(inspect.stdout) as { Digest: string }).Digest, tagged.image.metadata.name);
  });

  it('copies a multi-architecture index with skopeo --all, both ways, and serves the index as such', async () => {
    const layout = new OciLayout();
    const amd64 = layout.image('multi-amd64', 'amd64');
    const arm64 = layout.image('multi-arm64', 'arm64');
    const index = layout.index([amd64, arm64]);
    layout.tag('multi', index);
    const to = await run('skopeo', [
      'copy',
      '--all',
      '--dest-tls-verify=false',
      '--dest-creds',
      `u:${server.token}`,
      `oci:${layout.dir}:multi`,
      `docker://${host}/team/multi:v1`,
    ]);
    assert.equal(to.code, 0, to.stderr);
    const got = await reg('GET', '/v2/team/multi/manifests/v1', {
      headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/vnd.oci.image.index.v1+json');
    assert.equal(got.headers['docker-content-digest'], index.digest, 'byte-exact: the digest the client pushed');
    const istag = JSON.parse((await admin(['-n', 'team', 'get', 'istag', 'multi:v1', '-o', 'json'])).stdout) as {
      image: { dockerImageManifests: { digest: string }[] };
    };
    assert.deepEqual(istag.image.dockerImageManifests.map((m) => m.digest).sort(), [amd64.digest, arm64.digest].sort());

    const back = join(dir, 'back');
    const from = await run('skopeo', [
      'copy',
      '--all',
      '--src-tls-verify=false',
      '--src-creds',
      `u:${server.token}`,
      `docker://${host}/team/multi:v1`,
      `oci:${back}:multi`,
    ]);
    assert.equal(from.code, 0, from.stderr);
    const backIndex = JSON.parse(readFileSync(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(backIndex.manifests[0]?.digest, index.digest);
  });

  it('takes a Docker manifest list, and gives a client that takes no lists the linux/amd64 image', async () => {
    const layout = new OciLayout();
    const index = layout.index([layout.image('list-amd64', 'amd64'), layout.image('list-arm64', 'arm64')]);
    layout.tag('list', index);
    const copied = await run('skopeo', [
      'copy',
      '--all',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      '--dest-creds',
      `u:${server.token}`,
      `oci:${layout.dir}:list`,
      `docker://${host}/team/list:v1`,
    ]);
    assert.equal(copied.code, 0, copied.stderr);
    const list = await reg('GET', '/v2/team/list/manifests/v1', {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(list.headers['content-type'], 'application/vnd.docker.distribution.manifest.list.v2+json');
    const entries = list.json<{ manifests: { digest: string; platform: { architecture: string } }[] }>().manifests;
    const amd64 = entries.find((m) => m.platform.architecture === 'amd64');
    const single = await reg('GET', '/v2/team/list/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(single.status, 200);
    assert.equal(single.headers['content-type'], 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(single.headers['docker-content-digest'], amd64?.digest);
    const head = await reg('HEAD', '/v2/team/list/manifests/v1', {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.list.v2+json' },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers['docker-content-digest'], sha(list.body));
    assert.equal(head.body.length, 0);
  });

  it('lists tags with n, last and a Link to the next page', async () => {
    for (const t of ['a', 'b', 'c']) await pushRaw('team/paged', t, `paged-${t}`);
    const first = await reg('GET', '/v2/team/paged/tags/list?n=2');
    assert.deepEqual(first.json(), { name: 'team/paged', tags: ['a', 'b'] });
    assert.equal(first.headers['link'], '</v2/team/paged/tags/list?n=2&last=b>; rel="next"');
    assert.deepEqual((await reg('GET', '/v2/team/paged/tags/list?n=2&last=b')).json(), { name: 'team/paged', tags: ['c'] });
  });

  it('refuses a manifest whose blobs are not in the repository, and stores nothing', async () => {
    const missing = sha('never uploaded');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: missing, size: 3 },
      layers: [],
    });
    const r = await reg('PUT', '/v2/team/broken/manifests/v1', { body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(r.status, 400);
    assert.equal(r.json<{ errors: { code: string }[] }>().errors[0]?.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreams/broken')).status, 404);
  });

  it('lets RBAC decide: no rights is 403 DENIED (401 for anonymous), image-puller pulls, image-pusher pushes, image-builder creates streams', async () => {
    const pushed = await pushRaw('team/secret', 'v1', 'secret');
    const denied = await reg('GET', '/v2/team/secret/manifests/v1', { token: TOKENS.alice });
    assert.equal(denied.status, 403);
    assert.equal(denied.json<{ errors: { code: string }[] }>().errors[0]?.code, 'DENIED');
    const anonymous = await reg('GET', '/v2/team/secret/manifests/v1', { token: null });
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer realm=/);

    await ok(admin(['-n', 'team', 'create', 'rolebinding', 'alice-pull', '--clusterrole=system:image-puller', '--user=alice']));
    assert.equal((await reg('GET', '/v2/team/secret/manifests/v1', { token: TOKENS.alice })).status, 200);
    const push = await reg('POST', '/v2/team/secret/blobs/uploads/', { token: TOKENS.alice });
    assert.equal(push.status, 403, 'pulling is not pushing');

    await ok(admin(['-n', 'team', 'create', 'rolebinding', 'alice-push', '--clusterrole=system:image-pusher', '--user=alice']));
    await pushRaw('team/secret', 'v2', 'alice', TOKENS.alice);
    const newStream = await reg('PUT', '/v2/team/alices-own/manifests/v1', {
      token: TOKENS.alice,
      body: (await reg('GET', `/v2/team/secret/manifests/${pushed.digest}`)).body,
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(newStream.status, 400, 'its blobs are not in a repository alice may create');
    await ok(admin(['-n', 'team', 'create', 'rolebinding', 'alice-build', '--clusterrole=system:image-builder', '--user=alice']));
    await pushRaw('team/alices-own', 'v1', 'alice-own', TOKENS.alice);
    assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/team/imagestreamtags/alices-own:v1')).status, 200);
  });

  it('serves a blob only from a repository that holds it, and mounts across namespaces only for those who may pull the source', async () => {
    const a = await pushRaw('team/source', 'v1', 'isolated');
    await ok(admin(['-n', 'other', 'create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob']));
    await ok(admin(['-n', 'other', 'create', 'rolebinding', 'bob-push', '--clusterrole=system:image-builder', '--user=bob']));
    await pushRaw('other/bobs', 'v1', 'bob', TOKENS.bob);
    const leak = await reg('GET', `/v2/other/bobs/blobs/${a.layer}`, { token: TOKENS.bob });
    assert.equal(leak.status, 404, 'knowing the digest is not enough');
    assert.equal(leak.json<{ errors: { code: string }[] }>().errors[0]?.code, 'BLOB_UNKNOWN');

    const refused = await reg('POST', `/v2/other/bobs/blobs/uploads/?mount=${a.layer}&from=team/source`, { token: TOKENS.bob });
    assert.equal(refused.status, 202, 'bob may not pull team/source: a plain upload starts instead');
    assert.equal((await reg('HEAD', `/v2/other/bobs/blobs/${a.layer}`, { token: TOKENS.bob })).status, 404);

    const mounted = await reg('POST', `/v2/other/bobs/blobs/uploads/?mount=${a.layer}&from=team/source`);
    assert.equal(mounted.status, 201, 'the admin may pull the source');
    assert.equal(mounted.headers['docker-content-digest'], a.layer);
    assert.equal((await reg('GET', `/v2/other/bobs/blobs/${a.layer}`, { token: TOKENS.bob })).body.toString(), 'layer isolated');
  });

  it('finds artifacts attached with subject through the referrers API, filtered by artifactType', async () => {
    const subject = await pushRaw('team/signed', 'v1', 'signed');
    const empty = Buffer.from('{}');
    assert.equal((await reg('POST', `/v2/team/signed/blobs/uploads/?digest=${sha(empty)}`, { body: empty })).status, 201);
    const sig = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject.digest, size: 1 },
      annotations: { 'org.example.signer': 'ci' },
    });
    const put = await reg('PUT', `/v2/team/signed/manifests/${sha(sig)}`, {
      body: sig,
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(put.status, 201, put.body.toString());
    assert.equal(put.headers['oci-subject'], subject.digest);
    const listed = (await reg('GET', `/v2/team/signed/referrers/${subject.digest}`)).json<{ manifests: { digest: string; artifactType: string }[] }>();
    assert.deepEqual(
      listed.manifests.map((m) => [m.digest, m.artifactType]),
      [[sha(sig), 'application/vnd.example.signature']],
    );
    const filtered = await reg('GET', `/v2/team/signed/referrers/${subject.digest}?artifactType=application/other`);
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
    assert.deepEqual(filtered.json<{ manifests: unknown[] }>().manifests, []);
    const tags = (await reg('GET', '/v2/team/signed/tags/list')).json<{ tags: string[] }>();
    assert.deepEqual(tags.tags, ['v1'], 'a push by digest moves no tag');
  });

  it('never writes a token to its log', async () => {
    const lines = server.stdout.join('') + server.logs.join('');
    assert.ok(lines.includes('/openshift/token') || lines.includes('/v2/'), 'the registry requests were logged');
    for (const token of [server.token, ...Object.values(TOKENS)]) assert.ok(!lines.includes(token), 'a token appears in the log');
  });

  it('lists in the catalog only the namespaces a user may list', async () => {
    const all = (await reg('GET', '/v2/_catalog')).json<{ repositories: string[] }>().repositories;
    assert.ok(all.includes('team/app') && all.includes('other/bobs'), JSON.stringify(all));
    const bobs = (await reg('GET', '/v2/_catalog', { token: TOKENS.bob })).json<{ repositories: string[] }>().repositories;
    assert.ok(bobs.length > 0 && bobs.every((r) => r.startsWith('other/')), JSON.stringify(bobs));
  });

  it('pulls through an image that lives in another registry, with the namespace’s pull secret, and keeps a copy', async () => {
    const image = await pushImage(upstream.host, 'private/app', 'v1', { seed: 'upstream', auth: await upstream.pushHeaders('private/app') });
    await ok(
      admin([
        '-n',
        'mirror',
        'create',
        'secret',
        'docker-registry',
        'upstream',
        `--docker-server=${upstream.host}`,
        `--docker-username=${TEST_USER}`,
        `--docker-password=${TEST_PASSWORD}`,
      ]),
    );
    const imported = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/mirror/imagestreamimports', {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamImport',
        metadata: { name: 'app' },
        spec: {
          import: true,
          images: [
            {
              from: { kind: 'DockerImage', name: `${upstream.host}/private/app:v1` },
              to: { name: 'v1' },
              importPolicy: { insecure: true },
              referencePolicy: { type: 'Local' },
            },
          ],
        },
      },
    });
    assert.equal(imported.status, 201, imported.text);
    const istag = JSON.parse((await admin(['-n', 'mirror', 'get', 'istag', 'app:v1', '-o', 'json'])).stdout) as { image: { dockerImageReference: string } };
    assert.equal(istag.image.dockerImageReference, `${host}/mirror/app@${image.digest}`, 'Local policy: the server’s own repository');

    const manifest = await reg('GET', '/v2/mirror/app/manifests/v1', { headers: { Accept: image.mediaType } });
    assert.equal(manifest.status, 200, manifest.body.toString());
    assert.equal(sha(manifest.body), image.digest);
    const layer = await reg('GET', `/v2/mirror/app/blobs/${image.layerDigest}`);
    assert.equal(layer.status, 200, layer.body.toString());
    assert.equal(layer.body.toString(), 'layer for upstream');
    // The copy is kept: with the upstream gone the blob is still served.
    await upstream.stop();
    upstreamStopped = true;
    let again: Res | undefined;
    for (let i = 0; i < 50; i++) {
      again = await reg('GET', `/v2/mirror/app/blobs/${image.layerDigest}`);
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(again?.status, 200);
    assert.equal(again?.body.toString(), 'layer for upstream');
  });
});
