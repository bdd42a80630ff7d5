import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressAllowed, BlockedAddressError, blockedAddressMessage, classifyAddress, parseAllowedNetworks, type AddressCategory } from './address-guard.js';

const none = parseAllowedNetworks([]);

// Every address here is refused when no network is allowed, with the category it is refused for.
const refused: readonly (readonly [string, AddressCategory])[] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'this-network'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.0.1', 'private'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['169.254.169.254', 'link-local'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::101', 'multicast'],
  ['100::1', 'discard-only'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001::1', 'teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'reserved'],
  ['64:ff9b:1::a01:203', 'nat64-local'],
  ['64:ff9b:1:ffff::1', 'nat64-local'],
  ['4000::1', 'reserved'],
  ['1::1', 'reserved'],
  // IPv4-mapped, -compatible and -translated, NAT64 and 6to4 forms of refused IPv4 addresses.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::7f00:1', 'loopback'],
  ['::127.0.0.1', 'loopback'],
  ['::a01:203', 'private'],
  ['::2', 'this-network'],
  ['::ffff:0:7f00:1', 'loopback'],
  ['::ffff:0:10.0.0.1', 'private'],
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::169.254.169.254', 'link-local'],
  ['64:ff9b::c0a8:1', 'private'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:7f00:0001:1234::1', 'loopback'],
  ['2002:a9fe:a9fe::1', 'link-local'],
  ['2002:a00:1::', 'private'],
  ['2002:e000:1::', 'multicast'],
  // ISATAP interface ids pointing at a refused IPv4 address.
  ['2606:4700::5efe:7f00:1', 'loopback'],
  ['2606:4700::200:5efe:10.0.0.1', 'private'],
];

const invalid = [
  '',
  'localhost',
  '127.1',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '127.0.0.1.',
  '1.2.3.256',
  ':::1',
  '1:2:3:4:5:6:7:8:9',
  'fe80::1::2',
  '[::1]',
  '::ffff:127.0.0.1/8',
];

const allowed = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '172.32.0.1', '100.128.0.1', '192.0.3.1', '2606:4700::1111', '2a00:1450::1', '2001:4860:4860::8888'];

// Embedded forms of public IPv4 addresses are judged by that address.
const embeddedPublic: readonly (readonly [string, string])[] = [
  ['::ffff:8.8.8.8', '8.8.8.8'],
  ['::ffff:808:808', '8.8.8.8'],
  ['64:ff9b::808:808', '8.8.8.8'],
  ['::ffff:0:1.1.1.1', '1.1.1.1'],
  ['2002:0808:0808::', '8.8.8.8'],
  ['2002:101:101:1::1', '1.1.1.1'],
];

describe('address guard: categories', () => {
  for (const [address, category] of refused) {
    it(`refuses ${address} (${category})`, () => {
      assert.equal(classifyAddress(address).category, category);
      assert.equal(addressAllowed(address, none), false);
    });
  }

  it('refuses anything that is not an address literal', () => {
    for (const a of invalid) {
      assert.equal(classifyAddress(a).category, 'invalid', a);
      assert.equal(addressAllowed(a, none), false, a);
      // Even an allow-everything policy must not let a non-address through.
      assert.equal(addressAllowed(a, parseAllowedNetworks(['0.0.0.0/0', '::/0'])), false, a);
    }
  });

  it('allows globally routable unicast addresses', () => {
    for (const a of allowed) {
      assert.equal(classifyAddress(a).category, 'public', a);
      assert.equal(addressAllowed(a, none), true, a);
    }
  });

  it('judges IPv6 forms that embed an IPv4 address by that address', () => {
    for (const [a, v4] of embeddedPublic) {
      assert.deepEqual(classifyAddress(a), { category: 'public', embeddedIPv4: v4 }, a);
      assert.equal(addressAllowed(a, none), true, a);
    }
    assert.deepEqual(classifyAddress('::ffff:127.0.0.1'), { category: 'loopback', embeddedIPv4: '127.0.0.1' });
    assert.deepEqual(classifyAddress('2002:7f00:1::'), { category: 'loopback', embeddedIPv4: '127.0.0.1' });
  });
});

describe('address guard: --import-allowed-networks', () => {
  it('admits allowed networks, including IPv6 forms of an allowed IPv4 address, and nothing else', () => {
    const policy = parseAllowedNetworks(['127.0.0.0/8', '10.0.0.0/8']);
    for (const a of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1', '10.1.2.3', '::ffff:10.1.2.3'])
      assert.equal(addressAllowed(a, policy), true, a);
    for (const a of ['169.254.169.254', '::ffff:169.254.169.254', '192.168.0.1', '100.64.0.1', '::1', 'fe80::1', '2001::1'])
      assert.equal(addressAllowed(a, policy), false, a);
    assert.equal(addressAllowed('8.8.8.8', policy), true);
  });

  it('admits IPv6 networks and single addresses', () => {
    const policy = parseAllowedNetworks(['fd00::/8', '::1', '192.168.1.10']);
    assert.equal(addressAllowed('fd12::1', policy), true);
    assert.equal(addressAllowed('fc00::1', policy), false);
    assert.equal(addressAllowed('::1', policy), true);
    assert.equal(addressAllowed('192.168.1.10', policy), true);
    assert.equal(addressAllowed('192.168.1.11', policy), false);
  });

  it('rejects malformed entries with an error naming the entry', () => {
    const cases: readonly (readonly [string, RegExp])[] = [
      ['nonsense', /invalid network "nonsense" in --import-allowed-networks: expected an address or CIDR/],
      ['10.0.0.0/', /"10\.0\.0\.0\/".*prefix length must be a whole number from 0 to 32/],
      ['10.0.0.0/33', /"10\.0\.0\.0\/33".*from 0 to 32/],
      ['10.0.0.0/8/9', /"10\.0\.0\.0\/8\/9".*prefix length/],
      ['10.0.0.0/-1', /prefix length/],
      ['10.0.0.0/8.5', /prefix length/],
      ['10.0.0.0/ 8', /prefix length/],
      ['10.0.0.0/0x8', /prefix length/],
      ['fd00::/129', /"fd00::\/129".*from 0 to 128/],
      ['fe80::%eth0/64', /expected an address or CIDR/],
      ['/8', /expected an address or CIDR/],
    ];
    for (const [entry, message] of cases) assert.throws(() => parseAllowedNetworks([entry]), message, entry);
    assert.doesNotThrow(() => parseAllowedNetworks(['0.0.0.0/0', '::/0', 'fd00::/128', '10.0.0.0/32']));
  });
});

describe('address guard: errors', () => {
  it('tells the client only the host it asked for, never what it resolves to', () => {
    const message = blockedAddressMessage('registry.internal.example');
    assert.equal(message, '"registry.internal.example": the server is not allowed to contact this address (see --import-allowed-networks)');
    assert.doesNotMatch(message, /\d+\.\d+\.\d+\.\d+|resolves/);
    const e = new BlockedAddressError(message);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'BlockedAddressError');
    assert.equal(e.message, message);
  });
});
