// `sendheaders` (BIP130; asks for block announcements as headers): empty payload.
import type { SendHeadersMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'sendheaders';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: SendHeadersMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): SendHeadersMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
