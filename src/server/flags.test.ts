import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseDuration, parseFlags } from './flags.js';

describe('parseFlags', () => {
  it('has the documented defaults', () => {
    const f = parseFlags([]);
    assert.equal(f.dataDir, './data');
    assert.equal(f.bindAddress, '127.0.0.1');
    assert.equal(f.securePort, 8443);
    assert.equal(f.sqliteSynchronous, 'FULL');
    assert.equal(f.compactionIntervalMs, 300_000);
  });
  it('accepts port 0 and kube-style durations', () => {
    const f = parseFlags(['--secure-port', '0', '--etcd-compaction-interval', '1m30s']);
    assert.equal(f.securePort, 0);
    assert.equal(f.compactionIntervalMs, 90_000);
  });
  it('rejects unknown flags, bad ports and lone TLS files with a message naming the flag', () => {
    assert.throws(() => parseFlags(['--nope']), FlagError);
    assert.throws(() => parseFlags(['--secure-port', '70000']), /--secure-port/);
    assert.throws(() => parseFlags(['--tls-cert-file', 'a.crt']), /--tls-private-key-file/);
    assert.throws(() => parseDuration('5 minutes'), /invalid duration/);
  });
});

describe('storage flags', () => {
  it('selects etcd3 with its servers, TLS files and prefix', () => {
    const f = parseFlags([
      '--storage-backend',
      'etcd3',
      '--etcd-servers',
      'https://a:2379, https://b:2379',
      '--etcd-cafile',
      'ca.crt',
      '--etcd-certfile',
      'c.crt',
      '--etcd-keyfile',
      'c.key',
      '--etcd-prefix',
      '/img',
    ]);
    assert.equal(f.storageBackend, 'etcd3');
    assert.deepEqual(f.etcdServers, ['https://a:2379', 'https://b:2379']);
    assert.equal(f.etcdCaFile, 'ca.crt');
    assert.equal(f.etcdPrefix, '/img');
    assert.equal(f.leaderElectLeaseSeconds, 15);
  });
  it('names the flag and the rule for bad storage settings', () => {
    assert.throws(() => parseFlags(['--storage-backend', 'etcd2']), /--storage-backend: unsupported backend "etcd2" \(supported: sqlite, etcd3\)/);
    assert.throws(() => parseFlags(['--storage-backend', 'etcd3']), /--etcd-servers is required/);
    assert.throws(() => parseFlags(['--storage-backend', 'etcd3', '--etcd-servers', 'a:2379']), /--etcd-servers: "a:2379"/);
    assert.throws(() => parseFlags(['--etcd-certfile', 'c.crt']), /--etcd-keyfile/);
    assert.throws(() => parseFlags(['--etcd-prefix', 'img']), /--etcd-prefix must start with "\/"/);
    assert.throws(() => parseFlags(['--leader-elect-lease-duration', '1s']), /at least 2s/);
  });
});

describe('pruning flags', () => {
  it('are off by default, with the documented defaults', () => {
    const f = parseFlags([]);
    assert.equal(f.pruneIntervalMs, 0);
    assert.equal(f.pruneKeepTagRevisions, 3);
    assert.equal(f.pruneKeepYoungerThanMs, 3_600_000);
    assert.equal(f.pruneAll, false);
    assert.equal(f.registryGcGraceMs, 3_600_000);
  });
  it('take durations, counts and a kube-style boolean', () => {
    const f = parseFlags([
      '--prune-interval',
      '10m',
      '--prune-keep-tag-revisions',
      '1',
      '--prune-keep-younger-than',
      '0',
      '--registry-gc-grace',
      '5s',
      '--prune-all',
    ]);
    assert.deepEqual([f.pruneIntervalMs, f.pruneKeepTagRevisions, f.pruneKeepYoungerThanMs, f.registryGcGraceMs, f.pruneAll], [600_000, 1, 0, 5000, true]);
    assert.equal(parseFlags(['--prune-all=false']).pruneAll, false);
    assert.equal(parseFlags(['--prune-all=true']).pruneAll, true);
    assert.throws(() => parseFlags(['--prune-all=maybe']), /--prune-all: "maybe" is not a boolean/);
    assert.throws(() => parseFlags(['--prune-keep-tag-revisions=-1']), /--prune-keep-tag-revisions must be a whole number/);
    assert.throws(() => parseFlags(['--prune-interval', 'daily']), /invalid duration/);
  });
});
