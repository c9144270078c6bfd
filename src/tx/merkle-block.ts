// The `merkleblock` message on both sides of BIP37: a client verifies one against the header it
// carries (and that header against its validated chain, by hash), a serving peer builds one from
// a full block and the set of transactions its bloom filter matched.
import { type Block, headerMerkleRoot } from './block.js';
import { buildPartialMerkleTree, type MerkleMatch, type PartialMerkleTree, verifyPartialMerkleTree } from './partial-merkle.js';

/** A BIP37 merkle block: a raw 80-byte header and a partial merkle tree (the `merkleblock`
 * message's fields; wire/ adds the command). */
export interface MerkleBlock extends PartialMerkleTree {
  readonly header: Uint8Array;
}

/**
 * The matched txids (with block positions) proven by `msg`; throws MerkleError when the tree is
 * malformed or does not hash to the merkle root in the message's own header. The caller must
 * still check that header is the validated one (compare its hash with the header chain's).
 */
export function verifyMerkleBlock(msg: MerkleBlock): MerkleMatch[] {
  return verifyPartialMerkleTree(msg, headerMerkleRoot(msg.header));
}

/** A merkleblock for `block` proving the txs whose `matched[i]` is true (Core CMerkleBlock). */
export function merkleBlockFor(block: Pick<Block, 'header' | 'txs'>, matched: readonly boolean[]): MerkleBlock {
  const tree = buildPartialMerkleTree(block.txs.map((t) => t.txid), matched);
  return { header: block.header, ...tree };
}
