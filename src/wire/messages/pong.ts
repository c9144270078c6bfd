// `pong` (BIP31): echoes the uint64 nonce of the `ping` it answers.
import type { PongMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'pong';
export const MAX_PAYLOAD = 8;

export function encode(w: ByteWriter, message: PongMessage): void {
  w.u64le(message.nonce, 'pong.nonce');
}

export function decode(payload: Uint8Array): PongMessage {
  const r = new ByteReader(payload);
  const nonce = r.u64le('pong.nonce');
  r.end(COMMAND);
  return { command: COMMAND, nonce };
}
