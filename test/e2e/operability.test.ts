/**
 * What operators and tools read: the status subresource, wide and cluster-kind tables, the OpenAPI v2
 * document's patch metadata, and the metrics of requests and open watches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';

let server: ServerProcess;
const NS = 'ops';
const IS = `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`;

interface Stream {
  metadata: { resourceVersion: string; generation: number };
  spec: { tags?: { name: string }[] };
  status: { tags?: { tag: string; items: { image: string; generation: number }[] }[] };
}

before(async () => {
  server = await startServerProcess();
  assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } })).status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('imagestreams/status', () => {
  // A reference tag: no import controller writes to the stream behind the test's back.
  it('takes status from an update and keeps spec and generation from the stored stream', async () => {
    const created = await api(server, 'POST', IS, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'st' },
        spec: { tags: [{ name: 'keep', from: { kind: 'DockerImage', name: 'example.com/a:1' }, reference: true }] },
      },
    });
    assert.equal(created.status, 201);
    const s = created.json<Stream>();
    const digest = `sha256:${'a'.repeat(64)}`;
    const put = await api(server, 'PUT', `${IS}/st/status`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'st', resourceVersion: s.metadata.resourceVersion },
        spec: { tags: [{ name: 'ignored', from: { kind: 'DockerImage', name: 'example.com/b:1' } }] },
        status: {
          dockerImageRepository: '',
          tags: [
            { tag: 'keep', items: [{ created: new Date().toISOString(), dockerImageReference: `example.com/a@${digest}`, image: digest, generation: 0 }] },
          ],
        },
      },
    });
    assert.equal(put.status, 200, put.text);
    const after = put.json<Stream>();
    assert.deepEqual(
      after.spec.tags?.map((t) => t.name),
      ['keep'],
    );
    assert.equal(after.metadata.generation, s.metadata.generation);
    assert.equal(after.status.tags?.[0]?.items[0]?.image, digest);
    // A newest event without a generation is given the stream's.
    assert.equal(after.status.tags?.[0]?.items[0]?.generation, s.metadata.generation);

    const patched = await api(server, 'PATCH', `${IS}/st/status`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { tags: [] }, status: { tags: [] } },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(
      patched.json<Stream>().spec.tags?.map((t) => t.name),
      ['keep'],
    );
    assert.deepEqual(patched.json<Stream>().status.tags ?? [], []);
  });
});

describe('tables', () => {
  it('prints image streams with -o wide and images with their columns', async () => {
    const wide = await kubectl(server.kubeconfig, ['-n', NS, 'get', 'is', '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stdout, /^NAME\s+IMAGE REPOSITORY\s+TAGS\s+UPDATED/m);
    assert.match(wide.stdout, /^st\s/m);
    const digest = `sha256:${'b'.repeat(64)}`;
    const img = await api(server, 'POST', '/apis/image.openshift.io/v1/images', {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'Image', metadata: { name: digest }, dockerImageReference: `example.com/app@${digest}` },
    });
    assert.equal(img.status, 201, img.text);
    for (const args of [
      ['get', 'images'],
      ['get', 'images', '-o', 'wide'],
    ]) {
      const out = await kubectl(server.kubeconfig, args);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^NAME\s+IMAGE REFERENCE/m);
      assert.match(out.stdout, new RegExp(`^${digest}\\s+example\\.com/app@${digest}`, 'm'));
    }
  });
});

describe('OpenAPI v2', () => {
  it('declares the patch strategies and merge keys of image stream tags', async () => {
    const res = await api(server, 'GET', '/openapi/v2');
    assert.equal(res.status, 200);
    const doc = res.json<{ definitions: Record<string, { properties?: Record<string, Record<string, unknown>> }> }>();
    const specName = Object.keys(doc.definitions).find((k) => k.endsWith('.ImageStreamSpec'));
    const statusName = Object.keys(doc.definitions).find((k) => k.endsWith('.ImageStreamStatus'));
    assert.ok(specName && statusName, 'ImageStreamSpec and ImageStreamStatus are defined');
    const tags = doc.definitions[specName]?.properties?.['tags'];
    assert.equal(tags?.['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(tags?.['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(doc.definitions[statusName]?.properties?.['tags']?.['x-kubernetes-patch-merge-key'], 'tag');
  });
});

describe('legacy watch paths', () => {
  it('serves watch/ paths for a collection and for one object, and lists them in OpenAPI', async () => {
    const doc = (await api(server, 'GET', '/openapi/v3/apis/image.openshift.io/v1')).json<{
      paths: Record<string, { get?: { 'x-kubernetes-action'?: string } }>;
    }>();
    for (const [path, action] of [
      ['/apis/image.openshift.io/v1/watch/images', 'watchlist'],
      ['/apis/image.openshift.io/v1/watch/images/{name}', 'watch'],
      ['/apis/image.openshift.io/v1/watch/imagestreams', 'watchlist'],
      ['/apis/image.openshift.io/v1/watch/namespaces/{namespace}/imagestreams', 'watchlist'],
      ['/apis/image.openshift.io/v1/watch/namespaces/{namespace}/imagestreams/{name}', 'watch'],
    ] as const)
      assert.equal(doc.paths[path]?.get?.['x-kubernetes-action'], action, path);
    for (const name of ['watched', 'other'])
      assert.equal((await api(server, 'POST', IS, { body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name } } })).status, 201);
    // A watch of one name sees that object and no other.
    const events = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      const req = request(
        new URL('/apis/image.openshift.io/v1/watch/namespaces/ops/imagestreams/watched?timeoutSeconds=2', server.url),
        { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca },
        (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
              const e = JSON.parse(buf.slice(0, i)) as { type: string; object: { metadata: { name: string } } };
              seen.push(`${e.type}:${e.object.metadata.name}`);
              buf = buf.slice(i + 1);
            }
          });
          res.on('end', () => resolve(seen));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(events, ['ADDED:watched']);
  });
});

describe('metrics', () => {
  it('counts open watches and records latency by verb, resource and code', async () => {
    const metric = async (re: RegExp) => {
      const text = (await api(server, 'GET', '/metrics', { headers: { Accept: 'text/plain' } })).text;
      return re.exec(text)?.[1];
    };
    assert.equal((await api(server, 'GET', `${IS}/missing`)).status, 404);
    assert.ok(await metric(/apiserver_request_duration_seconds_count\{[^}]*verb="get"[^}]*resource="imagestreams"[^}]*code="404"[^}]*\} (\d+)/));
    const before = Number(await metric(/^apiserver_longrunning_requests (\d+)/m));
    const req = request(new URL(`${IS}?watch=true`, server.url), { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca });
    const opened = new Promise<void>((r) => req.on('response', () => r()));
    req.on('error', () => undefined);
    req.end();
    await opened;
    assert.equal(Number(await metric(/^apiserver_longrunning_requests (\d+)/m)), before + 1);
    req.destroy();
  });
});
