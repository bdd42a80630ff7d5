/**
 * Many image streams with one tag each, imported by the server's import controller (as a cluster
 * full of `oc tag --source=docker` streams would be): the time from the first stream's create until
 * every stream shows its imported image.
 */
import { Agent } from 'node:https';
import { fetchJson } from './load.js';

interface StreamList {
  items: { status?: { tags?: { items?: unknown[] }[] } }[];
  metadata: { continue?: string };
}

export async function importManyStreams(o: {
  base: string;
  ca: string;
  auth: Record<string, string>;
  namespace: string;
  /** One `host/repo:tag` reference per stream. */
  refs: readonly string[];
  timeoutMs: number;
}): Promise<{ ms: number; imported: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const call = (method: string, path: string, body?: unknown) => fetchJson(o.base, o.ca, method, path, o.auth, body, agent);
  try {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } });
    const streams = `/apis/image.openshift.io/v1/namespaces/${o.namespace}/imagestreams`;
    const started = performance.now();
    for (const [i, ref] of o.refs.entries()) {
      await call('POST', streams, {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: `s${i}` },
        spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: ref }, importPolicy: { insecure: true } }] },
      });
    }
    let imported = 0;
    while (performance.now() - started < o.timeoutMs) {
      imported = 0;
      let token: string | undefined;
      do {
        const page = JSON.parse((await call('GET', `${streams}?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).text) as StreamList;
        imported += page.items.filter((s) => (s.status?.tags?.[0]?.items?.length ?? 0) > 0).length;
        token = page.metadata.continue;
      } while (token);
      if (imported === o.refs.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ms: performance.now() - started, imported };
  } finally {
    agent.destroy();
  }
}
