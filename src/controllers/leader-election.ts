/**
 * Which replica runs the controllers. With the embedded store there is one process per data dir
 * (SQLite holds an exclusive lock), so it always leads. On etcd, replicas campaign on an etcd
 * election whose key is bound to a lease: the leader keeps it alive, and when it dies or loses etcd
 * the lease expires after its TTL and another replica is elected. A leader that loses its lease stops
 * its controllers and campaigns again. Imports carry the stream's resourceVersion as a precondition,
 * so even two replicas that briefly both believe they lead cannot import one change twice.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';

export interface LeaderCallbacks {
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

export interface LeaderElection {
  /** Starts campaigning; the callbacks run each time this replica gains or loses the lead. */
  run(callbacks: LeaderCallbacks): void;
  /** Gives the lead up (another replica takes over at once) and stops campaigning. */
  stop(): Promise<void>;
  readonly isLeader: boolean;
}

export function singleReplica(): LeaderElection {
  let leading = false;
  let cb: LeaderCallbacks | undefined;
  return {
    run(callbacks) {
      cb = callbacks;
      leading = true;
      callbacks.onStartedLeading();
    },
    async stop() {
      if (leading) cb?.onStoppedLeading();
      leading = false;
    },
    get isLeader() {
      return leading;
    },
  };
}

export interface EtcdElectionOptions {
  readonly client: Etcd3;
  /** Election name, below the server's etcd prefix so servers with different prefixes don't share it. */
  readonly name: string;
  /** This replica's identity, stored as the election value (visible with etcdctl). */
  readonly identity: string;
  readonly leaseSeconds: number;
  readonly logger: Logger;
}

/**
 * Campaigns as etcd's concurrency election does, in its key layout (`election/<name>/<lease id>`, so
 * etcdctl and etcd3's `election(name).leader()` read it): each candidate writes a key of its own,
 * bound to its lease, and the candidate with the oldest key leads. A waiting candidate asks again
 * every `pollMs` instead of holding an etcd watch on the key before its own, as client-go's
 * lease-based election polls: a replica then holds no etcd watch besides its watch cache's one per
 * resource type, and a new leader takes over at most `pollMs` after the old one's lease expired.
 */
export function etcdLeaderElection(o: EtcdElectionOptions): LeaderElection {
  const candidates = o.client.namespace(`election/${o.name}/`);
  const pollMs = Math.min(2_000, (o.leaseSeconds * 1000) / 3);
  let leading = false;
  let stopped = false;
  let lease: ReturnType<typeof candidates.lease> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let cb: LeaderCallbacks | undefined;

  const lose = () => {
    if (!leading) return;
    leading = false;
    o.logger.warn({ identity: o.identity }, 'lost the controller lease; controllers stopped');
    cb?.onStoppedLeading();
  };

  const later = (fn: () => void, ms: number) => {
    if (stopped) return;
    // One timer at a time: a campaign after a lost lease replaces the old campaign's next poll.
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
    timer.unref();
  };

  const fail = (mine: typeof lease, err: unknown) => {
    if (stopped || lease !== mine) return;
    lose();
    o.logger.warn({ err, identity: o.identity }, 'controller election failed; campaigning again');
    lease = undefined;
    void mine?.revoke().catch(() => undefined);
    // etcd may be down: try again after a pause rather than in a tight loop.
    later(campaign, 1000);
  };

  /** Leads once no candidate's key is older than ours. */
  const poll = async (mine: NonNullable<typeof lease>, keyRevision: number): Promise<void> => {
    const older = await candidates
      .getAll()
      .maxCreateRevision(String(keyRevision - 1))
      .limit(1)
      .keys();
    if (stopped || lease !== mine) return;
    if (older.length > 0) return later(() => void poll(mine, keyRevision).catch((err: unknown) => fail(mine, err)), pollMs);
    leading = true;
    o.logger.info({ identity: o.identity, election: o.name }, 'elected leader: controllers started');
    cb?.onStartedLeading();
  };

  const campaign = () => {
    if (stopped) return;
    const mine = candidates.lease(o.leaseSeconds);
    lease = mine;
    mine.on('lost', (err: unknown) => fail(mine, err));
    void (async () => {
      const id = await mine.grant();
      const r = await candidates.if(id, 'Create', '==', 0).then(candidates.put(id).value(o.identity).lease(id)).else(candidates.get(id)).commit();
      const created = r.succeeded ? Number(r.header.revision) : Number(r.responses[0]?.response_range.kvs[0]?.create_revision);
      await poll(mine, created);
    })().catch((err: unknown) => fail(mine, err));
  };

  return {
    run(callbacks) {
      cb = callbacks;
      campaign();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      lose();
      const mine = lease;
      lease = undefined;
      // Revoking the lease deletes our key, so the next candidate leads at its next poll, without waiting for the lease to expire.
      if (mine) await Promise.race([mine.revoke().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
    get isLeader() {
      return leading;
    },
  };
}
