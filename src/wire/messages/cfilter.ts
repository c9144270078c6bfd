// `cfilter` (BIP157, protocol.md 9.1): filter type u8, block hash 32, filter var_bytes (the
// BIP158 serialization: CompactSize N || Golomb-Rice bits). Bounded only by the frame cap.
import type { CFilterMessage } from '../message.js';
import { ByteReader } from '../reader.js';
import type { ByteWriter } from '../writer.js';

export const COMMAND = 'cfilter';
export const MAX_PAYLOAD = 4_000_000; // MAX_PROTOCOL_MESSAGE_LENGTH (Core net.h)
/** The filter field can hold what is left after type (1), hash (32) and a 5-byte CompactSize. */
export const MAX_FILTER_BYTES = MAX_PAYLOAD - 1 - 32 - 5;

export function encode(w: ByteWriter, m: CFilterMessage): void {
  w.u8(m.filterType, 'cfilter.filter_type').fixedBytes(m.blockHash, 32, 'cfilter.block_hash').varBytes(m.filter, MAX_FILTER_BYTES, 'cfilter.filter');
}

export function decode(payload: Uint8Array): CFilterMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('cfilter.filter_type');
  const blockHash = r.hash32('cfilter.block_hash');
  const filter = r.bytes(r.compactSize('cfilter.filter'), 'cfilter.filter');
  r.end(COMMAND);
  return { command: COMMAND, filterType, blockHash, filter };
}
