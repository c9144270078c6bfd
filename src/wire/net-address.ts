// net_addr as used by `version` (26 bytes, no time) and legacy `addr` (30 bytes, with time):
// services uint64 LE, 16-byte IPv6 (IPv4 as ::ffff:a.b.c.d), port uint16 BIG-endian
// (protocol.md 2.2; Core protocol.h CAddress / netaddress.h CService).
import type { NetAddress, TimedNetAddress } from './message.js';
import { WireError } from './errors.js';
import { hostFromIp16, ip16FromHost } from '../util/ip.js';
import type { ByteReader } from '../codec/reader.js';
import type { ByteWriter } from '../codec/writer.js';

export const NET_ADDRESS_SIZE = 26;
export const TIMED_NET_ADDRESS_SIZE = 30;

export function readNetAddress(r: ByteReader, what: string): NetAddress {
  const services = r.u64le(`${what}.services`);
  const ip = r.bytes(16, `${what}.ip`);
  const port = r.u16be(`${what}.port`);
  return { services, host: hostFromIp16(ip), port };
}

export function writeNetAddress(w: ByteWriter, a: NetAddress, what: string): void {
  const ip = ip16FromHost(a.host);
  if (!ip) throw new WireError('bad_value', `${what}: host ${JSON.stringify(a.host)} is not an IPv4 or IPv6 address`);
  w.u64le(a.services, `${what}.services`).bytes(ip, `${what}.ip`).u16be(a.port, `${what}.port`);
}

export function readTimedNetAddress(r: ByteReader, what: string): TimedNetAddress {
  const time = r.u32le(`${what}.time`);
  return { time, ...readNetAddress(r, what) };
}

export function writeTimedNetAddress(w: ByteWriter, a: TimedNetAddress, what: string): void {
  w.u32le(a.time, `${what}.time`);
  writeNetAddress(w, a, what);
}
