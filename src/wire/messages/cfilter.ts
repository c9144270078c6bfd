// `cfilter` (BIP157, protocol.md 9.1): filter type u8, block hash 32, filter var_bytes (the
// BIP158 serialization: CompactSize N || Golomb-Rice bits). Capped at the largest basic filter
// a valid block can have, so a lying peer's oversized filter is refused from the frame header.
import type { CFilterMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'cfilter';

/** Core consensus/consensus.h MAX_BLOCK_WEIGHT. */
const MAX_BLOCK_WEIGHT = 4_000_000;
/** Core consensus/consensus.h WITNESS_SCALE_FACTOR: weight of one non-witness byte. */
const WITNESS_SCALE_FACTOR = 4;
/**
 * Fewest non-witness bytes that put one element into a BIP158 basic filter: an output of
 * 8 value bytes, a 1-byte script length and a 1-byte script (empty scripts are left out). A spent
 * prevout costs more (an input is at least 32 + 4 + 1 + 4 = 41 bytes).
 */
const MIN_BYTES_PER_FILTER_ELEMENT = 8 + 1 + 1;
/** Most elements a basic filter of a valid block can hold: 4,000,000 / (4 × 10) = 100,000. */
export const MAX_BASIC_FILTER_ELEMENTS = Math.floor(MAX_BLOCK_WEIGHT / (WITNESS_SCALE_FACTOR * MIN_BYTES_PER_FILTER_ELEMENT));
/** BIP158 basic filter parameters P and M (Core blockfilter.h BASIC_FILTER_P / _M). */
const BASIC_P = 19;
const BASIC_M = 784931;
/**
 * Largest BIP158 basic filter of a valid block, bytes: CompactSize(N) (5 bytes for N ≥ 65,536),
 * then per element a Golomb-Rice code of P remainder bits plus a unary quotient and its stop bit;
 * the N sorted deltas sum to less than N × M, so all quotients together are at most
 * N × M / 2^P. With N = 100,000: 5 + ceil((100,000 × 20 + 149,713) / 8) = 268,720 bytes.
 */
export const MAX_BASIC_FILTER_BYTES =
  5 + Math.ceil((MAX_BASIC_FILTER_ELEMENTS * (BASIC_P + 1) + Math.floor((MAX_BASIC_FILTER_ELEMENTS * BASIC_M) / 2 ** BASIC_P)) / 8);
/** The filter field holds at most a basic filter (BIP158 defines no other filter type). */
export const MAX_FILTER_BYTES = MAX_BASIC_FILTER_BYTES;
/** Filter type (1), block hash (32), CompactSize of the filter length (at most 5 here), filter. */
export const MAX_PAYLOAD = 1 + 32 + 5 + MAX_FILTER_BYTES;

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
