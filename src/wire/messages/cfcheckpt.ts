// `cfcheckpt` (BIP157, protocol.md 9.1): filter type u8, stop hash 32, CompactSize n + n filter
// headers (one per 1000 blocks, CFCHECKPT_INTERVAL). Capped at 2000 entries (a 2,000,000-block
// chain), like cfheaders: far above any real chain, small enough to bound the allocation.
import type { CFCheckptMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'cfcheckpt';
export const CFCHECKPT_INTERVAL = 1000; // Core index/blockfilterindex.h, blocks
export const MAX_CFCHECKPT_HEADERS = 2000;
export const MAX_PAYLOAD = 1 + 32 + 3 + 32 * MAX_CFCHECKPT_HEADERS;

export function encode(w: ByteWriter, m: CFCheckptMessage): void {
  if (m.filterHeaders.length > MAX_CFCHECKPT_HEADERS) throw new WireError('too_many', `cfcheckpt: ${m.filterHeaders.length} filter headers, limit ${MAX_CFCHECKPT_HEADERS}`);
  w.u8(m.filterType, 'cfcheckpt.filter_type').fixedBytes(m.stopHash, 32, 'cfcheckpt.stop_hash').compactSize(m.filterHeaders.length, 'cfcheckpt.count');
  for (const h of m.filterHeaders) w.fixedBytes(h, 32, 'cfcheckpt.filter_header');
}

export function decode(payload: Uint8Array): CFCheckptMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('cfcheckpt.filter_type');
  const stopHash = r.hash32('cfcheckpt.stop_hash');
  const n = r.count(MAX_CFCHECKPT_HEADERS, 32, 'cfcheckpt.count');
  const filterHeaders = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) filterHeaders[i] = r.hash32('cfcheckpt.filter_header');
  r.end(COMMAND);
  return { command: COMMAND, filterType, stopHash, filterHeaders };
}
