import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { etcdWatchCount, startEtcd, type EtcdCluster } from '../../test/support/etcd.js';
import { eventually } from '../../test/support/eventually.js';
import { etcdLeaderElection, type LeaderElection } from './leader-election.js';

describe('leader election on etcd', () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoints });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
  });

  it('elects one candidate, holds no etcd watch while the others wait, and hands over when the leader stops', async () => {
    const watchesBefore = await etcdWatchCount(etcd.endpoints[0] as string);
    const leads = new Map<string, boolean>();
    const candidates = new Map<string, LeaderElection>();
    for (const id of ['a', 'b', 'c']) {
      const e = etcdLeaderElection({ client, name: 'test', identity: id, leaseSeconds: 3, logger: pino({ level: 'silent' }) });
      e.run({ onStartedLeading: () => leads.set(id, true), onStoppedLeading: () => leads.set(id, false) });
      candidates.set(id, e);
    }
    const leader = await eventually('a leader', async () => [...leads].find(([, l]) => l)?.[0]);
    // Give the others time to poll: none of them may take the lead meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      [...candidates].filter(([, e]) => e.isLeader).map(([id]) => id),
      [leader],
    );
    assert.equal(await client.election('test').leader(), leader, 'etcd3’s own reader of the election agrees');
    assert.equal((await etcdWatchCount(etcd.endpoints[0] as string)) - watchesBefore, 0, 'waiting candidates poll; they hold no etcd watch');

    await candidates.get(leader)?.stop();
    const next = await eventually('the next leader', async () => [...candidates].find(([id, e]) => id !== leader && e.isLeader)?.[0]);
    assert.notEqual(next, leader);
    assert.equal(leads.get(leader), false);
    assert.equal(await client.election('test').leader(), next);
    for (const e of candidates.values()) await e.stop();
  });
});
