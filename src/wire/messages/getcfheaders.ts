// `getcfheaders` (BIP157, protocol.md 9.1): filter type u8, start height u32, stop hash 32.
// Core serves at most MAX_GETCFHEADERS_SIZE = 2000 filter hashes per request.
import type { GetCFHeadersMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'getcfheaders';
export const MAX_GETCFHEADERS_SIZE = 2000; // Core net_processing.cpp, headers per request
export const MAX_PAYLOAD = 1 + 4 + 32;

export function encode(w: ByteWriter, m: GetCFHeadersMessage): void {
  w.u8(m.filterType, 'getcfheaders.filter_type').u32le(m.startHeight, 'getcfheaders.start_height').fixedBytes(m.stopHash, 32, 'getcfheaders.stop_hash');
}

export function decode(payload: Uint8Array): GetCFHeadersMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('getcfheaders.filter_type');
  const startHeight = r.u32le('getcfheaders.start_height');
  const stopHash = r.hash32('getcfheaders.stop_hash');
  r.end(COMMAND);
  return { command: COMMAND, filterType, startHeight, stopHash };
}
