// `merkleblock` (BIP37, protocol.md 8.4): 80-byte header, uint32 total_transactions, CompactSize
// n + n hashes, var_bytes flag bits. Decoding checks only the syntax and the size caps; the tree
// itself is checked by tx/ `verifyMerkleBlock` (every rejection there is a MerkleError).
import type { MerkleBlockMessage } from '../message.js';
import { MAX_PARTIAL_TREE_FLAG_BYTES, MAX_PARTIAL_TREE_TRANSACTIONS } from '../../tx/partial-merkle.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'merkleblock';
export const HEADER_SIZE = 80;
/** Header + total + (3-byte count + one hash per tx at most) + (3-byte length + flag bytes). */
export const MAX_PAYLOAD = HEADER_SIZE + 4 + 3 + 32 * MAX_PARTIAL_TREE_TRANSACTIONS + 3 + MAX_PARTIAL_TREE_FLAG_BYTES;

export function encode(w: ByteWriter, m: MerkleBlockMessage): void {
  if (m.hashes.length > MAX_PARTIAL_TREE_TRANSACTIONS) throw new WireError('too_many', `merkleblock: ${m.hashes.length} hashes, limit ${MAX_PARTIAL_TREE_TRANSACTIONS}`);
  w.fixedBytes(m.header, HEADER_SIZE, 'merkleblock.header').u32le(m.totalTransactions, 'merkleblock.total_transactions');
  w.compactSize(m.hashes.length, 'merkleblock.hash_count');
  for (const h of m.hashes) w.fixedBytes(h, 32, 'merkleblock.hash');
  w.varBytes(m.flags, MAX_PARTIAL_TREE_FLAG_BYTES, 'merkleblock.flags');
}

export function decode(payload: Uint8Array): MerkleBlockMessage {
  const r = new ByteReader(payload);
  const header = r.bytes(HEADER_SIZE, 'merkleblock.header');
  const totalTransactions = r.u32le('merkleblock.total_transactions');
  const n = r.count(MAX_PARTIAL_TREE_TRANSACTIONS, 32, 'merkleblock.hash_count');
  const hashes = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) hashes[i] = r.hash32('merkleblock.hash');
  const flags = r.varBytes(MAX_PARTIAL_TREE_FLAG_BYTES, 'merkleblock.flags');
  r.end(COMMAND);
  return { command: COMMAND, header, totalTransactions, hashes, flags };
}
