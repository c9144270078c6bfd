// `version` at protocol 70016 (protocol.md 3.1; Core net_processing.cpp PushNodeVersion and the
// VERSION handler): the first message each side sends. The BIP37 relay byte is optional on
// decode; like Core, bytes after it are ignored (Core reads no further), within MAX_PAYLOAD.
import type { VersionMessage } from '../message.js';
import { NET_ADDRESS_SIZE, readNetAddress, writeNetAddress } from '../net-address.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'version';
export const PROTOCOL_VERSION = 70016; // Core node/protocol_version.h
export const MAX_SUBVERSION_LENGTH = 256; // Core net.h: user agent cap in bytes
/** All fields at their largest: 4+8+8+26+26+8 + (3+256) + 4 + 1 = 344 bytes. */
export const MAX_PAYLOAD = 4 + 8 + 8 + 2 * NET_ADDRESS_SIZE + 8 + (3 + MAX_SUBVERSION_LENGTH) + 4 + 1;

/** `relay: undefined` omits the relay byte (only for re-encoding an old peer's message). */
export function encode(w: ByteWriter, m: VersionMessage): void {
  w.i32le(m.version, 'version.version')
    .u64le(m.services, 'version.services')
    .i64le(m.timestamp, 'version.timestamp');
  writeNetAddress(w, m.addrRecv, 'version.addr_recv');
  writeNetAddress(w, m.addrFrom, 'version.addr_from');
  w.u64le(m.nonce, 'version.nonce')
    .varStr(m.userAgent, MAX_SUBVERSION_LENGTH, 'version.user_agent')
    .i32le(m.startHeight, 'version.start_height');
  if (m.relay !== undefined) w.bool(m.relay, 'version.relay');
}

export function decode(payload: Uint8Array): VersionMessage {
  const r = new ByteReader(payload);
  const version = r.i32le('version.version');
  const services = r.u64le('version.services');
  const timestamp = r.i64le('version.timestamp');
  const addrRecv = readNetAddress(r, 'version.addr_recv');
  const addrFrom = readNetAddress(r, 'version.addr_from');
  const nonce = r.u64le('version.nonce');
  const userAgent = r.varStr(MAX_SUBVERSION_LENGTH, 'version.user_agent');
  const startHeight = r.i32le('version.start_height');
  const relay = r.remaining > 0 ? r.bool('version.relay') : undefined; // BIP37: optional
  return { command: COMMAND, version, services, timestamp, addrRecv, addrFrom, nonce, userAgent, startHeight, relay };
}
