// `getaddr` (Core protocol.h GETADDR; asks for an addr/addrv2 reply): empty payload.
import type { GetAddrMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'getaddr';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: GetAddrMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): GetAddrMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
