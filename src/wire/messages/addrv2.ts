// `addrv2` (BIP155): CompactSize count + entries of time uint32 | services CompactSize |
// network id uint8 | addr var_bytes (max 512) | port uint16 BE; at most 1000 entries.
// Decision: entries with UNKNOWN network ids are KEPT (raw bytes, host undefined) so the codec
// is lossless and re-encodes byte for byte; consumers (the address book) must skip any entry
// whose networkId they do not handle. A KNOWN id with the wrong length makes the whole message
// invalid ('bad_value'), as Core's deserializer throws (netaddress.h UnserializeV2Stream).
import { Bip155Network, type AddrV2Entry, type AddrV2Message } from '../message.js';
import { WireError } from '../errors.js';
import { formatIpv4, formatIpv6 } from '../../util/ip.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'addrv2';
export const MAX_ADDR_TO_SEND = 1000; // Core net_processing.cpp
export const MAX_ADDRV2_SIZE = 512; // BIP155; Core netaddress.h
/** time 4 + services up to 9 + id 1 + length up to 3 + addr up to 512 + port 2 = 531 bytes. */
const MAX_ENTRY_SIZE = 4 + 9 + 1 + 3 + MAX_ADDRV2_SIZE + 2;
const MIN_ENTRY_SIZE = 4 + 1 + 1 + 1 + 0 + 2;
export const MAX_PAYLOAD = 3 + MAX_ADDR_TO_SEND * MAX_ENTRY_SIZE;

/** Address length fixed by BIP155 for each known network id, undefined for unknown ids. */
export function bip155AddressLength(networkId: number): number | undefined {
  switch (networkId) {
    case Bip155Network.IPv4: return 4;
    case Bip155Network.IPv6: return 16;
    case Bip155Network.TorV2: return 10; // dead network, kept only so lengths are checked
    case Bip155Network.TorV3: return 32;
    case Bip155Network.I2P: return 32;
    case Bip155Network.CJDNS: return 16;
    case Bip155Network.Yggdrasil: return 16;
    default: return undefined;
  }
}

/** Text host for networks reachable by IP (IPv4, IPv6, CJDNS), as AddrV2Entry.host documents. */
export function bip155Host(networkId: number, addr: Uint8Array): string | undefined {
  if (addr.length !== bip155AddressLength(networkId)) return undefined;
  switch (networkId) {
    case Bip155Network.IPv4: return formatIpv4(addr);
    case Bip155Network.IPv6:
    case Bip155Network.CJDNS: return formatIpv6(addr);
    default: return undefined;
  }
}

/** Builds an entry with `host` derived from the address bytes. */
export function makeAddrV2Entry(e: Omit<AddrV2Entry, 'host'>): AddrV2Entry {
  return { time: e.time, services: e.services, networkId: e.networkId, addr: e.addr, host: bip155Host(e.networkId, e.addr), port: e.port };
}

function checkLength(networkId: number, length: number): void {
  const expected = bip155AddressLength(networkId);
  if (expected !== undefined && length !== expected) {
    throw new WireError('bad_value', `addrv2: network ${networkId} address is ${length} bytes, BIP155 says ${expected}`);
  }
}

/** `host` is ignored: the bytes in `addr` are what goes on the wire. */
export function encode(w: ByteWriter, m: AddrV2Message): void {
  if (m.addresses.length > MAX_ADDR_TO_SEND) {
    throw new WireError('too_many', `addrv2: ${m.addresses.length} addresses, limit ${MAX_ADDR_TO_SEND}`);
  }
  w.compactSize(m.addresses.length, 'addrv2.count');
  for (const e of m.addresses) {
    checkLength(e.networkId, e.addr.length);
    w.u32le(e.time, 'addrv2.time')
      .compactSize(e.services, 'addrv2.services')
      .u8(e.networkId, 'addrv2.network_id')
      .varBytes(e.addr, MAX_ADDRV2_SIZE, 'addrv2.addr')
      .u16be(e.port, 'addrv2.port');
  }
}

export function decode(payload: Uint8Array): AddrV2Message {
  const r = new ByteReader(payload);
  const n = r.count(MAX_ADDR_TO_SEND, MIN_ENTRY_SIZE, 'addrv2.count');
  const addresses = new Array<AddrV2Entry>(n);
  for (let i = 0; i < n; i++) {
    const time = r.u32le('addrv2.time');
    const services = r.compactSizeU64('addrv2.services'); // BIP155: CompactSize, not uint64
    const networkId = r.u8('addrv2.network_id');
    const addr = r.varBytes(MAX_ADDRV2_SIZE, 'addrv2.addr');
    checkLength(networkId, addr.length);
    const port = r.u16be('addrv2.port');
    addresses[i] = { time, services, networkId, addr, host: bip155Host(networkId, addr), port };
  }
  r.end(COMMAND);
  return { command: COMMAND, addresses };
}
