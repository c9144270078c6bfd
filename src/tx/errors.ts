// Errors of the transaction/block layer that are not about byte syntax (a malformed
// serialization is a WireError, like any other payload): merkle roots that do not add up,
// mutated blocks (CVE-2012-2459) and BIP37 partial merkle trees that must be rejected.
import { SpvError } from '../util/errors.js';

export type MerkleErrorCode =
  /** A block or partial tree claiming zero transactions (Core: ExtractMatches returns null). */
  | 'no_transactions'
  /** total_transactions above what fits in a block (MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT). */
  | 'too_many_transactions'
  /** More hashes than transactions: no honest tree has that (Core merkleblock.cpp). */
  | 'too_many_hashes'
  /** Fewer flag bits than hashes: at least one bit per node that carries a hash. */
  | 'too_few_bits'
  /** The walk needed another flag bit than the message holds. */
  | 'bits_exhausted'
  /** The walk needed another hash than the message holds. */
  | 'hashes_exhausted'
  /** Left and right children of a node are equal: the CVE-2012-2459 duplication trick. */
  | 'duplicate_hash'
  /** The walk finished with hashes not used. */
  | 'hashes_left_over'
  /** The walk finished with more than the final partial byte of flag bits unused. */
  | 'bits_left_over'
  /** The computed root is not the header's merkle root. */
  | 'root_mismatch'
  /** A full block whose txid list has equal adjacent hashes (CVE-2012-2459: same root, other txs). */
  | 'mutated';

export class MerkleError extends SpvError {
  declare readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string) {
    super(code, message);
  }
}
