// `feefilter` (BIP133): int64 fee rate in satoshis per 1000 virtual bytes; the peer should not
// announce transactions paying less. Range checks (Core MoneyRange) are policy, not codec.
import type { FeeFilterMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'feefilter';
export const MAX_PAYLOAD = 8;

export function encode(w: ByteWriter, message: FeeFilterMessage): void {
  w.i64le(message.feeRate, 'feefilter.feerate');
}

export function decode(payload: Uint8Array): FeeFilterMessage {
  const r = new ByteReader(payload);
  const feeRate = r.i64le('feefilter.feerate');
  r.end(COMMAND);
  return { command: COMMAND, feeRate };
}
