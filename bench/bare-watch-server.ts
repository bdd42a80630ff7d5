/**
 * The watch fan-out's baseline, run as its own process like a replica: node:https with the replica's
 * certificate, holding every GET as a streaming 200 response and writing one event line (an image
 * stream of the size the server sends) to each when the parent names a create over IPC.
 */
import type { ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const dataDir = process.argv[2] ?? '.';
const held = new Set<ServerResponse>();

process.on('message', (m: { name: string }) => {
  const object = {
    kind: 'ImageStream',
    apiVersion: 'image.openshift.io/v1',
    metadata: {
      name: m.name,
      namespace: 'fanout',
      uid: '00000000-0000-4000-8000-000000000000',
      resourceVersion: '1000',
      generation: 1,
      creationTimestamp: new Date().toISOString(),
    },
    spec: { lookupPolicy: { local: false } },
    status: { dockerImageRepository: `127.0.0.1:8443/fanout/${m.name}` },
  };
  // One buffer for every watcher, as the server encodes an event once for all of them.
  const line = Buffer.from(`${JSON.stringify({ type: 'ADDED', object })}\n`);
  for (const res of held) res.write(line);
});

const server = createServer({ cert: readFileSync(join(dataDir, 'serving.crt')), key: readFileSync(join(dataDir, 'serving.key')) }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  held.add(res);
  res.on('close', () => held.delete(res));
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ port: typeof a === 'object' && a ? a.port : 0 });
});
process.on('disconnect', () => process.exit(0));
