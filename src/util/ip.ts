// IP address text <-> bytes (16-byte IPv6 with IPv4-mapped ::ffff:a.b.c.d, as in net_addr and
// BIP155 addrv2), and the one canonical text form (RFC 5952) that wire/ and discovery/ share.
// Pure (no node:net); bytes -> text -> bytes is the identity, which the round-trip tests rely on.

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]; // RFC 4291 2.5.5.2

/** True when the 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isIpv4Mapped(ip16: Uint8Array): boolean {
  if (ip16.length !== 16) return false;
  for (let i = 0; i < 12; i++) if (ip16[i] !== MAPPED_PREFIX[i]) return false;
  return true;
}

export function formatIpv4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** RFC 5952 text: lowercase, no leading zeros, longest run (>= 2) of zero groups as "::". */
export function formatIpv6(ip16: Uint8Array): string {
  if (isIpv4Mapped(ip16)) return `::ffff:${formatIpv4(ip16, 12)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip16[i]! << 8) | ip16[i + 1]!);
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** net_addr host text: dotted quad for IPv4-mapped addresses, otherwise IPv6. */
export function hostFromIp16(ip16: Uint8Array): string {
  return isIpv4Mapped(ip16) ? formatIpv4(ip16, 12) : formatIpv6(ip16);
}

/** "a.b.c.d" (decimal, no leading zeros) to 4 bytes, or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** Colon-separated hex groups, optionally ending in a dotted quad (two groups). */
function parseGroups(text: string, allowDotted: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowDotted && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
  }
  return groups;
}

/** IPv6 text (RFC 4291 2.2 forms, no zone id) to 16 bytes, or undefined. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    const all = parseGroups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const left = parseGroups(text.slice(0, gap), false);
    const right = parseGroups(text.slice(gap + 2), true);
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

/** A host as written in NetAddress ("1.2.3.4" or IPv6 text) to the 16-byte net_addr form. */
export function ip16FromHost(host: string): Uint8Array | undefined {
  const v4 = parseIpv4(host);
  if (v4) {
    const out = new Uint8Array(16);
    out.set(MAPPED_PREFIX);
    out.set(v4, 12);
    return out;
  }
  return parseIpv6(host);
}
