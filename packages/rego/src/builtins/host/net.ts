/**
 * net.cidr_* with Go's net package semantics: strict textual forms (no leading zeros in IPv4, no zones),
 * IPv4-mapped IPv6 addresses treated as IPv4 when matched, IPv4 and IPv6 never overlapping.
 */
import { fail } from './errors';
import { Impl, isArray, isString, toSet } from './values';

/** An address as a 128-bit integer; `v4` when it is (or maps to) an IPv4 address. */
interface Address {
  value: bigint;
  v4: boolean;
}

/** A network in the address family it matches in: IPv4 networks use 32 bits, IPv6 networks 128. */
interface Network {
  first: bigint;
  bits: 32 | 128;
  prefix: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones are not accepted by ParseIP/ParseCIDR
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** net.ParseIP; IPv4-mapped IPv6 addresses count as IPv4 (Go's To4). */
export function parseIP(s: string): Address | undefined {
  if (s.includes(':')) {
    const value = parseIPv6(s);
    if (value === undefined) return undefined;
    const mapped = value >> 32n === 0xffffn;
    return mapped ? { value: value & 0xffffffffn, v4: true } : { value, v4: false };
  }
  const v4 = parseIPv4(s);
  return v4 === undefined ? undefined : { value: v4, v4: true };
}

const mask = (bits: number, prefix: number): bigint => ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
const hostMask = (n: Network): bigint => (1n << BigInt(n.bits - n.prefix)) - 1n;
const lastOf = (n: Network): bigint => n.first | hostMask(n);

/** net.ParseCIDR; an IPv6 network whose masked address is IPv4-mapped matches like the IPv4 network it maps. */
export function parseCIDR(s: string): Network | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(len) || len.length > 4) return undefined;
  const prefix = Number(len);
  if (addr.includes(':')) {
    const value = parseIPv6(addr);
    if (value === undefined || prefix > 128) return undefined;
    const first = value & mask(128, prefix);
    if (first >> 32n === 0xffffn) return { first: first & 0xffffffffn, bits: 32, prefix: Math.max(0, prefix - 96) };
    return { first, bits: 128, prefix };
  }
  const value = parseIPv4(addr);
  if (value === undefined || prefix > 32) return undefined;
  return { first: value & mask(32, prefix), bits: 32, prefix };
}

function contains(n: Network, a: Address): boolean {
  if ((n.bits === 32) !== a.v4) return false;
  return (a.value & ~hostMask(n)) === n.first;
}

const asAddress = (n: Network, value: bigint): Address => ({ value, v4: n.bits === 32 });

function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

/** RFC 5952 text, as Go prints IPv6 addresses (longest run of two or more zero groups compressed). */
function formatIPv6(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const formatNetwork = (n: Network): string => `${n.bits === 32 ? formatIPv4(n.first) : formatIPv6(n.first)}/${n.prefix}`;
const formatAddress = (n: Network, v: bigint): string => (n.bits === 32 ? formatIPv4(v) : formatIPv6(v));

function networkOrFail(builtin: string, s: string): Network {
  return parseCIDR(s) ?? fail(builtin, `invalid CIDR address: ${s}`);
}

/** Networks (and bare IPv4 addresses, with Go's classful default mask) for net.cidr_merge. */
function mergeInput(s: string): Network {
  const ip = parseIP(s);
  if (!ip) return networkOrFail('net.cidr_merge', s);
  if (!ip.v4) fail('net.cidr_merge', 'IPv6 invalid: needs prefix length');
  const firstOctet = Number(ip.value >> 24n);
  const prefix = firstOctet < 0x80 ? 8 : firstOctet < 0xc0 ? 16 : firstOctet < 0xe0 ? 24 : 32;
  return { first: ip.value & mask(32, prefix), bits: 32, prefix };
}

/** The fewest CIDR blocks covering [first, last] exactly. */
function rangeToNetworks(first: bigint, last: bigint, bits: 32 | 128): Network[] {
  const out: Network[] = [];
  let cur = first;
  while (cur <= last) {
    let size = 0;
    while (size < bits && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= last) size++;
    out.push({ first: cur, bits, prefix: bits - size });
    cur += 1n << BigInt(size);
  }
  return out;
}

function mergeNetworks(networks: Network[]): string[] {
  const out: string[] = [];
  for (const bits of [32, 128] as const) {
    const ranges = networks
      .filter((n) => n.bits === bits)
      .map((n) => [n.first, lastOf(n)] as [bigint, bigint])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: Array<[bigint, bigint]> = [];
    for (const r of ranges) {
      const prev = merged[merged.length - 1];
      if (prev && r[0] <= prev[1] + 1n) prev[1] = r[1] > prev[1] ? r[1] : prev[1];
      else merged.push([r[0], r[1]]);
    }
    for (const [first, last] of merged) out.push(...rangeToNetworks(first, last, bits).map(formatNetwork));
  }
  return out;
}

/** net.cidr_expand materialises every address; beyond this many it would take the process down. */
const MAX_EXPANSION = 65_536;

export const netBuiltins: Record<string, Impl> = {
  'net.cidr_contains': (cidr, other) => {
    if (!isString(cidr) || !isString(other)) return undefined;
    const net = networkOrFail('net.cidr_contains', cidr);
    const ip = parseIP(other);
    if (ip) return contains(net, ip);
    const inner = parseCIDR(other);
    if (!inner) fail('net.cidr_contains', `not a valid textual representation of an IP address or CIDR: ${other}`);
    return contains(net, asAddress(inner, inner.first)) && contains(net, asAddress(inner, lastOf(inner)));
  },
  'net.cidr_intersects': (a, b) => {
    if (!isString(a) || !isString(b)) return undefined;
    const x = networkOrFail('net.cidr_intersects', a);
    const y = networkOrFail('net.cidr_intersects', b);
    return contains(x, asAddress(y, y.first)) || contains(y, asAddress(x, x.first));
  },
  'net.cidr_is_valid': (cidr) => isString(cidr) && parseCIDR(cidr) !== undefined,
  'net.cidr_expand': (cidr) => {
    if (!isString(cidr)) return undefined;
    const net = networkOrFail('net.cidr_expand', cidr);
    const count = hostMask(net) + 1n;
    if (count > BigInt(MAX_EXPANSION)) fail('net.cidr_expand', `refusing to expand ${cidr}: more than ${MAX_EXPANSION} addresses`);
    const out: string[] = [];
    for (let v = net.first; v <= lastOf(net); v++) out.push(formatAddress(net, v));
    return toSet(out);
  },
  'net.cidr_merge': (xs) => {
    if (!isArray(xs) || !xs.every(isString)) return undefined;
    return toSet(mergeNetworks(xs.map(mergeInput)));
  },
};
