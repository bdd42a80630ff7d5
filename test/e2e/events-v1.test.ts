/**
 * events.k8s.io/v1: the same events as core/v1, in the newer shape; one store behind both, as in
 * kube-apiserver. Written through either version, read through both, with each version's field
 * names in selectors and its own validation on create.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from '../support/kubectl.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const NS = 'evv1';
const V1 = `/apis/events.k8s.io/v1/namespaces/${NS}/events`;
const CORE = `/api/v1/namespaces/${NS}/events`;

describe('events.k8s.io/v1 over the core event store', () => {
  let server: ServerProcess;
  const event = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'pushed.1' },
    eventTime: '2026-12-06T10:00:00.000000Z',
    reportingController: 'example.com/pusher',
    reportingInstance: 'pusher-1',
    action: 'Push',
    reason: 'Pushed',
    type: 'Normal',
    note: 'pushed app:v1',
    regarding: { kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', namespace: NS, name: 'app' },
  };

  before(async () => {
    server = await startServerProcess();
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('is listed in discovery', async () => {
    const group = (await api(server, 'GET', '/apis/events.k8s.io/v1')).json<{ resources: { name: string; verbs: string[] }[] }>();
    const events = group.resources.find((r) => r.name === 'events');
    assert.ok(events, JSON.stringify(group));
    assert.ok(events.verbs.includes('watch') && events.verbs.includes('create'));
  });

  it('creates through events.k8s.io and reads it back through both versions', async () => {
    const created = await api(server, 'POST', V1, { body: event });
    assert.equal(created.status, 201, created.text);
    const v1 = created.json<Record<string, unknown>>();
    assert.equal(v1['note'], 'pushed app:v1');
    assert.equal(v1['reportingController'], 'example.com/pusher');
    assert.equal(v1['deprecatedFirstTimestamp'], null, 'metav1.Time without a value is null');
    const core = (await api(server, 'GET', `${CORE}/pushed.1`)).json<Record<string, Record<string, unknown>>>();
    assert.equal(core['message'] as unknown, 'pushed app:v1');
    assert.equal(core['reportingComponent'] as unknown, 'example.com/pusher');
    assert.equal(core['involvedObject']?.['name'], 'app');
  });

  it('selects by this version’s field names', async () => {
    const mine = await api(server, 'GET', `${V1}?fieldSelector=${encodeURIComponent('regarding.name=app,reportingController=example.com/pusher')}`);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(
      mine.json<{ items: { metadata: { name: string } }[] }>().items.map((e) => e.metadata.name),
      ['pushed.1'],
    );
    const none = await api(server, 'GET', `${V1}?fieldSelector=regarding.name%3Dother`);
    assert.equal(none.json<{ items: unknown[] }>().items.length, 0);
    const coreName = await api(server, 'GET', `${V1}?fieldSelector=involvedObject.name%3Dapp`);
    assert.equal(coreName.status, 400, 'core names are not this version’s');
  });

  it('refuses an incomplete event with the fields at fault, and stores nothing', async () => {
    const { reportingController: _c, action: _a, ...partial } = event;
    const r = await api(server, 'POST', V1, { body: { ...partial, metadata: { name: 'partial' }, deprecatedCount: 3 } });
    assert.equal(r.status, 422);
    const message = r.json<{ message: string }>().message;
    assert.match(message, /^Event\.events\.k8s\.io "partial" is invalid: /);
    assert.match(message, /reportingController: Required value/);
    assert.match(message, /action: Required value/);
    assert.match(message, /deprecatedCount: Invalid value: "": needs to be unset/);
    assert.equal((await api(server, 'GET', `${CORE}/partial`)).status, 404);
  });

  it('serves kubectl get, and deletes with this group named', async () => {
    const got = await kubectl(server.kubeconfig, ['-n', NS, 'get', 'events.events.k8s.io']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /Normal\s+Pushed\s+imagestream\/app\s+pushed app:v1/);
    const missing = await api(server, 'GET', `${V1}/nothing`);
    assert.equal(missing.json<{ message: string }>().message, 'events.events.k8s.io "nothing" not found');
    const del = await api(server, 'DELETE', `${V1}/pushed.1`);
    assert.equal(del.status, 200);
    assert.equal(del.json<{ details: { group: string } }>().details.group, 'events.k8s.io');
    assert.equal((await api(server, 'GET', `${CORE}/pushed.1`)).status, 404);
  });
});
