// `sendcmpct` (BIP152): bool announce + uint64 compact-block version. Core sends (0, 2) after
// verack; a light client only needs to decode it.
import type { SendCmpctMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'sendcmpct';
export const MAX_PAYLOAD = 9;

export function encode(w: ByteWriter, message: SendCmpctMessage): void {
  w.bool(message.announce, 'sendcmpct.announce').u64le(message.version, 'sendcmpct.version');
}

export function decode(payload: Uint8Array): SendCmpctMessage {
  const r = new ByteReader(payload);
  const announce = r.bool('sendcmpct.announce');
  const version = r.u64le('sendcmpct.version');
  r.end(COMMAND);
  return { command: COMMAND, announce, version };
}
