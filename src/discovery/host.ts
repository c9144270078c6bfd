// IP address text as discovery compares it: one canonical spelling per address (lower-case,
// compressed IPv6; IPv4-mapped IPv6 written as IPv4) so "host+port" deduplication works, and
// the one rule for which addresses spv can dial (plain TCP over IPv4 or IPv6).
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export interface CanonicalIp {
  readonly host: string;
  readonly family: IpFamily;
}

/** Canonical form of an IP literal, or undefined when `text` is not one (names, zone ids, ...). */
export function canonicalIp(text: string): CanonicalIp | undefined {
  const family = isIP(text);
  if (family === 4) return { host: text, family: 4 };
  if (family !== 6 || text.includes('%')) return undefined;
  const groups = ipv6Groups(text);
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2) is an IPv4 address carried in IPv6.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return { host: `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`, family: 4 };
  return { host: formatIpv6(groups), family: 6 };
}

/** The eight 16-bit groups of an address node:net's isIP accepted as IPv6 (no zone id). */
function ipv6Groups(text: string): number[] {
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups written in decimal.
  const s = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = s.split('::') as [string, string | undefined];
  if (rest === undefined) return parse(head);
  const left = parse(head);
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952 4: lower-case hex, no leading zeros, the longest run (2+) of zero groups as "::". */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
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

/** CJDNS uses fc00::/8 (BIP155 network id 6); those hosts are unreachable over plain TCP. */
export function isCjdns(canonicalV6: string): boolean {
  return /^fc[0-9a-f]{2}:/.test(canonicalV6);
}

/** The canonical host when `text` is an IPv4/IPv6 address spv can dial, else undefined. */
export function dialableIp(text: string): CanonicalIp | undefined {
  const ip = canonicalIp(text);
  if (!ip || (ip.family === 6 && isCjdns(ip.host))) return undefined;
  return ip;
}

/** Key for deduplication: canonical host plus port. */
export function addressKey(host: string, port: number): string {
  return `${canonicalIp(host)?.host ?? host.toLowerCase()}|${port}`;
}
