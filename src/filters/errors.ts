// Errors of the compact-filter layer (BIP157/158). A `FilterError` is either a malformed filter
// (bytes a peer sent that do not decode as a Golomb-coded set) or a filter-header chain that does
// not link or disagrees with a checkpoint; its stable `code` lets the peer layer choose a reason.
import { SpvError } from '../util/errors.js';

export type FilterErrorCode =
  /** CompactSize N is not in Core's canonical form (serialize.h ReadCompactSize). */
  | 'non_canonical'
  /** N larger than the bit stream could hold (each element takes at least P+1 bits), or >= 2^32. */
  | 'count_exceeds_data'
  /** The bit stream ended inside an element. */
  | 'truncated'
  /** Whole bytes left after the N-th element (Core: "encoded_filter contains excess data"). */
  | 'trailing_data'
  /** A decoded value at or above F = N * M (never produced by an honest encoder). */
  | 'value_out_of_range'
  /** A caller passed a key, hash or parameter of the wrong shape (a bug, not a peer). */
  | 'bad_argument'
  /** cfheaders: previous_filter_header differs from the header we already hold for that height. */
  | 'previous_header_mismatch'
  /** A computed filter header differs from a cfcheckpt entry at a multiple of 1000. */
  | 'checkpoint_mismatch';

export class FilterError extends SpvError {
  declare readonly code: FilterErrorCode;
  constructor(
    code: FilterErrorCode,
    message: string,
    /** Block height concerned, when known (header-chain errors). */
    readonly height?: number,
  ) {
    super(code, message);
  }
}
