// `verack` (Core protocol.h VERACK; acknowledges the peer's version): empty payload.
import type { VerackMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'verack';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: VerackMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): VerackMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
