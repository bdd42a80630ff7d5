/**
 * How the server talks to etcd: client options from kube-apiserver-style flags, and the one place
 * where etcd and gRPC errors become StorageErrors.
 */
import { readFileSync } from 'node:fs';
import type { IOptions } from 'etcd3';
import { StorageError } from '../store.js';

export interface EtcdConnection {
  /** `https://host:port` or `http://host:port` (`--etcd-servers`). */
  readonly servers: readonly string[];
  /** `--etcd-cafile`: CA bundle that signed the etcd servers' certificates. */
  readonly caFile?: string;
  /** `--etcd-certfile` and `--etcd-keyfile`: this server's client certificate. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /**
   * Deadline of one etcd call. A request during an outage fails within it (503 with Retry-After)
   * instead of hanging; the client's circuit breaker then fails further calls at once until a
   * member answers again.
   */
  readonly requestTimeoutMs?: number;
}

export function etcdClientOptions(c: EtcdConnection): IOptions {
  const timeout = c.requestTimeoutMs ?? 5000;
  const credentials = c.caFile
    ? {
        rootCertificate: readFileSync(c.caFile),
        ...(c.certFile && c.keyFile ? { certChain: readFileSync(c.certFile), privateKey: readFileSync(c.keyFile) } : {}),
      }
    : undefined;
  return {
    hosts: [...c.servers],
    dialTimeout: timeout,
    ...(credentials ? { credentials } : {}),
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    // gRPC's reconnect backoff grows to two minutes by default: a member back after an outage
    // would then stay unused long after it answers again. gRPC refuses answers over 4 MiB by
    // default, and the client counts that refusal as a failing member: one large list (a page of
    // big image streams, a watch cache's first list) would make the whole cluster unavailable.
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 2000, 'grpc.max_receive_message_length': -1 },
  };
}

/** etcd's mvcc errors by message, as kube-apiserver's etcd3 storage interprets them. */
export function toStorageError(err: unknown, key: string): StorageError {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('required revision has been compacted'))
    return new StorageError('Compacted', key, 'required revision has been compacted', undefined, undefined, { cause: err });
  if (message.includes('required revision is a future revision'))
    return new StorageError('FutureRevision', key, 'required revision is a future revision', undefined, undefined, { cause: err });
  // Retrying cannot help an object over etcd's request size limit (--max-request-bytes, 1.5 MiB).
  // etcd answers 'request is too large' past its limit, and gRPC refuses the message itself a
  // little further on.
  if (message.includes('request is too large') || message.includes('received message larger than max'))
    return new StorageError('TooLarge', key, 'etcdserver: request is too large', undefined, undefined, { cause: err });
  return new StorageError('Unavailable', key, `etcd: ${message}`, undefined, undefined, { cause: err });
}
