// Errors of the BIP37 layer: filter parameters outside what the protocol allows (a wallet asking
// for an impossible filter, or a peer's filterload we refuse to load).
import { SpvError } from '../util/errors.js';

export type BloomErrorCode =
  /** Element count not a positive integer, false-positive rate not in (0, 1), tweak or flags out of range. */
  | 'bad_parameters'
  /** Filter over MAX_BLOOM_FILTER_SIZE bytes or over MAX_HASH_FUNCS hash functions. */
  | 'too_large';

export class BloomError extends SpvError {
  declare readonly code: BloomErrorCode;

  constructor(code: BloomErrorCode, message: string) {
    super(code, message);
  }
}
