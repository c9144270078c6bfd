// Making transactions and blocks for tests and for the local peer (`spv serve --generate`):
// BIP34 coinbases, spends of given outpoints with dummy (unsigned) scriptSigs/witnesses shaped
// like the spent output's type, standard output scripts, and headers committing to the txs.
// Nothing is signed: an SPV client never checks signatures, only merkle proofs and PoW.
import { concatBytes } from '../util/bytes.js';
import { hash256 } from './hash.js';
import { WireError } from '../codec/errors.js';
import { type Block, BLOCK_HEADER_SIZE, makeBlock } from './block.js';
import { merkleRoot } from './merkle.js';
import { OP_0, OP_1, OP_CHECKSIG, OP_DUP, OP_EQUAL, OP_EQUALVERIFY, OP_HASH160, OP_RETURN, pushData, pushInt } from './script.js';
import { makeTx, NULL_INDEX, type OutPoint, type Tx, type TxOut } from './tx.js';

/** nSequence that opts out of relative lock-time and RBF (Core CTxIn::SEQUENCE_FINAL). */
export const SEQUENCE_FINAL = 0xffffffff;
/** BIP141 witness commitment output prefix: OP_RETURN, push 36, 0xaa21a9ed. */
export const WITNESS_COMMITMENT_HEADER = Uint8Array.of(OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed);

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new WireError('bad_value', `${what}: ${b.length} bytes, expected ${n}`);
}

/** Bytes and byte lists, joined. */
function concat(...parts: readonly (Uint8Array | number[])[]): Uint8Array {
  return concatBytes(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
}

// --- output scripts --------------------------------------------------------------------------

/** OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG */
export function p2pkhScript(hash160: Uint8Array): Uint8Array {
  checkLength(hash160, 20, 'p2pkh hash');
  return concat([OP_DUP, OP_HASH160, 20], hash160, [OP_EQUALVERIFY, OP_CHECKSIG]);
}
/** OP_HASH160 <20> OP_EQUAL */
export function p2shScript(hash160: Uint8Array): Uint8Array {
  checkLength(hash160, 20, 'p2sh hash');
  return concat([OP_HASH160, 20], hash160, [OP_EQUAL]);
}
/** OP_0 <20> (BIP141 v0 key hash) */
export function p2wpkhScript(hash160: Uint8Array): Uint8Array {
  checkLength(hash160, 20, 'p2wpkh program');
  return concat([OP_0, 20], hash160);
}
/** OP_0 <32> (BIP141 v0 script hash) */
export function p2wshScript(sha256: Uint8Array): Uint8Array {
  checkLength(sha256, 32, 'p2wsh program');
  return concat([OP_0, 32], sha256);
}
/** OP_1 <32-byte x-only key> (BIP341) */
export function p2trScript(xonly: Uint8Array): Uint8Array {
  checkLength(xonly, 32, 'p2tr program');
  return concat([OP_1, 32], xonly);
}
/** OP_RETURN <data> */
export function opReturnScript(data: Uint8Array): Uint8Array {
  return concat([OP_RETURN], pushData(data));
}

type ScriptKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'other';

function scriptKind(s: Uint8Array): ScriptKind {
  if (s.length === 25 && s[0] === OP_DUP && s[1] === OP_HASH160 && s[2] === 20 && s[23] === OP_EQUALVERIFY && s[24] === OP_CHECKSIG) return 'p2pkh';
  if (s.length === 23 && s[0] === OP_HASH160 && s[1] === 20 && s[22] === OP_EQUAL) return 'p2sh';
  if (s.length === 22 && s[0] === OP_0 && s[1] === 20) return 'p2wpkh';
  if (s.length === 34 && s[0] === OP_0 && s[1] === 32) return 'p2wsh';
  if (s.length === 34 && s[0] === OP_1 && s[1] === 32) return 'p2tr';
  return 'other';
}

// --- dummy unlocking data (right shape and size, not valid signatures) ----------------------

/** A DER-shaped 71-byte "signature" + SIGHASH_ALL, deterministic per `tag`. */
function dummySignature(tag: number): Uint8Array {
  const sig = new Uint8Array(72);
  sig.set([0x30, 0x45, 0x02, 0x21, 0x00], 0);
  for (let i = 5; i < 71; i++) sig[i] = (tag * 31 + i) & 0xff;
  sig[37] = 0x02;
  sig[38] = 0x20;
  sig[71] = 0x01; // SIGHASH_ALL
  return sig;
}
function dummyPubkey(tag: number): Uint8Array {
  const key = new Uint8Array(33);
  key[0] = 0x02;
  for (let i = 1; i < 33; i++) key[i] = (tag * 17 + i * 7) & 0xff;
  return key;
}
function dummySchnorr(tag: number): Uint8Array {
  const sig = new Uint8Array(64);
  for (let i = 0; i < 64; i++) sig[i] = (tag * 13 + i * 3) & 0xff;
  return sig;
}

/** scriptSig and witness that look like a spend of an output with script `spent`. */
export function dummyUnlock(spent: Uint8Array, tag = 0): { scriptSig: Uint8Array; witness: Uint8Array[] } {
  const empty = new Uint8Array(0);
  switch (scriptKind(spent)) {
    case 'p2pkh':
      return { scriptSig: concat(pushData(dummySignature(tag)), pushData(dummyPubkey(tag))), witness: [] };
    case 'p2sh':
      return { scriptSig: concat(pushData(dummySignature(tag)), pushData(Uint8Array.of(OP_1))), witness: [] };
    case 'p2wpkh':
      return { scriptSig: empty, witness: [dummySignature(tag), dummyPubkey(tag)] };
    case 'p2wsh':
      return { scriptSig: empty, witness: [dummySignature(tag), Uint8Array.of(OP_1)] };
    case 'p2tr':
      return { scriptSig: empty, witness: [dummySchnorr(tag)] };
    case 'other':
      return { scriptSig: Uint8Array.of(OP_1), witness: [] };
  }
}

// --- transactions ----------------------------------------------------------------------------

export interface CoinbaseOptions {
  /** Block height, pushed first in the scriptSig (BIP34). */
  readonly height: number;
  readonly outputs: readonly TxOut[];
  /** Pushed after the height so coinbases of equal height differ (default OP_0, as Core's miner). */
  readonly extraNonce?: Uint8Array;
  /**
   * BIP141 commitment from `witnessCommitment(otherTxs)`: adds the OP_RETURN commitment output
   * and the 32-byte zero witness reserved value to the coinbase.
   */
  readonly witnessCommitment?: Uint8Array;
}

/** A coinbase transaction (version 2) for `height`. */
export function coinbaseTx(opts: CoinbaseOptions): Tx {
  if (!Number.isSafeInteger(opts.height) || opts.height < 0) throw new WireError('bad_value', `coinbase height ${opts.height}`);
  const scriptSig = concat(pushInt(opts.height), opts.extraNonce ? pushData(opts.extraNonce) : [OP_0]);
  if (scriptSig.length > 100) throw new WireError('bad_value', `coinbase scriptSig of ${scriptSig.length} bytes (consensus: 2..100)`);
  const outputs = [...opts.outputs];
  let witness: Uint8Array[] = [];
  if (opts.witnessCommitment) {
    checkLength(opts.witnessCommitment, 32, 'witness commitment');
    outputs.push({ value: 0n, scriptPubKey: concat(WITNESS_COMMITMENT_HEADER, opts.witnessCommitment) });
    witness = [new Uint8Array(32)];
  }
  return makeTx({
    version: 2,
    inputs: [{ prevout: { txid: new Uint8Array(32), vout: NULL_INDEX }, scriptSig, sequence: SEQUENCE_FINAL, witness }],
    outputs,
    lockTime: 0,
  });
}

export interface Spend {
  readonly prevout: OutPoint;
  /** scriptPubKey of the output being spent: shapes the dummy scriptSig/witness. */
  readonly spentScript?: Uint8Array;
  /** Explicit unlocking data (wins over the dummy). */
  readonly scriptSig?: Uint8Array;
  readonly witness?: readonly Uint8Array[];
  readonly sequence?: number;
}

export interface SpendOptions {
  readonly spends: readonly Spend[];
  readonly outputs: readonly TxOut[];
  readonly version?: number;
  readonly lockTime?: number;
}

/** A (version 2 by default) transaction spending the given outpoints; unsigned, dummy unlocks. */
export function spendTx(opts: SpendOptions): Tx {
  if (opts.spends.length === 0) throw new WireError('bad_value', 'spendTx needs at least one outpoint to spend');
  const inputs = opts.spends.map((s, i) => {
    const dummy = dummyUnlock(s.spentScript ?? new Uint8Array(0), i);
    return {
      prevout: s.prevout,
      scriptSig: s.scriptSig ?? dummy.scriptSig,
      sequence: s.sequence ?? SEQUENCE_FINAL,
      witness: s.witness ? [...s.witness] : dummy.witness,
    };
  });
  return makeTx({ version: opts.version ?? 2, inputs, outputs: opts.outputs, lockTime: opts.lockTime ?? 0 });
}

// --- blocks ----------------------------------------------------------------------------------

/**
 * BIP141 witness root of a block's transactions (the coinbase's wtxid counts as zero) and the
 * commitment SHA256d(root || reserved) that goes in the coinbase. Pass the block's txs without
 * the coinbase (which the commitment is then put into).
 */
export function witnessCommitment(nonCoinbaseTxs: readonly Tx[], reserved: Uint8Array = new Uint8Array(32)): Uint8Array {
  const { root } = merkleRoot([new Uint8Array(32), ...nonCoinbaseTxs.map((t) => t.wtxid)]);
  return hash256(concat(root, reserved));
}

export interface HeaderFields {
  /** int32; default 0x20000000 (BIP9 top bits). */
  readonly version?: number;
  /** Wire order. */
  readonly prevBlock: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce?: number;
}

/** An 80-byte header over `merkleRoot` (no proof-of-work search; see chain/generate.ts for that). */
export function blockHeader(fields: HeaderFields, merkleRootWire: Uint8Array): Uint8Array {
  checkLength(fields.prevBlock, 32, 'prevBlock');
  checkLength(merkleRootWire, 32, 'merkle root');
  const h = new Uint8Array(BLOCK_HEADER_SIZE);
  const v = new DataView(h.buffer);
  v.setInt32(0, fields.version ?? 0x20000000, true);
  h.set(fields.prevBlock, 4);
  h.set(merkleRootWire, 36);
  v.setUint32(68, fields.time >>> 0, true);
  v.setUint32(72, fields.bits >>> 0, true);
  v.setUint32(76, (fields.nonce ?? 0) >>> 0, true);
  return h;
}

/** A block of `txs` (coinbase first) under a header whose merkle root commits to them. */
export function buildBlock(fields: HeaderFields, txs: readonly Tx[]): Block {
  if (txs.length === 0) throw new WireError('bad_value', 'a block needs at least its coinbase');
  return makeBlock(blockHeader(fields, merkleRoot(txs.map((t) => t.txid)).root), txs);
}
