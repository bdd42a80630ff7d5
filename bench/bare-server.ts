/**
 * The bench's baseline, run as its own process like the server it is compared with: node:https
 * with the server's certificate, answering the bytes the server answered for the same request
 * (sent by the parent over IPC), and nothing else.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const dataDir = process.argv[2] ?? '.';
const bodies: Record<string, string> = { one: '', page: '', full: '' };
process.on('message', (m: { name: string; body: string }) => {
  bodies[m.name] = m.body;
  process.send?.({ stored: m.name });
});

const server = createServer({ cert: readFileSync(join(dataDir, 'serving.crt')), key: readFileSync(join(dataDir, 'serving.key')) }, (req, res) => {
  // The request body is read to its end, as the server must, and dropped.
  req.resume();
  req.on('end', () => {
    const out = req.url?.includes('full=1') ? bodies['full'] : req.url?.includes('limit=') ? bodies['page'] : bodies['one'];
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ port: typeof a === 'object' && a ? a.port : 0 });
});
process.on('disconnect', () => process.exit(0));
