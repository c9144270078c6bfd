// BIP37 partial merkle trees (the proof inside `merkleblock`), following Core merkleblock.cpp:
// `buildPartialMerkleTree` is TraverseAndBuild (the serving side), `extractMatches` is
// ExtractMatches/TraverseAndExtract with every rejection of protocol.md 8.4 as a MerkleError.
import { MerkleError } from './errors.js';
import { merkleParent } from './merkle.js';

/**
 * Largest total_transactions accepted: MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT =
 * 4,000,000 / (4 x 60) = 16,666 (Core merkleblock.cpp ExtractMatches, consensus.h).
 */
export const MAX_PARTIAL_TREE_TRANSACTIONS = 16_666;
/** Most flag bytes an honest tree of that size needs: one bit per node of the full tree. */
export const MAX_PARTIAL_TREE_FLAG_BYTES = Math.ceil((2 * MAX_PARTIAL_TREE_TRANSACTIONS + 16) / 8);

export interface PartialMerkleTree {
  /** Transactions in the block (uint32 on the wire). */
  readonly totalTransactions: number;
  /** Node hashes in depth-first order, wire order. */
  readonly hashes: readonly Uint8Array[];
  /** Flag bits, depth-first, least significant bit of each byte first. */
  readonly flags: Uint8Array;
}

/** A transaction the tree proves: its position in the block and its txid (wire order). */
export interface MerkleMatch {
  readonly index: number;
  readonly txid: Uint8Array;
}

/** Width of the tree at `height` (leaves are height 0): ceil(total / 2^height). */
function treeWidth(total: number, height: number): number {
  return Math.floor((total + 2 ** height - 1) / 2 ** height);
}

function treeHeight(total: number): number {
  let h = 0;
  while (treeWidth(total, h) > 1) h++;
  return h;
}

/** Hash of the node at (height, pos) of the full tree over `txids`. */
function nodeHash(txids: readonly Uint8Array[], height: number, pos: number): Uint8Array {
  if (height === 0) return txids[pos]!;
  const left = nodeHash(txids, height - 1, pos * 2);
  const right = pos * 2 + 1 < treeWidth(txids.length, height - 1) ? nodeHash(txids, height - 1, pos * 2 + 1) : left;
  return merkleParent(left, right);
}

/**
 * The partial tree proving the txids whose `matched[i]` is true (same length as `txids`): the
 * exact bytes Core's CPartialMerkleTree would send for that match set.
 */
export function buildPartialMerkleTree(txids: readonly Uint8Array[], matched: readonly boolean[]): PartialMerkleTree {
  const total = txids.length;
  if (matched.length !== total) throw new RangeError(`buildPartialMerkleTree: ${total} txids but ${matched.length} match flags`);
  if (total === 0) throw new MerkleError('no_transactions', 'cannot build a partial merkle tree of zero transactions');
  // prefix sums of matches, so "is any leaf under this node matched" is O(1)
  const before = new Uint32Array(total + 1);
  for (let i = 0; i < total; i++) before[i + 1] = before[i]! + (matched[i] ? 1 : 0);
  const bits: boolean[] = [];
  const hashes: Uint8Array[] = [];
  const walk = (height: number, pos: number): void => {
    const from = pos * 2 ** height;
    const to = Math.min((pos + 1) * 2 ** height, total);
    const parentOfMatch = before[to]! - before[from]! > 0;
    bits.push(parentOfMatch);
    if (height === 0 || !parentOfMatch) {
      hashes.push(nodeHash(txids, height, pos));
      return;
    }
    walk(height - 1, pos * 2);
    if (pos * 2 + 1 < treeWidth(total, height - 1)) walk(height - 1, pos * 2 + 1);
  };
  walk(treeHeight(total), 0);
  const flags = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, i) => {
    if (b) flags[i >> 3]! |= 1 << (i & 7);
  });
  return { totalTransactions: total, hashes: hashes.map((h) => h.slice()), flags };
}

/**
 * Walks the tree (depth first, left before right) and returns the root it commits to and the
 * matched txids with their block positions. Throws MerkleError for every malformed tree Core
 * rejects: zero or too many transactions, more hashes than transactions, fewer bits than hashes,
 * running out of bits or hashes, equal left/right children (CVE-2012-2459), hashes left over,
 * or more than the final partial byte of flag bits unused.
 */
export function extractMatches(tree: PartialMerkleTree): { root: Uint8Array; matches: MerkleMatch[] } {
  const total = tree.totalTransactions;
  const nBits = tree.flags.length * 8;
  if (total === 0) throw new MerkleError('no_transactions', 'partial merkle tree of zero transactions');
  if (total > MAX_PARTIAL_TREE_TRANSACTIONS) throw new MerkleError('too_many_transactions', `partial merkle tree claims ${total} transactions, at most ${MAX_PARTIAL_TREE_TRANSACTIONS} fit in a block`);
  if (tree.hashes.length > total) throw new MerkleError('too_many_hashes', `partial merkle tree has ${tree.hashes.length} hashes for ${total} transactions`);
  if (nBits < tree.hashes.length) throw new MerkleError('too_few_bits', `partial merkle tree has ${nBits} flag bits for ${tree.hashes.length} hashes`);
  let bitsUsed = 0;
  let hashesUsed = 0;
  const matches: MerkleMatch[] = [];
  const walk = (height: number, pos: number): Uint8Array => {
    if (bitsUsed >= nBits) throw new MerkleError('bits_exhausted', `partial merkle tree ran out of flag bits (${nBits})`);
    const bit = (tree.flags[bitsUsed >> 3]! >> (bitsUsed & 7)) & 1;
    bitsUsed++;
    if (height === 0 || bit === 0) {
      if (hashesUsed >= tree.hashes.length) throw new MerkleError('hashes_exhausted', `partial merkle tree ran out of hashes (${tree.hashes.length})`);
      const hash = tree.hashes[hashesUsed++]!;
      if (height === 0 && bit === 1) matches.push({ index: pos, txid: hash });
      return hash;
    }
    const left = walk(height - 1, pos * 2);
    if (pos * 2 + 1 >= treeWidth(total, height - 1)) return merkleParent(left, left);
    const right = walk(height - 1, pos * 2 + 1);
    if (sameHash(left, right)) throw new MerkleError('duplicate_hash', `partial merkle tree: equal left and right hashes at height ${height}, position ${pos} (CVE-2012-2459)`);
    return merkleParent(left, right);
  };
  const root = walk(treeHeight(total), 0);
  if (hashesUsed !== tree.hashes.length) throw new MerkleError('hashes_left_over', `partial merkle tree: ${tree.hashes.length - hashesUsed} of ${tree.hashes.length} hashes not used`);
  if ((bitsUsed + 7) >> 3 !== tree.flags.length) throw new MerkleError('bits_left_over', `partial merkle tree: ${bitsUsed} flag bits used, ${tree.flags.length} flag bytes sent`);
  return { root, matches };
}

/** `extractMatches`, then MerkleError('root_mismatch') unless the root is `merkleRoot` (wire order). */
export function verifyPartialMerkleTree(tree: PartialMerkleTree, merkleRoot: Uint8Array): MerkleMatch[] {
  const { root, matches } = extractMatches(tree);
  if (merkleRoot.length !== 32 || !sameHash(root, merkleRoot)) throw new MerkleError('root_mismatch', 'partial merkle tree root differs from the header\'s merkle root');
  return matches;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
