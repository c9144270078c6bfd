// `getcfcheckpt` (BIP157, protocol.md 9.1): filter type u8, stop hash 32.
import type { GetCFCheckptMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'getcfcheckpt';
export const MAX_PAYLOAD = 1 + 32;

export function encode(w: ByteWriter, m: GetCFCheckptMessage): void {
  w.u8(m.filterType, 'getcfcheckpt.filter_type').fixedBytes(m.stopHash, 32, 'getcfcheckpt.stop_hash');
}

export function decode(payload: Uint8Array): GetCFCheckptMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('getcfcheckpt.filter_type');
  const stopHash = r.hash32('getcfcheckpt.stop_hash');
  r.end(COMMAND);
  return { command: COMMAND, filterType, stopHash };
}
