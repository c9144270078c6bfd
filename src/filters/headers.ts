// BIP157 filter headers: filter_hash = SHA256d(filter), header = SHA256d(filter_hash ||
// previous header), the header before genesis being 32 zero bytes. Turns a `cfheaders` batch into
// headers and checks it against what we already hold (`cfcheckpt` entries every 1000 blocks).
// All hashes are 32 bytes in wire order.
import { FilterError } from './errors.js';
import { bytesEqual, concatBytes, hashToDisplay, isZero } from '../util/bytes.js';
import { sha256d } from '../util/hash.js';

/** Core index/blockfilterindex.h CFCHECKPT_INTERVAL: cfcheckpt lists headers at 1000, 2000, ... */
export const CFCHECKPT_INTERVAL = 1000;

/** BIP157: the previous filter header of the genesis block. */
export const GENESIS_PREVIOUS_FILTER_HEADER: Uint8Array = new Uint8Array(32);

function check32(h: Uint8Array, what: string): void {
  if (h.length !== 32) throw new FilterError('bad_argument', `${what} must be 32 bytes, got ${h.length}`);
}

/** SHA256d of the serialized filter (the value carried in `cfheaders`). */
export function filterHash(filter: Uint8Array): Uint8Array {
  return sha256d(filter);
}

/** SHA256d(filterHash || previousHeader). */
export function filterHeader(filterHashValue: Uint8Array, previousHeader: Uint8Array): Uint8Array {
  check32(filterHashValue, 'filter hash');
  check32(previousHeader, 'previous filter header');
  return sha256d(concatBytes([filterHashValue, previousHeader]));
}

/** The header committing to `filter` on top of `previousHeader`. */
export function filterHeaderOf(filter: Uint8Array, previousHeader: Uint8Array): Uint8Array {
  return filterHeader(filterHash(filter), previousHeader);
}

/** True when `filter` is the one committed to by `header` (whose predecessor is `previousHeader`):
 * how a client checks a `cfilter` against its verified header chain. */
export function filterMatchesHeader(filter: Uint8Array, previousHeader: Uint8Array, header: Uint8Array): boolean {
  return bytesEqual(filterHeaderOf(filter, previousHeader), header);
}

/** Chains filter hashes onto `previousHeader`: element i is the header of the (i+1)-th block. */
export function chainFilterHeaders(previousHeader: Uint8Array, filterHashes: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = previousHeader;
  for (const h of filterHashes) {
    prev = filterHeader(h, prev);
    out.push(prev);
  }
  return out;
}

/** Filter headers known for certain heights (from cfcheckpt, or already verified). */
export type FilterCheckpoints = ReadonlyMap<number, Uint8Array>;

/** A `cfcheckpt` reply's headers by height: entry i is the header at (i + 1) * 1000. */
export function checkpointsFromCfcheckpt(headers: readonly Uint8Array[]): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  headers.forEach((h, i) => {
    check32(h, `cfcheckpt entry ${i}`);
    out.set((i + 1) * CFCHECKPT_INTERVAL, h);
  });
  return out;
}

/** Height of the first cfcheckpt entry on which two replies differ (a shorter list ends early
 * without disagreeing), or undefined when they agree on their common prefix. */
export function firstCheckpointDisagreement(a: readonly Uint8Array[], b: readonly Uint8Array[]): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!bytesEqual(a[i], b[i])) return (i + 1) * CFCHECKPT_INTERVAL;
  return undefined;
}

export interface CfheadersBatch {
  /** Height of the block whose filter hash is filterHashes[0] (getcfheaders start_height). */
  readonly startHeight: number;
  /** Filter header at startHeight - 1 (zeros when startHeight is 0). */
  readonly previousFilterHeader: Uint8Array;
  readonly filterHashes: readonly Uint8Array[];
}

/**
 * Computes the headers of a `cfheaders` batch (element i = height startHeight + i) and checks
 * them: previous_filter_header must be zeros at height 0 and equal any known header at
 * startHeight - 1; every computed header at a known height must equal it. Throws FilterError
 * 'previous_header_mismatch' or 'checkpoint_mismatch' (with the height) otherwise.
 */
export function verifyCfheaders(batch: CfheadersBatch, known: FilterCheckpoints = new Map()): Uint8Array[] {
  const { startHeight, previousFilterHeader } = batch;
  if (!Number.isSafeInteger(startHeight) || startHeight < 0) throw new FilterError('bad_argument', `start height ${startHeight} is not a non-negative integer`);
  check32(previousFilterHeader, 'previous filter header');
  if (startHeight === 0 && !isZero(previousFilterHeader)) {
    throw new FilterError('previous_header_mismatch', `cfheaders from height 0 must start from 32 zero bytes, got ${hashToDisplay(previousFilterHeader)}`, 0);
  }
  const expectedPrev = known.get(startHeight - 1);
  if (expectedPrev !== undefined && !bytesEqual(expectedPrev, previousFilterHeader)) {
    throw new FilterError(
      'previous_header_mismatch',
      `previous filter header for height ${startHeight - 1} is ${hashToDisplay(previousFilterHeader)}, expected ${hashToDisplay(expectedPrev)}`,
      startHeight - 1,
    );
  }
  const headers = chainFilterHeaders(previousFilterHeader, batch.filterHashes);
  headers.forEach((h, i) => {
    const height = startHeight + i;
    const expected = known.get(height);
    if (expected !== undefined && !bytesEqual(expected, h)) {
      throw new FilterError('checkpoint_mismatch', `filter header at height ${height} is ${hashToDisplay(h)}, checkpoint says ${hashToDisplay(expected)}`, height);
    }
  });
  return headers;
}
