// How field values read in traces and dumps: hashes in display order (as Core's RPC and block
// explorers print them), service bits by name, inventory types by name, Unix times as UTC,
// amounts in BTC, long byte strings cut with their length. Pure text, no colour.
import { hostFromIp16 } from '../../util/ip.js';
import { hashToDisplay, toHex } from '../../util/bytes.js';
import { serviceNames } from '../services.js';
import { InvType, MSG_WITNESS_FLAG } from '../inventory.js';

export type RawValue =
  | { readonly kind: 'u8' | 'u16' | 'u32' | 'i32'; readonly v: number }
  | { readonly kind: 'u64' | 'i64' | 'compact'; readonly v: bigint }
  | { readonly kind: 'bool'; readonly v: boolean }
  | { readonly kind: 'hash' | 'bytes'; readonly v: Uint8Array }
  | { readonly kind: 'string'; readonly v: string };

/** Byte strings longer than this are shown as their first bytes and a length. */
export const MAX_SHOWN_BYTES = 32;
const SATS_PER_BTC = 100_000_000n;

/** Short display-order hash for one-line summaries: first and last 8 hex digits (block hashes
 * start with zeros, so the tail is what tells them apart). */
export function shortHash(wire: Uint8Array): string {
  const h = hashToDisplay(wire);
  return `${h.slice(0, 8)}…${h.slice(-8)}`;
}

/** "NETWORK|WITNESS|P2P_V2", or "NONE". */
export function servicesText(services: bigint): string {
  const names = serviceNames(services);
  return names.length === 0 ? 'NONE' : names.join('|');
}

const INV_NAMES: ReadonlyMap<number, string> = new Map([
  [InvType.ERROR, 'error'],
  [InvType.TX, 'tx'],
  [InvType.BLOCK, 'block'],
  [InvType.FILTERED_BLOCK, 'filtered block'],
  [InvType.CMPCT_BLOCK, 'cmpct block'],
  [InvType.WTX, 'wtx'],
  [InvType.WITNESS_TX, 'witness tx'],
  [InvType.WITNESS_BLOCK, 'witness block'],
  [InvType.FILTERED_WITNESS_BLOCK, 'filtered witness block'],
]);

/** Core protocol.h GetDataMsg names, in words: "wtx", "witness block", or "type 0x…". */
export function invTypeName(type: number): string {
  return INV_NAMES.get(type) ?? `type 0x${type.toString(16)}${type & MSG_WITNESS_FLAG ? ' (witness flag)' : ''}`;
}

export function isoTime(unixSeconds: number | bigint): string {
  const ms = Number(unixSeconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(unixSeconds);
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Satoshis as "0.5 BTC". */
export function btc(sats: bigint): string {
  const neg = sats < 0n;
  const a = neg ? -sats : sats;
  const frac = (a % SATS_PER_BTC).toString().padStart(8, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / SATS_PER_BTC}${frac ? `.${frac}` : ''} BTC`;
}

export function bytesText(b: Uint8Array): string {
  if (b.length === 0) return '(empty)';
  if (b.length <= MAX_SHOWN_BYTES) return toHex(b);
  return `${toHex(b.subarray(0, MAX_SHOWN_BYTES))}… (${b.length.toLocaleString('en-US')} bytes)`;
}

/** The last label part ("version.addr_recv.services" -> "services"). */
function leaf(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

/** A field's value as text, refined by what its name says it is. */
export function formatFieldValue(name: string, raw: RawValue): string {
  const what = leaf(name);
  switch (raw.kind) {
    case 'bool':
      return String(raw.v);
    case 'string':
      return JSON.stringify(raw.v);
    case 'hash':
      return hashToDisplay(raw.v);
    case 'bytes':
      if (what === 'ip' && raw.v.length === 16) return hostFromIp16(raw.v);
      return bytesText(raw.v);
    case 'u64':
    case 'i64':
    case 'compact':
      if (what === 'services') return `0x${raw.v.toString(16)} ${servicesText(raw.v)}`;
      if (what === 'timestamp') return `${raw.v} (${isoTime(raw.v)})`;
      if (what === 'nonce') return `0x${raw.v.toString(16).padStart(16, '0')}`;
      if (what === 'value') return `${raw.v} sat (${btc(raw.v)})`;
      if (what === 'feerate') return `${raw.v} sat/kvB`;
      return raw.v.toString();
    case 'u8':
    case 'u16':
    case 'u32':
    case 'i32':
      if (what === 'type' && (name.startsWith('inv.') || name.startsWith('getdata.') || name.startsWith('notfound.'))) return `${raw.v} (${invTypeName(raw.v)})`;
      if (what === 'time') return `${raw.v} (${isoTime(raw.v)})`;
      if (what === 'bits' || what === 'marker' || what === 'flag' || what === 'sequence' || what === 'nFlags') return `0x${(raw.v >>> 0).toString(16).padStart(raw.kind === 'u8' ? 2 : 8, '0')}`;
      if (what === 'network_id') return `${raw.v} (${BIP155_NAMES[raw.v] ?? 'unknown'})`;
      return String(raw.v);
    default: {
      const never: never = raw;
      return String(never);
    }
  }
}

const BIP155_NAMES: Readonly<Record<number, string>> = { 1: 'IPv4', 2: 'IPv6', 3: 'TorV2', 4: 'TorV3', 5: 'I2P', 6: 'CJDNS', 7: 'Yggdrasil' };

/** BIP155 network name for addrv2 summaries. */
export function bip155Name(networkId: number): string {
  return BIP155_NAMES[networkId] ?? `net ${networkId}`;
}
