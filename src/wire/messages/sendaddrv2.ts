// `sendaddrv2` (BIP155; sent between receiving version and sending verack): empty payload.
import type { SendAddrV2Message } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'sendaddrv2';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: SendAddrV2Message): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): SendAddrV2Message {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
