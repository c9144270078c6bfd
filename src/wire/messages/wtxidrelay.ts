// `wtxidrelay` (BIP339; sent between receiving version and sending verack): empty payload.
import type { WtxidRelayMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'wtxidrelay';
export const MAX_PAYLOAD = 0;

export function encode(_w: ByteWriter, _message: WtxidRelayMessage): void {
  // nothing: the envelope alone is the message
}

export function decode(payload: Uint8Array): WtxidRelayMessage {
  new ByteReader(payload).end(COMMAND);
  return { command: COMMAND };
}
