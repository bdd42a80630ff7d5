import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWhitelister } from './whitelist.js';

describe('allowedRegistriesForImport matching', () => {
  it('allows everything without a list', () => {
    assert.equal(createWhitelister(undefined).admitPullSpec('anything.example/x', 'secure'), undefined);
  });

  it('lists the entries with default ports in the message', () => {
    const w = createWhitelister([{ domainName: 'example.com' }, { domainName: 'localhost:5000' }, { domainName: 'dev.null.io', insecure: true }]);
    assert.equal(
      w.admitPullSpec('registry.ltd/a/b', 'secure'),
      'registry "registry.ltd" not allowed by whitelist: "example.com:443", "localhost:5000", "dev.null.io:80"',
    );
    assert.equal(w.admitPullSpec('example.com/a/b', 'secure'), undefined);
  });

  it('needs a subdomain for *. entries and honours the transport port', () => {
    assert.notEqual(createWhitelister([{ domainName: '*.example.com' }]).admitPullSpec('example.com/openshift/origin', 'secure'), undefined);
    assert.equal(createWhitelister([{ domainName: '*.example.com' }]).admitPullSpec('a.example.com/x', 'secure'), undefined);
    const insecureOnly = createWhitelister([{ domainName: 'example.com', insecure: true }]);
    assert.notEqual(insecureOnly.admitPullSpec('example.com/foo/bar:baz', 'secure'), undefined);
    assert.equal(insecureOnly.admitPullSpec('example.com/foo/bar:baz', 'any'), undefined);
  });

  it('names docker.io:443 for a reference without registry', () => {
    assert.equal(
      createWhitelister([{ domainName: 'example.com:*' }]).admitPullSpec('foo/bar:biz', 'secure'),
      'registry "docker.io:443" not allowed by whitelist: "example.com:*"',
    );
  });

  it('truncates long lists and always allows the internal registry and old repositories', () => {
    const w = createWhitelister(
      ['a', 'b', 'c', 'd', 'e'].map((d) => ({ domainName: `${d}.io` })),
      { internalRegistryHostname: 'ir.svc:5000' },
    );
    assert.equal(
      w.admitPullSpec('x.io/a/b', 'secure'),
      'registry "x.io" not allowed by whitelist: "ir.svc:5000", "a.io:443", "b.io:443", "c.io:443", and 2 more ...',
    );
    assert.equal(w.admitPullSpec('ir.svc:5000/ns/s', 'secure'), undefined);
    assert.equal(w.withRepositories(['x.io/a/b:1']).admitPullSpec(`x.io/a/b@sha256:${'0'.repeat(64)}`, 'secure'), undefined);
  });
});
