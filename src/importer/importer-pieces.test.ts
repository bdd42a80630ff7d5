import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyringFromSecrets } from './credentials.js';
import { addressAllowed, parseAllowedNetworks } from './address-guard.js';
import { errorStatus } from './importer.js';
import { RegistryError } from './registry-client.js';
import { parseChallenges } from './www-authenticate.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('WWW-Authenticate challenges', () => {
  it('reads quoted parameters with commas, and several challenges', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull,push' } },
    ]);
    assert.deepEqual(
      parseChallenges('Basic realm="basic-realm"').map((c) => c.scheme),
      ['basic'],
    );
  });
});

describe('pull secret keyring', () => {
  const json = (auths: Record<string, unknown>) => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });
  it('matches by registry host, Docker Hub aliases as one, from both secret types', () => {
    const ring = keyringFromSecrets([
      json({ 'https://index.docker.io/v1/': { auth: b64('hub:pw') }, 'quay.io': { username: 'q', password: 'qp' } }),
      { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'registry.example.com:5000': { auth: b64('r:rp') } })) } },
      { type: 'Opaque', data: { '.dockerconfigjson': b64('{}') } },
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('not json') } },
    ]);
    assert.deepEqual(ring.lookup('registry-1.docker.io'), { username: 'hub', password: 'pw' });
    assert.deepEqual(ring.lookup('quay.io'), { username: 'q', password: 'qp' });
    assert.deepEqual(ring.lookup('registry.example.com:5000'), { username: 'r', password: 'rp' });
    assert.equal(ring.lookup('other.io'), undefined);
  });

  it('matches as the kubelet does: the most specific path, host globs per part, equal ports', () => {
    const ring = keyringFromSecrets([
      json({
        'quay.io': { auth: b64('any:1') },
        'quay.io/team': { auth: b64('team:2') },
        'https://quay.io/team/app/': { auth: b64('app:3') },
        '*.example.com': { auth: b64('wild:4') },
        'registry.local:5000/ns': { auth: b64('port:5') },
      }),
    ]);
    assert.equal(ring.lookup('quay.io', 'team/app')?.username, 'app');
    assert.equal(ring.lookup('quay.io', 'team/other')?.username, 'team');
    assert.equal(ring.lookup('quay.io', 'teamx/app')?.username, 'any', 'a path matches whole components only');
    assert.equal(ring.lookup('quay.io', 'someone/app')?.username, 'any');
    assert.equal(ring.lookup('a.example.com', 'x')?.username, 'wild');
    assert.equal(ring.lookup('a.b.example.com', 'x'), undefined, 'a glob covers one host part');
    assert.equal(ring.lookup('example.com', 'x'), undefined);
    assert.equal(ring.lookup('registry.local:5000', 'ns/app')?.username, 'port');
    assert.equal(ring.lookup('registry.local', 'ns/app'), undefined, 'ports must be equal');
    assert.equal(ring.lookup('registry.local:5000', 'other/app'), undefined);
  });

  it('lets the first secret win between entries for the same place', () => {
    const ring = keyringFromSecrets([json({ 'quay.io': { auth: b64('first:1') } }), json({ 'quay.io': { auth: b64('second:2') } })]);
    assert.equal(ring.lookup('quay.io', 'a/b')?.username, 'first');
  });
});

describe('network guard', () => {
  it('refuses loopback, private and link-local addresses unless allowed', () => {
    const none = parseAllowedNetworks([]);
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '169.254.169.254', '::1', 'fe80::1']) assert.equal(addressAllowed(a, none), false, a);
    assert.equal(addressAllowed('8.8.8.8', none), true);
    const lo = parseAllowedNetworks(['127.0.0.0/8']);
    assert.equal(addressAllowed('127.0.0.1', lo), true);
    assert.equal(addressAllowed('169.254.169.254', lo), false);
    assert.throws(() => parseAllowedNetworks(['nonsense']), /invalid network/);
  });
});

describe('import failure statuses', () => {
  const ref = 'docker.io/library/test:latest';
  const cases: [RegistryError, string, number, string][] = [
    [new RegistryError('NotFound', 'x'), 'NotFound', 404, `dockerimage.image.openshift.io "${ref}" not found`],
    [new RegistryError('Unauthorized', 'x'), 'Unauthorized', 401, `you may not have access to the container image "${ref}"`],
    [new RegistryError('IncorrectCredentials', 'x'), 'Unauthorized', 401, `incorrect username or password for image "${ref}"`],
    [new RegistryError('Internal', 'no such manifest tag'), 'InternalError', 500, `Internal error occurred: ${ref}: no such manifest tag`],
  ];
  for (const [err, reason, code, message] of cases) {
    it(`maps ${err.kind} to ${reason}`, () => {
      assert.deepEqual(
        { reason: errorStatus(err, ref)['reason'], code: errorStatus(err, ref)['code'], message: errorStatus(err, ref)['message'] },
        { reason, code, message },
      );
    });
  }
});
