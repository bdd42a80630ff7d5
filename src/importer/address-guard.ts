/**
 * Which addresses the importer may connect to. The importer fetches URLs that API clients choose,
 * so without this guard anyone who can create an ImageStreamImport could make the server probe
 * its own loopback services, the cluster network or a cloud metadata endpoint.
 *
 * The decision is made by category rather than by a list of literals: an address is allowed by
 * default only if it is globally routable unicast. IPv6 forms that carry an IPv4 address inside
 * them (IPv4-mapped, NAT64, 6to4, ...) are judged by that IPv4 address, because on a host with
 * the matching translation or tunnel the connection really goes there. Anything we cannot parse
 * is refused. The operator can allow networks with --import-allowed-networks; that list is checked
 * against both the address as written and any embedded IPv4 address.
 *
 * Callers pass addresses only (DNS answers, or URL hosts that are address literals); resolving
 * names is the caller's job, and it must check every address it connects to.
 */
import { BlockList, isIP } from 'node:net';

export interface NetworkPolicy {
  /** Networks the operator allows even though they are not globally routable. */
  readonly allowed: BlockList;
}

export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'discard-only'
  | 'teredo'
  | 'nat64-local'
  | 'reserved'
  | 'invalid';

export interface AddressClass {
  readonly category: AddressCategory;
  /** For IPv6 forms that carry an IPv4 address, that address (the category is its category). */
  readonly embeddedIPv4?: string;
}

// ---- parsing -------------------------------------------------------------------------------

type Parsed = { readonly v: 4; readonly n: bigint } | { readonly v: 6; readonly n: bigint };

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    // Decimal only: "0x7f" or "0177" mean 127 to some resolvers, so refuse rather than guess.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseIPv6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (!half) return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [i, p] of parts.entries()) {
      if (p.includes('.')) {
        // A dotted-quad tail (::ffff:127.0.0.1) stands for the last two groups.
        const v4 = i === parts.length - 1 ? parseIPv4(p) : undefined;
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  // A dotted tail may only end the address, so not before '::'.
  if (halves.length === 2 && halves[0]?.includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail]) n = (n << 16n) | BigInt(g);
  return n;
}

/** Zone ids (fe80::1%eth0) pick an interface, not a different address, so they are dropped. */
function stripZone(address: string): string {
  const i = address.indexOf('%');
  return (i < 0 ? address : address.slice(0, i)).toLowerCase();
}

function parse(address: string): Parsed | undefined {
  const a = stripZone(address);
  // node:net's own check first, so nothing we accept is rejected by the socket layer or vice versa.
  const family = isIP(a);
  if (family === 4) {
    const n = parseIPv4(a);
    return n === undefined ? undefined : { v: 4, n };
  }
  if (family === 6) {
    const n = parseIPv6(a);
    return n === undefined ? undefined : { v: 6, n };
  }
  return undefined;
}

function formatIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

// ---- categories ----------------------------------------------------------------------------

interface Prefix {
  readonly net: bigint;
  readonly bits: number;
}
interface Range extends Prefix {
  readonly category: AddressCategory;
}

function prefix(width: 32 | 128, net: string, bits: number): Prefix {
  const p = parse(net);
  if (!p || (p.v === 4 ? 32 : 128) !== width) throw new Error(`address-guard table: bad network ${net}`);
  return { net: p.n, bits };
}

function ranges(width: 32 | 128, rows: readonly (readonly [string, number, AddressCategory])[]): Range[] {
  return rows.map(([net, bits, category]) => ({ ...prefix(width, net, bits), category }));
}

function inRange(n: bigint, width: number, r: Prefix): boolean {
  const shift = BigInt(width - r.bits);
  return n >> shift === r.net >> shift;
}

// First match wins, so narrower ranges come before the ranges that contain them.
const IPV4 = ranges(32, [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 32, 'unspecified'],
  // Connecting to 0.x.x.x reaches this host on some systems.
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  // Protocol assignments (a few anycast services no registry lives on): refused as a block.
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'], // the retired 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]);

// ::/128 and ::1 are decided before this table is consulted (see classifyIPv6).
const IPV6 = ranges(128, [
  // The local-use NAT64 prefix may be cut at any length, so where the IPv4 address sits inside
  // it is a local decision we cannot know; refuse it unless the operator allows the prefix.
  ['64:ff9b:1::', 48, 'nat64-local'],
  ['100::', 64, 'discard-only'],
  // Teredo hides the IPv4 address (obfuscated), and the tunnel may reach anything: refuse.
  ['2001::', 32, 'teredo'],
  ['2001:2::', 48, 'benchmarking'],
  // The rest of the protocol-assignment block (ORCHID, anycast services): refused as a block.
  ['2001::', 23, 'reserved'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  // Only 2000::/3 is handed out as global unicast; the rest of the space is not routable.
  ['2000::', 3, 'public'],
]);

/** IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at. */
const EMBEDDED_TAIL = [
  prefix(128, '::ffff:0:0', 96), // IPv4-mapped
  prefix(128, '::ffff:0:0:0', 96), // IPv4-translated
  prefix(128, '::', 96), // IPv4-compatible (:: and ::1 are decided before this is consulted)
  prefix(128, '64:ff9b::', 96), // NAT64 well-known prefix
];
const SIX_TO_FOUR = prefix(128, '2002::', 16);

function classifyIPv4(n: bigint): AddressCategory {
  return IPV4.find((r) => inRange(n, 32, r))?.category ?? 'public';
}

function embedded(n: bigint): AddressClass {
  return { category: classifyIPv4(n), embeddedIPv4: formatIPv4(n) };
}

function classifyIPv6(n: bigint): AddressClass {
  // Before the IPv4-compatible range, which contains both.
  if (n <= 1n) return { category: n === 0n ? 'unspecified' : 'loopback' };
  if (EMBEDDED_TAIL.some((r) => inRange(n, 128, r))) return embedded(n & 0xffff_ffffn);
  // 6to4: 2002:AABB:CCDD::/48 is routed through the IPv4 address AA.BB.CC.DD.
  if (inRange(n, 128, SIX_TO_FOUR)) return embedded((n >> 80n) & 0xffff_ffffn);
  const category = IPV6.find((r) => inRange(n, 128, r))?.category ?? 'reserved';
  // ISATAP interface ids (0000:5efe or 0200:5efe, then an IPv4 address) tunnel to that IPv4
  // address if this host has an ISATAP interface; refuse when that address is not public.
  const iidHigh = (n >> 32n) & 0xffff_ffffn;
  if (category === 'public' && (iidHigh === 0x0000_5efen || iidHigh === 0x0200_5efen)) {
    const inner = embedded(n & 0xffff_ffffn);
    if (inner.category !== 'public') return inner;
  }
  return { category };
}

/** The category of an address (IPv4 or IPv6 text); 'invalid' for anything that is not one. */
export function classifyAddress(address: string): AddressClass {
  const p = parse(address);
  if (!p) return { category: 'invalid' };
  return p.v === 4 ? { category: classifyIPv4(p.n) } : classifyIPv6(p.n);
}

// ---- policy --------------------------------------------------------------------------------

/** Parses the --import-allowed-networks entries: addresses or CIDRs, IPv4 or IPv6. */
export function parseAllowedNetworks(cidrs: readonly string[]): NetworkPolicy {
  const allowed = new BlockList();
  for (const c of cidrs) {
    const bad = (why: string) => new Error(`invalid network ${JSON.stringify(c)} in --import-allowed-networks: ${why}`);
    const slash = c.indexOf('/');
    const net = slash < 0 ? c : c.slice(0, slash);
    const bits = slash < 0 ? undefined : c.slice(slash + 1);
    const family = isIP(net);
    if (!family || net.includes('%')) throw bad('expected an address or CIDR');
    const max = family === 6 ? 128 : 32;
    // Checked here because Number('') is 0, which would silently allow every address.
    if (bits !== undefined && (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max)) {
      throw bad(`the prefix length must be a whole number from 0 to ${max}`);
    }
    allowed.addSubnet(net, bits === undefined ? max : Number(bits), family === 6 ? 'ipv6' : 'ipv4');
  }
  return { allowed };
}

/** Whether the importer may connect to `address` (an address, never a host name). */
export function addressAllowed(address: string, policy: NetworkPolicy): boolean {
  const { category, embeddedIPv4 } = classifyAddress(address);
  if (category === 'public') return true;
  if (category === 'invalid') return false;
  const a = stripZone(address);
  if (policy.allowed.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4')) return true;
  // So that allowing 127.0.0.0/8 also admits ::ffff:127.0.0.1, and 10.0.0.0/8 a NAT64 form of 10.x.
  return embeddedIPv4 !== undefined && policy.allowed.check(embeddedIPv4, 'ipv4');
}

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

/**
 * What the client is told when a host is refused. It names only the host the client gave: what
 * that name resolves to is the server's network view, which callers must not learn from errors.
 */
export function blockedAddressMessage(host: string): string {
  return `${JSON.stringify(host)}: the server is not allowed to contact this address (see --import-allowed-networks)`;
}
