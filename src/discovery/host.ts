// IP address text as discovery compares it: one canonical spelling per address (lower-case,
// compressed IPv6; IPv4-mapped IPv6 written as IPv4) so "host+port" deduplication works, and
// the one rule for which addresses spv can dial (plain TCP over IPv4 or IPv6).
import { isIP } from 'node:net';
import { formatIpv6, hostFromIp16, isIpv4Mapped, parseIpv6 } from '../util/ip.js';

export type IpFamily = 4 | 6;

export interface CanonicalIp {
  readonly host: string;
  readonly family: IpFamily;
}

/** Canonical form of an IP literal, or undefined when `text` is not one (names, zone ids, ...). */
export function canonicalIp(text: string): CanonicalIp | undefined {
  const family = isIP(text);
  if (family === 4) return { host: text, family: 4 };
  const ip16 = family === 6 && !text.includes('%') ? parseIpv6(text) : undefined;
  if (!ip16) return undefined;
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2) is an IPv4 address carried in IPv6.
  return isIpv4Mapped(ip16) ? { host: hostFromIp16(ip16), family: 4 } : { host: formatIpv6(ip16), family: 6 };
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
