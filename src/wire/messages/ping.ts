// `ping` (BIP31): uint64 nonce; the peer answers with a `pong` carrying the same nonce.
// Core pings every 2 minutes with a random non-zero nonce (protocol.md 3.4).
import type { PingMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'ping';
export const MAX_PAYLOAD = 8;

export function encode(w: ByteWriter, message: PingMessage): void {
  w.u64le(message.nonce, 'ping.nonce');
}

export function decode(payload: Uint8Array): PingMessage {
  const r = new ByteReader(payload);
  const nonce = r.u64le('ping.nonce');
  r.end(COMMAND);
  return { command: COMMAND, nonce };
}
