/**
 * `npm run migrate -- --from sqlite:DIR --to etcd3:URL[,URL…]` (or the other way round): copies every
 * object of a stopped server's store into an empty one, keeping names, uids and content.
 */
import { parseArgs } from 'node:util';
import { copyStore, DestinationNotEmptyError } from './storage/copy-store.js';
import { openStore } from './storage/open.js';
import type { Store } from './storage/store.js';

const USAGE = `Usage: npm run migrate -- --from STORE --to STORE [flags]

Copies every object from one store into another, empty one. Stop the servers using them first.

STORE is sqlite:DATA_DIR (the server's --data-dir) or etcd3:URL[,URL...] (the server's --etcd-servers).

Flags:
  --etcd-prefix PREFIX   key prefix in etcd (default /registry)
  --etcd-cafile FILE     CA bundle of the etcd servers
  --etcd-certfile FILE   client certificate for etcd (with --etcd-keyfile)
  --etcd-keyfile FILE
`;

class UsageError extends Error {}

type Values = { 'etcd-prefix': string; 'etcd-cafile'?: string; 'etcd-certfile'?: string; 'etcd-keyfile'?: string };

function open(spec: string, v: Values): Store {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const where = spec.slice(colon + 1);
  if (colon < 0 || !where) throw new UsageError(`${JSON.stringify(spec)} is not a store: use sqlite:DATA_DIR or etcd3:URL[,URL...]`);
  // A copy is not a server: nothing compacts either store meanwhile.
  const compaction = { interval: 0 };
  if (kind === 'sqlite') return openStore({ kind: 'sqlite', dataDir: where, compaction }).store;
  if (kind === 'etcd3')
    return openStore({
      kind: 'etcd3',
      servers: where
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      prefix: v['etcd-prefix'],
      compaction,
      ...(v['etcd-cafile'] ? { caFile: v['etcd-cafile'] } : {}),
      ...(v['etcd-certfile'] ? { certFile: v['etcd-certfile'] } : {}),
      ...(v['etcd-keyfile'] ? { keyFile: v['etcd-keyfile'] } : {}),
    }).store;
  throw new UsageError(`unknown store kind ${JSON.stringify(kind)} in ${JSON.stringify(spec)} (supported: sqlite, etcd3)`);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'etcd-prefix': { type: 'string', default: '/registry' },
        'etcd-cafile': { type: 'string' },
        'etcd-certfile': { type: 'string' },
        'etcd-keyfile': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.from || !values.to) {
    process.stderr.write(`error: --from and --to are required\n\n${USAGE}`);
    return 2;
  }
  const stores: Store[] = [];
  try {
    const from = open(values.from, values);
    stores.push(from);
    const to = open(values.to, values);
    stores.push(to);
    const { copied, revision } = await copyStore(from, to);
    process.stdout.write(`copied ${copied} objects from ${values.from} (as of revision ${revision}) to ${values.to}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    // SQLite's exclusive lock: a server still runs on that data dir.
    const hint = /database is locked/.test(message) ? ' (is a server still running on that data dir? stop it first)' : '';
    process.stderr.write(`error: ${e instanceof DestinationNotEmptyError ? message : `migration failed: ${message}${hint}`}\n`);
    return 1;
  } finally {
    for (const s of stores) await s.close().catch(() => undefined);
  }
}

void main().then((code) => process.exit(code));
