/**
 * Durability: every write the server acknowledged is there after `kill -9` and a restart.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

const servers: ServerProcess[] = [];

after(async () => {
  for (const s of servers) await s.stop();
  servers[0]?.cleanup();
});

describe('crash safety', () => {
  it('keeps every acknowledged write across kill -9', async () => {
    const first = await startServerProcess();
    servers.push(first);
    const ns = await api(first, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crash' } } });
    assert.equal(ns.status, 201);
    const path = '/apis/image.openshift.io/v1/namespaces/crash/imagestreams';
    const acked = new Set<string>();
    let stop = false;
    // Four concurrent writers, so the kill lands while writes are in flight.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await api(first, 'POST', path, { body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name } } });
          if (r.status === 201) acked.add(name);
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 10));
    await first.kill();
    stop = true;
    await Promise.all(writers);

    const second = await startServerProcess({ dataDir: first.dataDir });
    servers.push(second);
    const list = await api(second, 'GET', path);
    assert.equal(list.status, 200);
    const present = new Set(list.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name));
    const lost = [...acked].filter((n) => !present.has(n));
    assert.deepEqual(lost, [], `acknowledged but lost after kill -9: ${lost.join(', ')}`);
    assert.ok(acked.size >= 200);
  });
});
