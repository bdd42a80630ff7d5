/**
 * @kubernetes/client-node, unmodified, against the real server: generic object CRUD through
 * discovery, every patch type, and an informer that relists after its resource version expired.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  type KubernetesObject,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
let kc: KubeConfig;

const stream = (namespace: string, name: string): KubernetesObject & { spec: object } => ({
  apiVersion: 'image.openshift.io/v1',
  kind: 'ImageStream',
  metadata: { name, namespace },
  spec: {},
});

async function waitUntil(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  server = await startServerProcess({
    args: ['--min-request-timeout', '2', '--etcd-compaction-interval', '1s', '--compaction-retain', '3'],
  });
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  for (const ns of ['cn', 'noise']) {
    const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('@kubernetes/client-node', () => {
  it('creates, reads, patches (merge, JSON, strategic) and deletes through KubernetesObjectApi', async () => {
    const client = KubernetesObjectApi.makeApiClient(kc);
    const created = await client.create(stream('cn', 'generic'));
    assert.equal(created.metadata?.name, 'generic');
    const read = await client.read({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'generic', namespace: 'cn' } });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    const ref = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'generic', namespace: 'cn' } };
    await client.patch({ ...ref, metadata: { ...ref.metadata, labels: { a: '1' } } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    await client.patch(
      { ...ref, spec: { tags: [{ name: 't', from: { kind: 'DockerImage', name: 'quay.io/a/b:c' }, reference: true }] } } as KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    const patched = (await client.read(ref)) as KubernetesObject & { spec: { tags: { name: string }[] } };
    assert.equal(patched.metadata?.labels?.['a'], '1');
    assert.deepEqual(
      patched.spec.tags.map((t) => t.name),
      ['t'],
    );
    await client.delete(ref);
    await assert.rejects(client.read(ref), (e: { code?: number }) => e.code === 404);
  });

  it('runs an informer that relists after a 410 and keeps an accurate cache', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    let lists = 0;
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      lists++;
      return (await custom.listNamespacedCustomObject({
        group: 'image.openshift.io',
        version: 'v1',
        namespace: 'cn',
        plural: 'imagestreams',
      })) as KubernetesListObject<KubernetesObject>;
    };
    await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/cn/imagestreams', { body: stream('cn', 'a') });
    const informer = makeInformer(kc, '/apis/image.openshift.io/v1/namespaces/cn/imagestreams', listFn);
    const seen = new Set<string>();
    informer.on('add', (o) => seen.add(o.metadata?.name ?? ''));
    informer.on('error', () => undefined);
    await informer.start();
    try {
      await waitUntil(() => seen.has('a'), 'the initial list');
      // Advance the store's revision elsewhere so compaction drops the informer's resource version;
      // its watch ends within 2-4 s (--min-request-timeout 2) and resumes from a compacted revision.
      for (let i = 0; i < 10; i++) {
        await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/noise/imagestreams', { body: stream('noise', `n${i}`) });
      }
      await waitUntil(() => lists >= 2, 'a relist after 410', 30_000);
      await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/cn/imagestreams', { body: stream('cn', 'b') });
      await waitUntil(() => seen.has('b'), 'the object created after the relist');
      const cached = informer
        .list('cn')
        .map((o) => o.metadata?.name)
        .sort();
      assert.deepEqual(cached, ['a', 'b']);
    } finally {
      await informer.stop();
    }
  });
});
