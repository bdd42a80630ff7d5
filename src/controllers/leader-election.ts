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

export function etcdLeaderElection(o: EtcdElectionOptions): LeaderElection {
  let leading = false;
  let stopped = false;
  let campaign: ReturnType<ReturnType<Etcd3['election']>['campaign']> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let cb: LeaderCallbacks | undefined;

  const lose = () => {
    if (!leading) return;
    leading = false;
    o.logger.warn({ identity: o.identity }, 'lost the controller lease; controllers stopped');
    cb?.onStoppedLeading();
  };

  const campaignOnce = () => {
    if (stopped) return;
    const c = o.client.election(o.name, o.leaseSeconds).campaign(o.identity);
    campaign = c;
    c.on('elected', () => {
      if (stopped || campaign !== c) return;
      leading = true;
      o.logger.info({ identity: o.identity, election: o.name }, 'elected leader: controllers started');
      cb?.onStartedLeading();
    });
    c.on('error', (err: unknown) => {
      if (campaign !== c) return;
      lose();
      o.logger.warn({ err, identity: o.identity }, 'controller election failed; campaigning again');
      void c.resign().catch(() => undefined);
      campaign = undefined;
      // etcd may be down: try again after a pause rather than in a tight loop.
      retry = setTimeout(campaignOnce, 1000);
      retry.unref();
    });
  };

  return {
    run(callbacks) {
      cb = callbacks;
      campaignOnce();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      lose();
      const c = campaign;
      campaign = undefined;
      // Resigning deletes our key, so the next replica leads without waiting for the lease to expire.
      if (c) await Promise.race([c.resign().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
    get isLeader() {
      return leading;
    },
  };
}
