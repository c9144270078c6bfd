// The reference pack's transaction/block data, loaded once for the tx and bloom tests.
import { readFileSync } from 'node:fs';
import { VECTORS_DIR } from '../helpers/vectors.js';

const DIR = VECTORS_DIR;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const MERKLEBLOCK: any = JSON.parse(readFileSync(`${DIR}/merkleblock.json`, 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BLOOM: any = JSON.parse(readFileSync(`${DIR}/bip37-bloom.json`, 'utf8'));
/** BIP158 vectors: [height, block hash (display), block hex, prev scripts, prev header, filter, header, note]. */
export const BIP158: readonly (readonly [number, string, string, string[], string, string, string, string])[] = JSON.parse(readFileSync(`${DIR}/bip158-testnet-19.json`, 'utf8')).slice(1);

/** Every distinct real block in the pack: name, hex, display hash, and txids (display) when given. */
export interface RealBlock {
  readonly name: string;
  readonly hex: string;
  readonly hash: string;
  readonly txids?: readonly string[];
}

export const REAL_BLOCKS: readonly RealBlock[] = (() => {
  const seen = new Map<string, RealBlock>();
  for (const c of MERKLEBLOCK.cases) {
    if (!seen.has(c.block_hash)) seen.set(c.block_hash, { name: `merkleblock.json ${c.name}`, hex: c.block_hex, hash: c.block_hash, txids: c.all_txids_in_block_order });
  }
  for (const [height, hash, hex, , , , , note] of BIP158) {
    if (!seen.has(hash)) seen.set(hash, { name: `bip158 testnet height ${height}${note ? ` (${note})` : ''}`, hex, hash });
  }
  return [...seen.values()];
})();
