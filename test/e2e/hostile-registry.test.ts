/**
 * A registry under an attacker's control, as a small server on loopback: tag lists that page
 * forever, answers dripped a byte at a time, a manifest list with tens of thousands of entries, a
 * config nested thousands deep, a manifest far larger than any real one. Each import must end
 * within its limits with a Status naming the limit, leave no connection to the registry behind, and
 * never stall imports from other registries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] } });
const ociManifest = (cfg: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(cfg), size: cfg.length },
    layers: [],
  });
const good = ociManifest(config);
const deepConfig = `{"architecture":"amd64","os":"linux","config":{"Labels":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}}`;
const deep = ociManifest(deepConfig);
const wideList = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: Array.from({ length: 20_000 }, (_, i) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha(`child-${i}`),
    size: 100,
    platform: { architecture: 'amd64', os: 'linux' },
  })),
});

/** A hostile registry; `open()` counts the connections the server under test holds to it. */
function hostileRegistry() {
  const sockets = new Set<Socket>();
  let tagPages = 0;
  const drips = new Set<ServerResponse>();
  const oci = { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' }).end('{}');
    if (url.endsWith(`/blobs/${sha(config)}`)) return res.writeHead(200).end(config);
    if (url.endsWith(`/blobs/${sha(deepConfig)}`)) return res.writeHead(200).end(deepConfig);
    // A tag list whose next page never ends, a thousand long names at a time.
    if (url.startsWith('/v2/endless/app/tags/list')) {
      tagPages++;
      const tags = Array.from({ length: 1000 }, (_, i) => `t${tagPages}-${i}-${'x'.repeat(100)}`);
      return res
        .writeHead(200, { Link: `</v2/endless/app/tags/list?last=p${tagPages}&n=1000>; rel="next"` })
        .end(JSON.stringify({ name: 'endless/app', tags }));
    }
    const m = /^\/v2\/([^/]+\/[^/]+)\/manifests\/(.+)$/.exec(url);
    switch (m?.[1]) {
      case 'good/app':
        return res.writeHead(200, { ...oci, 'Docker-Content-Digest': sha(good) }).end(good);
      case 'slow/app': {
        // Headers at once, then one byte every 500 ms: never idle, never finished.
        res.writeHead(200, oci);
        drips.add(res);
        const timer = setInterval(() => res.write(' '), 500);
        res.on('close', () => {
          clearInterval(timer);
          drips.delete(res);
        });
        return;
      }
      case 'wide/app':
        return res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json', 'Docker-Content-Digest': sha(wideList) }).end(wideList);
      case 'deep/app':
        return res.writeHead(200, { ...oci, 'Docker-Content-Digest': sha(deep) }).end(deep);
      case 'huge/app':
        // Announces 50 MB; the importer must not wait for, or hold, any of it.
        res.writeHead(200, { ...oci, 'Content-Length': String(50 * 1024 * 1024) });
        return res.write(Buffer.alloc(64 * 1024, 0x20));
      default:
        return res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    server,
    open: () => sockets.size,
    dripping: () => drips.size,
    tagPages: () => tagPages,
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const a = server.address();
      return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface EntryStatus {
  status: string;
  reason?: string;
  message?: string;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(200);
  }
}

describe('hostile registries', () => {
  const registry = hostileRegistry();
  let host = '';
  let server: ServerProcess;
  const NS = '/apis/image.openshift.io/v1/namespaces/hostile';

  const preview = async (spec: Record<string, unknown>) => {
    const r = await api(server, 'POST', `${NS}/imagestreamimports`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamImport', metadata: { name: 'probe' }, spec: { import: false, ...spec } },
    });
    assert.equal(r.status, 201, r.text.slice(0, 500));
    return r.json<{ status: { images?: { status: EntryStatus }[]; repository?: { status: EntryStatus } } }>().status;
  };
  const previewImage = async (ref: string) =>
    (await preview({ images: [{ from: { kind: 'DockerImage', name: ref }, importPolicy: { insecure: true } }] })).images?.[0]?.status;

  before(async () => {
    host = await registry.listen();
    server = await startServerProcess({
      args: [
        '--import-allowed-networks',
        '127.0.0.0/8',
        '--image-import-request-timeout',
        '2s',
        '--image-import-timeout',
        '4s',
        '--image-import-max-tags',
        '3000',
        '--max-images-bulk-imported-per-repository',
        '0',
      ],
    });
    assert.equal(
      (await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hostile' } } })).status,
      201,
    );
  });

  after(async () => {
    await server?.kill();
    server?.cleanup();
    await registry.close();
  });

  it('stops reading a tag list that pages forever at the tag limit, and keeps serving', async () => {
    const status = await preview({ repository: { from: { kind: 'DockerImage', name: `${host}/endless/app` }, importPolicy: { insecure: true } } });
    assert.equal(status.repository?.status.status, 'Failure');
    assert.equal(status.repository?.status.reason, 'RequestEntityTooLarge');
    assert.match(status.repository?.status.message ?? '', /more than 3000 tags \(--image-import-max-tags\)/);
    assert.ok(registry.tagPages() <= 4, `read ${registry.tagPages()} pages`);
    assert.equal((await api(server, 'GET', '/healthz')).status, 200);
  });

  it('cuts off a registry that drips its answer, fails the entry with the deadline, and closes the connection', async () => {
    const started = Date.now();
    const status = await previewImage(`${host}/slow/app:v1`);
    assert.equal(status?.status, 'Failure');
    assert.match(status?.message ?? '', /timed out after 2000 ms|did not finish within 4s \(--image-import-timeout\)/);
    assert.ok(Date.now() - started < 15_000);
    await waitFor('the connections to the dripping registry to close', () => registry.dripping() === 0, 5_000);
  });

  it('refuses a manifest list with more entries than it follows, without fetching them', async () => {
    const status = await previewImage(`${host}/wide/app:v1`);
    assert.equal(status?.reason, 'RequestEntityTooLarge');
    assert.match(status?.message ?? '', /has 20000 entries, more than the 100 followed \(--image-import-max-manifests\)/);
  });

  it("refuses a config nested thousands of levels deep as that entry's failure, not the request's", async () => {
    const status = await previewImage(`${host}/deep/app:v1`);
    assert.equal(status?.reason, 'RequestEntityTooLarge');
    assert.match(status?.message ?? '', /nests 500[0-9] levels deep, more than the 100 allowed/);
  });

  it('refuses a manifest larger than the document limit without reading it', async () => {
    const status = await previewImage(`${host}/huge/app:v1`);
    assert.equal(status?.reason, 'RequestEntityTooLarge');
    assert.match(status?.message ?? '', /larger than 4194304 bytes \(--image-import-max-document-bytes\)/);
  });

  it('records a spec tag that hits a limit as an ImportSuccess=False condition naming it', async () => {
    const r = await api(server, 'POST', `${NS}/imagestreams`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'deep' },
        spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: `${host}/deep/app:v1` }, importPolicy: { insecure: true } }] },
      },
    });
    assert.equal(r.status, 201, r.text);
    let message = '';
    await waitFor(
      'the condition',
      async () => {
        const s = (await api(server, 'GET', `${NS}/imagestreams/deep`)).json<{
          status?: { tags?: { conditions?: { type: string; status: string; message: string }[] }[] };
        }>();
        message = s.status?.tags?.[0]?.conditions?.find((c) => c.type === 'ImportSuccess' && c.status === 'False')?.message ?? '';
        return message !== '';
      },
      15_000,
    );
    assert.match(message, /more than the 100 allowed/);
  });

  it('keeps importing from other registries while one drips, and ends the slow import at its deadline', async () => {
    const stream = (name: string, ref: string) =>
      api(server, 'POST', `${NS}/imagestreams`, {
        body: {
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStream',
          metadata: { name },
          spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: ref }, importPolicy: { insecure: true } }] },
        },
      });
    // More streams on the dripping registry than there are workers, queued first: without a share per
    // registry they would hold every worker for two rounds of their 4 s deadline (8 s).
    for (let i = 0; i < 8; i++) assert.equal((await stream(`slow-${i}`, `${host}/slow/app:v1`)).status, 201);
    // The same registry under another name is another registry: `localhost` does not share 127.0.0.1's share.
    const goodRef = `${host.replace('127.0.0.1', 'localhost')}/good/app:v1`;
    assert.equal((await stream('good', goodRef)).status, 201);
    const tagOf = async (name: string) =>
      (await api(server, 'GET', `${NS}/imagestreams/${name}`)).json<{
        status?: { tags?: { items?: { image: string }[] | null; conditions?: { message: string }[] }[] };
      }>().status?.tags?.[0];
    await waitFor('the stream from the healthy registry to be imported', async () => (await tagOf('good'))?.items?.[0]?.image === sha(good), 6_000);
    // Each slow import fails at its 4 s deadline with a condition, and its connections are gone.
    await waitFor(
      'every slow stream to carry its failure',
      async () => (await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => tagOf(`slow-${i}`)))).every((t) => (t?.conditions?.length ?? 0) > 0),
      30_000,
    );
    const condition = (await tagOf('slow-0'))?.conditions?.[0]?.message ?? '';
    assert.match(condition, /timed out after 2000 ms|did not finish within 4s \(--image-import-timeout\)/);
    await waitFor('the connections to the dripping registry to close', () => registry.dripping() === 0, 5_000);
  });
});

describe('an import whose request is over', () => {
  it('stops talking to the registry once the client has its 504', async () => {
    const registry = hostileRegistry();
    const host = await registry.listen();
    const server = await startServerProcess({
      args: ['--import-allowed-networks', '127.0.0.0/8', '--image-import-request-timeout', '60s', '--request-timeout', '2s'],
    });
    try {
      assert.equal(
        (await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } } })).status,
        201,
      );
      const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/late/imagestreamimports', {
        body: {
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStreamImport',
          metadata: { name: 'late' },
          spec: {
            import: true,
            images: [{ from: { kind: 'DockerImage', name: `${host}/slow/app:v1` }, to: { name: 'v1' }, importPolicy: { insecure: true } }],
          },
        },
      });
      assert.equal(r.status, 504, r.text);
      await waitFor('the dripping answer to be abandoned', () => registry.dripping() === 0, 3_000);
      await sleep(500);
      assert.equal(registry.dripping(), 0, 'no new request to the registry after the answer');
      // Nothing was written on behalf of a request nobody waits for.
      assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/late/imagestreams/late')).status, 404);
    } finally {
      await server.kill();
      server.cleanup();
      await registry.close();
    }
  });
});
