// Transactions: the legacy and BIP144 (segwit) serializations, read exactly as Core's
// UnserializeTransaction does (primitives/transaction.h), plus txid / wtxid. A decoded Tx keeps
// the bytes it came from, so txids are hashes of those bytes, never of a re-serialization.
import { hash256 } from './hash.js';
import { WireError } from '../codec/errors.js';
import { ByteReader } from '../codec/reader.js';
import { ByteWriter } from '../codec/writer.js';

/** A reference to output `vout` of transaction `txid` (wire order). */
export interface OutPoint {
  readonly txid: Uint8Array;
  readonly vout: number;
}

export interface TxIn {
  readonly prevout: OutPoint;
  readonly scriptSig: Uint8Array;
  /** uint32 nSequence. */
  readonly sequence: number;
  /** BIP141 witness stack (empty for legacy inputs). */
  readonly witness: readonly Uint8Array[];
}

export interface TxOut {
  /** Satoshis (int64 on the wire; negative values parse, as in Core, and are consensus-invalid). */
  readonly value: bigint;
  readonly scriptPubKey: Uint8Array;
}

/**
 * A parsed transaction. Build one with `decodeTx` or `makeTx` only: `raw`, `txid` and `wtxid` are
 * derived from the other fields there and must agree with them.
 */
export interface Tx {
  /** int32 nVersion. */
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  /** uint32 nLockTime. */
  readonly lockTime: number;
  /** The serialization: BIP144 form when any input has a witness, legacy otherwise. */
  readonly raw: Uint8Array;
  /** SHA256d of the legacy (witness-stripped) serialization, wire order. */
  readonly txid: Uint8Array;
  /** SHA256d of `raw` (BIP141); the same bytes as txid when there is no witness. */
  readonly wtxid: Uint8Array;
}

/** Smallest serialized transaction: version 4 + empty vin 1 + empty vout 1 + lockTime 4. */
export const MIN_TX_SIZE = 10;
/** Smallest serialized input: outpoint 36 + empty script 1 + sequence 4. */
export const MIN_TXIN_SIZE = 41;
/** Smallest serialized output: value 8 + empty script 1. */
export const MIN_TXOUT_SIZE = 9;
/** The coinbase's prevout index (Core COutPoint::NULL_INDEX). */
export const NULL_INDEX = 0xffffffff;
/** BIP144 marker and flag bytes that follow the version in the segwit serialization. */
export const SEGWIT_MARKER = 0x00;
export const SEGWIT_FLAG = 0x01;

const NO_WITNESS: readonly Uint8Array[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

/** True when any input carries a witness (and the tx then serializes in the BIP144 form). */
export function hasWitness(tx: Pick<Tx, 'inputs'>): boolean {
  for (const i of tx.inputs) if (i.witness.length > 0) return true;
  return false;
}

/** Coinbase: one input spending the null outpoint (zero txid, index 0xffffffff). */
export function isCoinbase(tx: Pick<Tx, 'inputs'>): boolean {
  if (tx.inputs.length !== 1) return false;
  const p = tx.inputs[0]!.prevout;
  if (p.vout !== NULL_INDEX) return false;
  for (let i = 0; i < 32; i++) if (p.txid[i] !== 0) return false;
  return true;
}

/** The 36-byte serialized outpoint: txid (wire order) || uint32 LE index (BIP37 filter element). */
export function outpointBytes(p: OutPoint): Uint8Array {
  const out = new Uint8Array(36);
  out.set(p.txid, 0);
  new DataView(out.buffer).setUint32(32, p.vout, true);
  return out;
}

/** Position of the parts of a segwit serialization needed for the txid (offsets into `raw`). */
interface Layout {
  readonly segwit: boolean;
  /** End of the outputs: witnesses (segwit) or lockTime (legacy) start here. */
  readonly outputsEnd: number;
}

function txidOf(raw: Uint8Array, layout: Layout): { txid: Uint8Array; wtxid: Uint8Array } {
  const wtxid = hash256(raw);
  if (!layout.segwit) return { txid: wtxid, wtxid };
  // legacy form = version || (inputs, outputs without marker+flag) || lockTime
  const body = layout.outputsEnd - 6;
  const legacy = new Uint8Array(4 + body + 4);
  legacy.set(raw.subarray(0, 4), 0);
  legacy.set(raw.subarray(6, layout.outputsEnd), 4);
  legacy.set(raw.subarray(raw.length - 4), 4 + body);
  return { txid: hash256(legacy), wtxid };
}

function readInputs(r: ByteReader): TxIn[] {
  const n = r.count(Number.MAX_SAFE_INTEGER, MIN_TXIN_SIZE, 'tx.vin.count');
  const inputs = new Array<TxIn>(n);
  for (let i = 0; i < n; i++) {
    const txid = r.hash32('tx.vin.prevout.txid');
    const vout = r.u32le('tx.vin.prevout.vout');
    const scriptSig = r.bytes(r.compactSize('tx.vin.scriptSig'), 'tx.vin.scriptSig');
    const sequence = r.u32le('tx.vin.sequence');
    inputs[i] = { prevout: { txid, vout }, scriptSig, sequence, witness: NO_WITNESS };
  }
  return inputs;
}

function readOutputs(r: ByteReader): TxOut[] {
  const n = r.count(Number.MAX_SAFE_INTEGER, MIN_TXOUT_SIZE, 'tx.vout.count');
  const outputs = new Array<TxOut>(n);
  for (let i = 0; i < n; i++) {
    const value = r.i64le('tx.vout.value');
    outputs[i] = { value, scriptPubKey: r.bytes(r.compactSize('tx.vout.scriptPubKey'), 'tx.vout.scriptPubKey') };
  }
  return outputs;
}

/** Shared 1-byte witness items: a hostile 4 MB block of ~2 million one-byte items would
 * otherwise cost a Uint8Array object each (~200 MB of heap); with these it costs the array. */
const ONE_BYTE_ITEMS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));

function readWitness(r: ByteReader): readonly Uint8Array[] {
  const n = r.count(Number.MAX_SAFE_INTEGER, 1, 'tx.witness.count');
  if (n === 0) return NO_WITNESS;
  const items = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const len = r.compactSize('tx.witness.item');
    // Empty items (common: the CHECKMULTISIG dummy) and 1-byte items share arrays instead of a view each.
    items[i] = len === 0 ? EMPTY : len === 1 ? (ONE_BYTE_ITEMS[r.bytes(1, 'tx.witness.item')[0] as number] as Uint8Array) : r.bytes(len, 'tx.witness.item');
  }
  return items;
}

/**
 * Reads one transaction at the reader's position (`buf` is the reader's buffer). Follows Core:
 * an empty vin followed by a non-zero byte is the BIP144 marker+flag; flag bit 1 means witnesses
 * follow the outputs; a witness flag with all witnesses empty ("superfluous witness record") or
 * any other flag bit ("unknown optional data") is rejected.
 */
export function readTx(r: ByteReader, buf: Uint8Array): Tx {
  const start = r.offset;
  const version = r.i32le('tx.version');
  let inputs = readInputs(r);
  let outputs: TxOut[] = [];
  let flags = 0;
  if (inputs.length === 0) {
    flags = r.u8('tx.flag');
    if (flags !== 0) {
      inputs = readInputs(r);
      outputs = readOutputs(r);
    }
  } else {
    outputs = readOutputs(r);
  }
  const outputsEnd = r.offset - start;
  const segwit = (flags & SEGWIT_FLAG) !== 0;
  if (segwit) {
    flags ^= SEGWIT_FLAG;
    let any = false;
    for (let i = 0; i < inputs.length; i++) {
      const witness = readWitness(r);
      if (witness.length > 0) {
        any = true;
        inputs[i] = { ...inputs[i]!, witness };
      }
    }
    if (!any) throw new WireError('bad_value', 'tx: superfluous witness record (segwit flag with no witness)');
  }
  if (flags !== 0) throw new WireError('bad_value', `tx: unknown optional data (flag byte 0x${flags.toString(16)})`);
  const lockTime = r.u32le('tx.lockTime');
  const raw = buf.subarray(start, r.offset);
  const { txid, wtxid } = txidOf(raw, { segwit, outputsEnd });
  return { version, inputs, outputs, lockTime, raw, txid, wtxid };
}

/** One whole transaction (a `tx` payload): no bytes may be left over. Byte fields are views of `bytes`. */
export function decodeTx(bytes: Uint8Array): Tx {
  const r = new ByteReader(bytes);
  const tx = readTx(r, bytes);
  r.end('tx');
  return tx;
}

/** The fields a transaction is made of; `makeTx` derives the rest. */
export interface TxFields {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly lockTime: number;
}

/** Serializes `tx` into `w` (also used by wire/describe to name every byte); returns where the outputs end. */
export function writeTx(w: ByteWriter, tx: TxFields, withWitness: boolean): number {
  const start = w.length;
  w.i32le(tx.version, 'tx.version');
  if (withWitness) w.u8(SEGWIT_MARKER, 'tx.marker').u8(SEGWIT_FLAG, 'tx.flag');
  w.compactSize(tx.inputs.length, 'tx.vin.count');
  for (const i of tx.inputs) {
    w.fixedBytes(i.prevout.txid, 32, 'tx.vin.prevout.txid').u32le(i.prevout.vout, 'tx.vin.prevout.vout');
    w.varBytes(i.scriptSig, Number.MAX_SAFE_INTEGER, 'tx.vin.scriptSig').u32le(i.sequence, 'tx.vin.sequence');
  }
  w.compactSize(tx.outputs.length, 'tx.vout.count');
  for (const o of tx.outputs) w.i64le(o.value, 'tx.vout.value').varBytes(o.scriptPubKey, Number.MAX_SAFE_INTEGER, 'tx.vout.scriptPubKey');
  const outputsEnd = w.length - start;
  if (withWitness) {
    for (const i of tx.inputs) {
      w.compactSize(i.witness.length, 'tx.witness.count');
      for (const item of i.witness) w.varBytes(item, Number.MAX_SAFE_INTEGER, 'tx.witness.item');
    }
  }
  w.u32le(tx.lockTime, 'tx.lockTime');
  return outputsEnd;
}

/**
 * A Tx from its fields: serializes (BIP144 form when any input has a witness), hashes, and
 * returns the same shape decodeTx gives. A tx with no inputs but some outputs is refused: its
 * legacy serialization would read back as a segwit marker (Core has the same ambiguity).
 */
export function makeTx(fields: TxFields): Tx {
  if (fields.inputs.length === 0 && fields.outputs.length > 0) {
    throw new WireError('bad_value', 'tx: a transaction with outputs but no inputs has no unambiguous serialization');
  }
  const segwit = hasWitness(fields);
  const w = new ByteWriter(64 + 48 * fields.inputs.length + 40 * fields.outputs.length);
  const outputsEnd = writeTx(w, fields, segwit);
  const raw = Uint8Array.from(w.finish());
  const { txid, wtxid } = txidOf(raw, { segwit, outputsEnd });
  const copy = (i: TxIn): TxIn => ({ prevout: { txid: i.prevout.txid, vout: i.prevout.vout }, scriptSig: i.scriptSig, sequence: i.sequence, witness: i.witness.length === 0 ? NO_WITNESS : [...i.witness] });
  return {
    version: fields.version,
    inputs: fields.inputs.map(copy),
    outputs: fields.outputs.map((o) => ({ value: o.value, scriptPubKey: o.scriptPubKey })),
    lockTime: fields.lockTime,
    raw,
    txid,
    wtxid,
  };
}

/** The same transaction without witnesses (what Core relays to peers that did not ask for them). */
export function stripWitness(tx: Tx): Tx {
  if (!hasWitness(tx)) return tx;
  return makeTx({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: NO_WITNESS })) });
}

/** Serialized size in bytes without witness data (BIP141 "base size"). */
export function baseSize(tx: Tx): number {
  if (!hasWitness(tx)) return tx.raw.length;
  let witness = 2; // marker + flag
  for (const i of tx.inputs) {
    witness += compactSizeLength(i.witness.length);
    for (const item of i.witness) witness += compactSizeLength(item.length) + item.length;
  }
  return tx.raw.length - witness;
}

/** BIP141 weight: base size x 3 + total size. */
export function txWeight(tx: Tx): number {
  return baseSize(tx) * 3 + tx.raw.length;
}

function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
