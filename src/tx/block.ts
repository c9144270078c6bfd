// Full blocks: 80-byte header, CompactSize tx count, transactions (Core primitives/block.h).
// Decoding is syntax only; `verifyBlockMerkleRoot` is the check an SPV client makes before
// trusting a block's transactions: the txids hash up to the header's (validated) merkle root
// and the list is not a CVE-2012-2459 mutation of the real one.
import { hash256 } from './hash.js';
import { WireError } from '../codec/errors.js';
import { ByteReader } from '../codec/reader.js';
import { ByteWriter } from '../codec/writer.js';
import { MerkleError } from './errors.js';
import { merkleRoot } from './merkle.js';
import { MIN_TX_SIZE, readTx, type Tx } from './tx.js';

export const BLOCK_HEADER_SIZE = 80;
/** Core consensus/consensus.h MAX_BLOCK_SERIALIZED_SIZE, bytes (with witness data). */
export const MAX_BLOCK_SERIALIZED_SIZE = 4_000_000;
/** Byte offset of hashMerkleRoot inside a header (version 4 + prev 32). */
export const MERKLE_ROOT_OFFSET = 36;

export interface Block {
  /** The raw 80-byte header (wire order fields; decode it with chain/header.ts if needed). */
  readonly header: Uint8Array;
  /** SHA256d(header), wire order. */
  readonly hash: Uint8Array;
  readonly txs: readonly Tx[];
  /** The whole serialization this block was decoded from or built as. */
  readonly raw: Uint8Array;
}

/** The header's merkle root (a view, wire order). */
export function headerMerkleRoot(header: Uint8Array): Uint8Array {
  if (header.length < BLOCK_HEADER_SIZE) throw new WireError('bad_value', `block header: ${header.length} bytes, expected ${BLOCK_HEADER_SIZE}`);
  return header.subarray(MERKLE_ROOT_OFFSET, MERKLE_ROOT_OFFSET + 32);
}

/**
 * A whole block (a `block` payload): at most MAX_BLOCK_SERIALIZED_SIZE bytes, a tx count that
 * the bytes left could hold (MIN_TX_SIZE each) checked before anything is allocated, no bytes
 * left over. Byte fields are views of `bytes`.
 */
export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > MAX_BLOCK_SERIALIZED_SIZE) {
    throw new WireError('oversized', `block: ${bytes.length} bytes, limit ${MAX_BLOCK_SERIALIZED_SIZE}`);
  }
  const r = new ByteReader(bytes);
  const header = r.bytes(BLOCK_HEADER_SIZE, 'block.header');
  const n = r.count(Math.floor(MAX_BLOCK_SERIALIZED_SIZE / MIN_TX_SIZE), MIN_TX_SIZE, 'block.tx_count');
  const txs = new Array<Tx>(n);
  for (let i = 0; i < n; i++) txs[i] = readTx(r, bytes);
  r.end('block');
  return { header, hash: hash256(header), txs, raw: bytes };
}

/** A Block from a header and transactions (built with makeTx/decodeTx): serializes it. */
export function makeBlock(header: Uint8Array, txs: readonly Tx[]): Block {
  if (header.length !== BLOCK_HEADER_SIZE) throw new WireError('bad_value', `block header: ${header.length} bytes, expected ${BLOCK_HEADER_SIZE}`);
  let size = BLOCK_HEADER_SIZE + 9;
  for (const tx of txs) size += tx.raw.length;
  const w = new ByteWriter(size);
  w.bytes(header).compactSize(txs.length);
  for (const tx of txs) w.bytes(tx.raw);
  const raw = w.finish();
  if (raw.length > MAX_BLOCK_SERIALIZED_SIZE) throw new WireError('oversized', `block: ${raw.length} bytes, limit ${MAX_BLOCK_SERIALIZED_SIZE}`);
  const own = Uint8Array.from(raw);
  return { header: own.subarray(0, BLOCK_HEADER_SIZE), hash: hash256(own.subarray(0, BLOCK_HEADER_SIZE)), txs: [...txs], raw: own };
}

/** The merkle root of a block's txids, and whether the list is CVE-2012-2459 mutated. */
export function blockMerkleRoot(txs: readonly Tx[]): { root: Uint8Array; mutated: boolean } {
  return merkleRoot(txs.map((t) => t.txid));
}

/**
 * Throws MerkleError unless the block has transactions, they hash to `expectedRoot` (default:
 * the block's own header field; pass the validated header's root when the header came from
 * elsewhere) and the txid list is not mutated (duplicate adjacent hashes).
 */
export function verifyBlockMerkleRoot(block: Pick<Block, 'header' | 'txs'>, expectedRoot: Uint8Array = headerMerkleRoot(block.header)): void {
  if (block.txs.length === 0) throw new MerkleError('no_transactions', 'block has no transactions');
  const { root, mutated } = blockMerkleRoot(block.txs);
  if (mutated) throw new MerkleError('mutated', 'block txid list has duplicate adjacent hashes (CVE-2012-2459)');
  for (let i = 0; i < 32; i++) {
    if (root[i] !== expectedRoot[i]) throw new MerkleError('root_mismatch', 'merkle root of the block\'s transactions differs from the header\'s');
  }
}
