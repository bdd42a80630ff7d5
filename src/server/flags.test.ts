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
