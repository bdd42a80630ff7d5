/**
 * The blob download's baseline, run as its own process like the server it is compared with:
 * node:https with the server's certificate, streaming one file from disk for every request.
 * Usage: bare-file-server.ts DATA_DIR FILE (it reports its port over IPC).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const dataDir = process.argv[2] ?? '.';
const file = process.argv[3] ?? '';
const size = statSync(file).size;

const server = createServer({ cert: readFileSync(join(dataDir, 'serving.crt')), key: readFileSync(join(dataDir, 'serving.key')) }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ port: typeof a === 'object' && a ? a.port : 0 });
});
process.on('disconnect', () => process.exit(0));
