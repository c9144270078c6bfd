// `getcfilters` (BIP157, protocol.md 9.1): filter type u8, start height u32, stop hash 32.
// Core answers with one `cfilter` per block, at most MAX_GETCFILTERS_SIZE = 1000 per request.
import type { GetCFiltersMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'getcfilters';
export const MAX_GETCFILTERS_SIZE = 1000; // Core net_processing.cpp, blocks per request
export const MAX_PAYLOAD = 1 + 4 + 32;

export function encode(w: ByteWriter, m: GetCFiltersMessage): void {
  w.u8(m.filterType, 'getcfilters.filter_type').u32le(m.startHeight, 'getcfilters.start_height').fixedBytes(m.stopHash, 32, 'getcfilters.stop_hash');
}

export function decode(payload: Uint8Array): GetCFiltersMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('getcfilters.filter_type');
  const startHeight = r.u32le('getcfilters.start_height');
  const stopHash = r.hash32('getcfilters.stop_hash');
  r.end(COMMAND);
  return { command: COMMAND, filterType, startHeight, stopHash };
}
