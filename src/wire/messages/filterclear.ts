// `filterclear` (BIP37): empty; removes the peer's filter and restores full tx relay.
import type { FilterClearMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'filterclear';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: FilterClearMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): FilterClearMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
