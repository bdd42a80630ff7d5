/**
 * Events: the import controller records what it did to a stream (a tag that moved, an import that
 * failed), and users read them as they would on a cluster, with `kubectl events` and at the end of
 * `kubectl describe`, against the real distribution registry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from '../support/kubectl.js';
import { pushImage, startRegistry, type PushedImage, type Registry } from '../support/registry.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const NS = 'events';
let server: ServerProcess;
let registry: Registry;
let image: PushedImage;

const k = (args: string[]) => kubectl(server.kubeconfig, ['-n', NS, ...args]);

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface EventList {
  items: { type: string; reason: string; message: string; count: number; involvedObject: { kind: string; name: string; uid: string } }[];
}

describe('events', () => {
  before(async () => {
    registry = await startRegistry();
    image = await pushImage(registry.host, 'team/app', 'v1', { seed: 'events' });
    server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8'] });
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    await registry?.stop();
  });

  it('records a tag the controller moved and an import that failed, for kubectl events and kubectl describe', async () => {
    const created = await api(server, 'POST', `/apis/image.openshift.io/v1/namespaces/${NS}/imagestreams`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'app' },
        spec: {
          tags: [
            { name: 'v1', from: { kind: 'DockerImage', name: `${registry.host}/team/app:v1` }, importPolicy: { insecure: true } },
            { name: 'gone', from: { kind: 'DockerImage', name: `${registry.host}/team/app:missing` }, importPolicy: { insecure: true } },
          ],
        },
      },
    });
    assert.equal(created.status, 201, created.text);
    const uid = created.json<{ metadata: { uid: string } }>().metadata.uid;
    const selector = `involvedObject.kind=ImageStream,involvedObject.name=app,involvedObject.namespace=${NS},involvedObject.uid=${uid}`;
    let events: EventList['items'] = [];
    await waitFor('both events', async () => {
      events = (await api(server, 'GET', `/api/v1/namespaces/${NS}/events?fieldSelector=${encodeURIComponent(selector)}`)).json<EventList>().items;
      return events.some((e) => e.reason === 'TagUpdated') && events.some((e) => e.reason === 'ImportFailed');
    });
    const moved = events.find((e) => e.reason === 'TagUpdated');
    assert.equal(moved?.type, 'Normal');
    assert.equal(moved?.message, `tag v1 now points at ${registry.host}/team/app@${image.digest}`);
    const failed = events.find((e) => e.reason === 'ImportFailed');
    assert.equal(failed?.type, 'Warning');
    assert.match(failed?.message ?? '', /importing .*team\/app:missing into tag gone: .*not found/);

    const listed = await k(['events']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /Normal\s+TagUpdated\s+ImageStream\/app\s+tag v1 now points at/);
    assert.match(listed.stdout, /Warning\s+ImportFailed\s+ImageStream\/app/);
    const described = await k(['describe', 'imagestream', 'app']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Events:[\s\S]*TagUpdated[\s\S]*tag v1 now points at/);
  });
});
