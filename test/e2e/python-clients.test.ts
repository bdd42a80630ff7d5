/**
 * The official Python client (python3-kubernetes) and the OpenShift Python client (python3-openshift)
 * against the server, unmodified, from a script in test/e2e/python/: their watches (which spell the
 * query as `watch=True`) with the bookmarks they ask for, a watch of one object by name, and
 * server-side apply with force.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const SCRIPT = new URL('./python/clients.py', import.meta.url).pathname;

describe('the Python clients', () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess({ args: ['--watch-bookmark-interval', '1s'] });
    assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'py' } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('watch, watch one object by name, and apply with force, as a user script does', async () => {
    const { stdout } = await run('/usr/bin/python3', [SCRIPT, server.kubeconfig, 'py'], { timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      watch: [string, string][];
      bookmarked: string[];
      dynamicWatch: [string, string][];
      applied: { labels: Record<string, string>; managers: string[] };
    };
    assert.deepEqual(out.watch, [['ADDED', 'py-one']]);
    assert.deepEqual(out.bookmarked, ['ADDED', 'BOOKMARK']);
    assert.deepEqual(out.dynamicWatch, [['ADDED', 'py-one']]);
    assert.deepEqual(out.applied.labels, { app: 'py' });
    assert.ok(out.applied.managers.includes('py-script'), JSON.stringify(out.applied));
  });
});
