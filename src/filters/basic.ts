// The BIP158 basic block filter (filter type 0): which scripts go in, the parameters P = 19 and
// M = 784931, the SipHash key taken from the block hash, and matching a wallet's scripts
// against a filter received in a `cfilter` message.
import { FilterError } from './errors.js';
import { buildGcs, gcsMatchAny, type GcsParams } from './gcs.js';
import { toHex } from '../util/bytes.js';

/** BIP158 / BIP157: filter type byte of the basic filter. */
export const BASIC_FILTER_TYPE = 0;
/** BIP158 "Basic filter": Golomb-Rice parameter (Core blockfilter.h BASIC_FILTER_P). */
export const BASIC_FILTER_P = 19;
/** BIP158 "Basic filter": 1 / false-positive rate (Core blockfilter.h BASIC_FILTER_M). */
export const BASIC_FILTER_M = 784931;
/** First opcode byte of an unspendable output (script.h OP_RETURN); such outputs are left out. */
const OP_RETURN = 0x6a;

/** GCS parameters of the basic filter of the block with this hash (32 bytes, wire order). */
export function basicFilterParams(blockHash: Uint8Array): GcsParams {
  if (blockHash.length !== 32) throw new FilterError('bad_argument', `block hash must be 32 bytes, got ${blockHash.length}`);
  // BIP158: "the first 16 bytes of the hash (in standard little-endian representation)".
  return { p: BASIC_FILTER_P, m: BASIC_FILTER_M, key: blockHash.subarray(0, 16) };
}

/**
 * The distinct elements of a block's basic filter (Core blockfilter.cpp BasicFilterElements):
 * every output script of every transaction except empty and OP_RETURN scripts, plus the script
 * of every output spent by the block's non-coinbase inputs except empty ones. The caller passes
 * the previous-output scripts of non-coinbase inputs only (a coinbase spends nothing).
 */
export function basicFilterElements(outputScripts: readonly Uint8Array[], spentPrevoutScripts: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const add = (script: Uint8Array): void => {
    const k = toHex(script);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(script);
  };
  for (const s of outputScripts) if (s.length > 0 && s[0] !== OP_RETURN) add(s);
  for (const s of spentPrevoutScripts) if (s.length > 0) add(s);
  return out;
}

/** The serialized basic filter (as carried in `cfilter`) of a block, from its filter elements. */
export function buildBasicFilter(blockHash: Uint8Array, elements: readonly Uint8Array[]): Uint8Array {
  return buildGcs(basicFilterParams(blockHash), elements);
}

/** True when any of `scripts` (probably) is in the block's basic filter; false-positive rate
 * about 1/784931 per script. Throws FilterError if the filter is malformed. */
export function matchAny(filter: Uint8Array, blockHash: Uint8Array, scripts: readonly Uint8Array[]): boolean {
  return gcsMatchAny(basicFilterParams(blockHash), filter, scripts);
}

/** `matchAny` for a single script. */
export function match(filter: Uint8Array, blockHash: Uint8Array, script: Uint8Array): boolean {
  return gcsMatchAny(basicFilterParams(blockHash), filter, [script]);
}
