// Merkle roots of txids as Core computes them (consensus/merkle.cpp ComputeMerkleRoot): pair
// hashes level by level with SHA256d(left || right), pairing an odd last hash with itself. That
// duplicate-last rule is what CVE-2012-2459 abuses, so the root comes with a `mutated` flag.
import { hash256 } from './hash.js';

const ZERO_HASH = new Uint8Array(32);

/** SHA256d(left || right): an inner node of a merkle tree (both wire order). */
export function merkleParent(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(left, 0);
  buf.set(right, 32);
  return hash256(buf);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface MerkleRoot {
  /** Wire order; 32 zero bytes for an empty list (as Core). */
  readonly root: Uint8Array;
  /**
   * Two equal hashes sit side by side at some level: another list of txids (with that part
   * duplicated or not) has the same root, so a block with this list must not be trusted as is.
   */
  readonly mutated: boolean;
}

/** Root of a list of leaf hashes (txids, or wtxids for the witness commitment). */
export function merkleRoot(leaves: readonly Uint8Array[]): MerkleRoot {
  if (leaves.length === 0) return { root: ZERO_HASH.slice(), mutated: false };
  let level: Uint8Array[] = leaves.slice();
  let mutated = false;
  while (level.length > 1) {
    for (let i = 0; i + 1 < level.length; i += 2) if (sameHash(level[i]!, level[i + 1]!)) mutated = true;
    const next = new Array<Uint8Array>((level.length + 1) >> 1);
    for (let i = 0; i < level.length; i += 2) next[i >> 1] = merkleParent(level[i]!, level[i + 1] ?? level[i]!);
    level = next;
  }
  return { root: level[0]!.slice(), mutated };
}
