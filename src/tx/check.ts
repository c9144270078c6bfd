// What a node rejects on sight, before it looks up a single input: Core's CheckTransaction
// (consensus/tx_check.cpp) plus the size rules of its policy (policy/policy.cpp IsStandardTx).
// Pure: `spv broadcast` refuses with the reason before any traffic, and `spv serve`'s mempool
// runs the same checks on what peers send it.
import { SpvError } from '../util/errors.js';
import { WireError } from '../codec/errors.js';
import { toHex } from '../util/bytes.js';
import { baseSize, decodeTx, isCoinbase, txWeight, type Tx } from './tx.js';

/** Core consensus/amount.h MAX_MONEY: 21,000,000 BTC in satoshis. */
export const MAX_MONEY_SATS = 2_100_000_000_000_000n;
/** Core consensus/consensus.h MAX_BLOCK_WEIGHT. */
export const MAX_BLOCK_WEIGHT = 4_000_000;
/** Core consensus/consensus.h WITNESS_SCALE_FACTOR. */
export const WITNESS_SCALE_FACTOR = 4;
/** Core policy/policy.h MAX_STANDARD_TX_WEIGHT (txrelay.md section 11). */
export const MAX_STANDARD_TX_WEIGHT = 400_000;
/** Core policy/policy.h MIN_STANDARD_TX_NONWITNESS_SIZE (65 since v25). */
export const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;

/**
 * Why a transaction is refused. The Core reject reason of each is in `TxCheckError.coreReason`.
 * consensus: a node discards it and may punish the sender; policy: it is not relayed.
 */
export type TxCheckCode =
  | 'undecodable'
  | 'trailing_bytes'
  | 'no_inputs'
  | 'no_outputs'
  | 'oversize'
  | 'negative_output'
  | 'output_too_large'
  | 'total_too_large'
  | 'duplicate_inputs'
  | 'coinbase'
  | 'null_prevout'
  | 'weight_too_high'
  | 'too_small';

const CORE_REASON: Record<TxCheckCode, string> = {
  undecodable: 'TX decode failed',
  trailing_bytes: 'TX decode failed (extra data after transaction)',
  no_inputs: 'bad-txns-vin-empty',
  no_outputs: 'bad-txns-vout-empty',
  oversize: 'bad-txns-oversize',
  negative_output: 'bad-txns-vout-negative',
  output_too_large: 'bad-txns-vout-toolarge',
  total_too_large: 'bad-txns-txouttotal-toolarge',
  duplicate_inputs: 'bad-txns-inputs-duplicate',
  coinbase: 'coinbase',
  null_prevout: 'bad-txns-prevout-null',
  weight_too_high: 'tx-size',
  too_small: 'tx-size-small',
};

/** Consensus failures (Core: the sender is punished); the rest are policy (just not relayed).
 * A loose coinbase is TX_CONSENSUS in Core too (validation.cpp PreChecks: "coinbase"). */
const CONSENSUS: ReadonlySet<TxCheckCode> = new Set([
  'coinbase',
  'undecodable',
  'trailing_bytes',
  'no_inputs',
  'no_outputs',
  'oversize',
  'negative_output',
  'output_too_large',
  'total_too_large',
  'duplicate_inputs',
  'null_prevout',
]);

export class TxCheckError extends SpvError {
  declare readonly code: TxCheckCode;
  constructor(code: TxCheckCode, message: string) {
    super(code, message);
  }
  /** Core's reject reason string for the same failure. */
  get coreReason(): string {
    return CORE_REASON[this.code];
  }
  /** A consensus rule (not only policy) was broken. */
  get consensus(): boolean {
    return CONSENSUS.has(this.code);
  }
}

/** Core CheckTransaction (consensus): the checks that need no other transaction. Throws TxCheckError. */
export function checkTransaction(tx: Tx): void {
  if (tx.inputs.length === 0) throw new TxCheckError('no_inputs', 'the transaction has no inputs');
  if (tx.outputs.length === 0) throw new TxCheckError('no_outputs', 'the transaction has no outputs');
  // Core: GetSerializeSize(TX_NO_WITNESS(tx)) * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT.
  const base = baseSize(tx);
  if (base * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) throw new TxCheckError('oversize', `${base} bytes without witness: more than a block can hold`);
  let total = 0n;
  tx.outputs.forEach((o, i) => {
    if (o.value < 0n) throw new TxCheckError('negative_output', `output ${i} has a negative amount (${o.value} sat)`);
    if (o.value > MAX_MONEY_SATS) throw new TxCheckError('output_too_large', `output ${i} pays ${o.value} sat, more than 21,000,000 BTC`);
    total += o.value;
    if (total > MAX_MONEY_SATS) throw new TxCheckError('total_too_large', `the outputs add up to more than 21,000,000 BTC`);
  });
  const seen = new Set<string>();
  for (const input of tx.inputs) {
    const k = `${toHex(input.prevout.txid)}:${input.prevout.vout}`;
    if (seen.has(k)) throw new TxCheckError('duplicate_inputs', `input ${k} is spent twice`);
    seen.add(k);
  }
  if (isCoinbase(tx)) throw new TxCheckError('coinbase', 'a coinbase transaction (null prevout) is only valid as the first transaction of a block');
  tx.inputs.forEach((input, i) => {
    if (isNullPrevout(input.prevout)) throw new TxCheckError('null_prevout', `input ${i} spends the null outpoint (coinbase-like)`);
  });
}

/** Core IsStandardTx's size rules (policy): weight ≤ 400,000, non-witness size ≥ 65 bytes. */
export function checkStandardSize(tx: Tx): void {
  const weight = txWeight(tx);
  if (weight > MAX_STANDARD_TX_WEIGHT) throw new TxCheckError('weight_too_high', `weight ${weight} is above the standard limit of ${MAX_STANDARD_TX_WEIGHT}`);
  const base = baseSize(tx);
  if (base < MIN_STANDARD_TX_NONWITNESS_SIZE) throw new TxCheckError('too_small', `${base} bytes without witness, below the standard minimum of ${MIN_STANDARD_TX_NONWITNESS_SIZE}`);
}

/** Both of the above: what any node would refuse before looking at its inputs. */
export function preCheckTransaction(tx: Tx): void {
  checkTransaction(tx);
  checkStandardSize(tx);
}

/** Decodes raw bytes (exactly one transaction) and pre-checks it. Throws TxCheckError. */
export function decodeCheckedTx(bytes: Uint8Array): Tx {
  let tx: Tx;
  try {
    tx = decodeTx(bytes);
  } catch (err) {
    if (err instanceof WireError && err.code === 'trailing_bytes') throw new TxCheckError('trailing_bytes', `bytes left over after the transaction: ${err.message}`);
    if (err instanceof WireError) throw new TxCheckError('undecodable', `not a transaction: ${err.message}`);
    throw err;
  }
  preCheckTransaction(tx);
  return tx;
}

function isNullPrevout(p: { txid: Uint8Array; vout: number }): boolean {
  if (p.vout !== 0xffffffff) return false;
  for (let i = 0; i < 32; i++) if (p.txid[i] !== 0) return false;
  return true;
}
