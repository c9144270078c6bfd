// BIP37 transaction matching (protocol.md 8.3; Core bloom.cpp IsRelevantAndUpdate) as a serving
// peer runs it to pick the transactions of a merkleblock, and the elements a wallet puts in its
// filter for the scripts and outpoints it watches.
import type { MerkleBlockMessage } from '../wire/message.js';
import type { Block } from '../tx/block.js';
import { merkleBlockFor } from '../tx/merkle-block.js';
import type { MerkleMatch } from '../tx/partial-merkle.js';
import { isBareMultisig, isPayToPubkey, scriptOps, scriptPushes } from '../tx/script.js';
import { outpointBytes, type Tx } from '../tx/tx.js';
import { BloomFlags, type BloomFilter } from './filter.js';

function firstPushInFilter(filter: BloomFilter, script: Uint8Array): boolean {
  for (const op of scriptOps(script)) if (op.data !== undefined && op.data.length > 0 && filter.contains(op.data)) return true;
  return false;
}

/**
 * True when `tx` matches the filter, in Core's order: its txid; a data push of any output script
 * (then, under UPDATE_ALL, or UPDATE_P2PUBKEY_ONLY for pay-to-pubkey / bare multisig outputs, the
 * outpoint of that output is inserted into the filter, so spends of it match later); and only if
 * nothing matched so far, a spent outpoint or a data push of an input script. Witnesses are not
 * looked at. Mutates `filter` as described.
 */
export function isRelevantAndUpdate(filter: BloomFilter, tx: Tx): boolean {
  if (filter.size === 0) return true; // zero-size filter = "match all" (Core)
  let found = filter.contains(tx.txid);
  const rule = filter.updateRule;
  tx.outputs.forEach((out, vout) => {
    if (!firstPushInFilter(filter, out.scriptPubKey)) return;
    found = true;
    if (rule === BloomFlags.UPDATE_ALL) filter.insertOutpoint({ txid: tx.txid, vout });
    else if (rule === BloomFlags.UPDATE_P2PUBKEY_ONLY && (isPayToPubkey(out.scriptPubKey) || isBareMultisig(out.scriptPubKey))) {
      filter.insertOutpoint({ txid: tx.txid, vout });
    }
  });
  if (found) return true;
  for (const input of tx.inputs) {
    if (filter.contains(outpointBytes(input.prevout))) return true;
    if (firstPushInFilter(filter, input.scriptSig)) return true;
  }
  return false;
}

export interface FilteredBlock {
  /** The merkleblock proving the matched transactions. */
  readonly merkleBlock: MerkleBlockMessage;
  /** Matched transactions with their position, in block order (Core sends each as a `tx`). */
  readonly matches: readonly (MerkleMatch & { readonly tx: Tx })[];
}

/**
 * What a BIP37 serving peer answers to getdata MSG_FILTERED_BLOCK (Core CMerkleBlock(block,
 * filter)): each transaction tested in block order with `isRelevantAndUpdate` (so the filter
 * grows as it goes), a partial merkle tree over the matches, and the matched transactions.
 */
export function filterBlock(filter: BloomFilter, block: Pick<Block, 'header' | 'txs'>): FilteredBlock {
  const matched = block.txs.map((tx) => isRelevantAndUpdate(filter, tx));
  const matches: (MerkleMatch & { tx: Tx })[] = [];
  matched.forEach((m, index) => {
    if (m) matches.push({ index, txid: block.txs[index]!.txid, tx: block.txs[index]! });
  });
  return { merkleBlock: { command: 'merkleblock', ...merkleBlockFor(block, matched) }, matches };
}

/**
 * Filter elements that make a wallet's output script match (protocol.md 8.3 step 2): its
 * non-empty data pushes (the key hash of P2PKH/P2WPKH, script hash of P2SH/P2WSH, x-only key
 * of P2TR, the key of P2PK). Insert these, plus the outpoints the wallet already owns; with
 * UPDATE_ALL the peer adds new outpoints paying to the wallet itself, so spends match too.
 */
export function bloomElementsForScript(scriptPubKey: Uint8Array): Uint8Array[] {
  return scriptPushes(scriptPubKey).map((p) => p.slice());
}
