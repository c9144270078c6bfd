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
  // WHATWG URL serialises IPv6 hosts per RFC 5952 (lower case, longest zero run as "::").
  const host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return { host: `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`, family: 4 };
  }
  return { host, family: 6 };
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
