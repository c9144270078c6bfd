// `filterload` (BIP37, protocol.md 8.1): filter var_bytes (<= 36,000), nHashFuncs uint32 (<= 50),
// nTweak uint32, nFlags uint8. Over either limit is misbehaviour in Core ("too-large bloom
// filter"), so it decodes as a 'too_many' WireError, which the frame decoder marks misbehaving.
import type { FilterLoadMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'filterload';
export const MAX_BLOOM_FILTER_SIZE = 36_000; // Core common/bloom.h, bytes
export const MAX_HASH_FUNCS = 50; // Core common/bloom.h
/** CompactSize (3 bytes for 36,000) + filter + nHashFuncs 4 + nTweak 4 + nFlags 1. */
export const MAX_PAYLOAD = 3 + MAX_BLOOM_FILTER_SIZE + 9;

function checkLimits(filterBytes: number, hashFuncs: number): void {
  if (filterBytes > MAX_BLOOM_FILTER_SIZE) throw new WireError('too_many', `filterload: ${filterBytes}-byte filter, limit ${MAX_BLOOM_FILTER_SIZE}`);
  if (hashFuncs > MAX_HASH_FUNCS) throw new WireError('too_many', `filterload: ${hashFuncs} hash functions, limit ${MAX_HASH_FUNCS}`);
}

export function encode(w: ByteWriter, m: FilterLoadMessage): void {
  checkLimits(m.filter.length, m.hashFuncs);
  w.varBytes(m.filter, MAX_BLOOM_FILTER_SIZE, 'filterload.filter');
  w.u32le(m.hashFuncs, 'filterload.nHashFuncs').u32le(m.tweak, 'filterload.nTweak').u8(m.flags, 'filterload.nFlags');
}

export function decode(payload: Uint8Array): FilterLoadMessage {
  const r = new ByteReader(payload);
  const len = r.compactSize('filterload.filter');
  if (len > MAX_BLOOM_FILTER_SIZE) checkLimits(len, 0);
  const filter = r.bytes(len, 'filterload.filter');
  const hashFuncs = r.u32le('filterload.nHashFuncs');
  checkLimits(filter.length, hashFuncs);
  const tweak = r.u32le('filterload.nTweak');
  const flags = r.u8('filterload.nFlags');
  r.end(COMMAND);
  return { command: COMMAND, filter, hashFuncs, tweak, flags };
}
