// `cfheaders` (BIP157, protocol.md 9.1): filter type u8, stop hash 32, previous filter header 32,
// CompactSize n + n filter hashes (at most MAX_GETCFHEADERS_SIZE = 2000, as Core serves).
import type { CFHeadersMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';
import { MAX_GETCFHEADERS_SIZE } from './getcfheaders.js';

export const COMMAND = 'cfheaders';
export const MAX_PAYLOAD = 1 + 32 + 32 + 3 + 32 * MAX_GETCFHEADERS_SIZE;

export function encode(w: ByteWriter, m: CFHeadersMessage): void {
  if (m.filterHashes.length > MAX_GETCFHEADERS_SIZE) throw new WireError('too_many', `cfheaders: ${m.filterHashes.length} filter hashes, limit ${MAX_GETCFHEADERS_SIZE}`);
  w.u8(m.filterType, 'cfheaders.filter_type').fixedBytes(m.stopHash, 32, 'cfheaders.stop_hash');
  w.fixedBytes(m.previousFilterHeader, 32, 'cfheaders.previous_filter_header').compactSize(m.filterHashes.length, 'cfheaders.count');
  for (const h of m.filterHashes) w.fixedBytes(h, 32, 'cfheaders.filter_hash');
}

export function decode(payload: Uint8Array): CFHeadersMessage {
  const r = new ByteReader(payload);
  const filterType = r.u8('cfheaders.filter_type');
  const stopHash = r.hash32('cfheaders.stop_hash');
  const previousFilterHeader = r.hash32('cfheaders.previous_filter_header');
  const n = r.count(MAX_GETCFHEADERS_SIZE, 32, 'cfheaders.count');
  const filterHashes = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) filterHashes[i] = r.hash32('cfheaders.filter_hash');
  r.end(COMMAND);
  return { command: COMMAND, filterType, stopHash, previousFilterHeader, filterHashes };
}
