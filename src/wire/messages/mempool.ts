// `mempool` (BIP35): empty; asks for an inv of the peer's mempool (Core requires NODE_BLOOM).
import type { MempoolMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'mempool';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: MempoolMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): MempoolMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
