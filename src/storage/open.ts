/**
 * The one place a backend is chosen: the server (`--storage-backend`) and the migration
 * (`sqlite:DIR`, `etcd3:URLS`) both open their stores here.
 */
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions, type EtcdConnection } from './etcd/etcd-client.js';
import { openEtcdStore } from './etcd/etcd-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface Compaction {
  /** Milliseconds between automatic compactions; 0 disables them. */
  readonly interval: number;
  /** Revisions compaction always keeps. */
  readonly minRetain?: number;
}

export interface SqliteBackend {
  readonly kind: 'sqlite';
  /** The data dir: the database is its `state.db`. */
  readonly dataDir: string;
  readonly synchronous?: 'FULL' | 'NORMAL';
  readonly compaction: Compaction;
  /** Called after each group commit with the writes it made durable. */
  readonly onCommit?: (writes: number) => void;
}

export interface EtcdBackend extends EtcdConnection {
  readonly kind: 'etcd3';
  readonly prefix: string;
  readonly compaction: Compaction;
}

export type BackendConfig = SqliteBackend | EtcdBackend;

export interface OpenedStore {
  readonly store: Store;
  /** The etcd client the store uses, for others on the same connection (leader election); the store closes it. */
  readonly etcd?: Etcd3;
}

export function openStore(c: SqliteBackend): OpenedStore;
export function openStore(c: EtcdBackend): OpenedStore & { readonly etcd: Etcd3 };
export function openStore(c: BackendConfig): OpenedStore;
export function openStore(c: BackendConfig): OpenedStore {
  const compaction = { compactInterval: c.compaction.interval, ...(c.compaction.minRetain !== undefined ? { compactMinRetain: c.compaction.minRetain } : {}) };
  if (c.kind === 'sqlite') {
    const store = openSqliteStore({
      path: join(resolve(c.dataDir), 'state.db'),
      ...compaction,
      ...(c.synchronous ? { synchronous: c.synchronous } : {}),
      ...(c.onCommit ? { onCommit: c.onCommit } : {}),
    });
    return { store };
  }
  const { kind: _kind, prefix, compaction: _c, ...connection } = c;
  const etcd = new Etcd3(etcdClientOptions(connection));
  return { store: openEtcdStore({ ...connection, client: etcd, ownsClient: true, prefix, ...compaction }), etcd };
}
