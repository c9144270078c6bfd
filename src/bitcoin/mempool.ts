// The bounded transaction pool of the local peer (`spv serve`): what a node can check without
// a UTXO set beyond its own generated chain (Core CheckTransaction + size policy, inputs against
// the chain's coins where it knows them, no double spend of another pool transaction), kept in
// arrival order, handed to the miner parents first, and cleared by the blocks that are mined.
import { toHex } from '../util/bytes.js';
import { preCheckTransaction, TxCheckError } from '../tx/check.js';
import { txWeight, type OutPoint, type Tx } from '../tx/tx.js';

/** Pool caps: Core's is 300 MB of memory (-maxmempool); a test peer needs far less. */
export const MEMPOOL_MAX_TXS = 5_000;
export const MEMPOOL_MAX_BYTES = 32_000_000;
/** Weight left for the pool's transactions in a mined block (Core MAX_BLOCK_WEIGHT minus room
 * for the coinbase, as its miner's DEFAULT_BLOCK_MAX_WEIGHT does). */
export const BLOCK_TXS_MAX_WEIGHT = 3_996_000;

export type MempoolRejectCode =
  | TxCheckError['code']
  /** Already in the pool (Core "txn-already-in-mempool"). */
  | 'duplicate'
  /** Already in a block of the chain (Core "txn-already-known"). */
  | 'already_confirmed'
  /** Spends an output another pool transaction spends (Core "txn-mempool-conflict"; no RBF here). */
  | 'conflict'
  /** Spends a chain output that is already spent (Core "bad-txns-inputs-missingorspent"). */
  | 'missing_or_spent'
  /** Pays out more than its inputs hold, where all are known (Core "bad-txns-in-belowout"). */
  | 'in_below_out'
  /** The pool is at its cap (Core "mempool full"). */
  | 'mempool_full';

export interface MempoolReject {
  readonly code: MempoolRejectCode;
  readonly reason: string;
  /** A consensus rule was broken: the sender is misbehaving (Core MaybePunishNodeForTx). */
  readonly consensus: boolean;
}

/** What the pool knows about an output of the chain it sits on. */
export type CoinLookup = (outpoint: OutPoint) => { readonly value: bigint } | 'spent' | undefined;

export interface MempoolOptions {
  maxTxs?: number;
  maxBytes?: number;
  /** The chain's view of an outpoint: unspent (with value), spent, or unknown (undefined). */
  coin?: CoinLookup;
  /** The chain already holds this txid. */
  confirmed?: (txid: Uint8Array) => boolean;
}

export interface MempoolEntry {
  readonly tx: Tx;
  readonly txid: string;
  readonly wtxid: string;
  readonly addedAt: number;
}

const outKey = (p: OutPoint): string => `${toHex(p.txid)}:${p.vout}`;

export class Mempool {
  private readonly byTxid = new Map<string, MempoolEntry>();
  private readonly byWtxid = new Map<string, MempoolEntry>();
  /** Outpoint -> txid of the pool transaction spending it. */
  private readonly spends = new Map<string, string>();
  private bytes = 0;
  private readonly maxTxs: number;
  private readonly maxBytes: number;
  private readonly coin: CoinLookup;
  private readonly confirmed: (txid: Uint8Array) => boolean;

  constructor(opts: MempoolOptions = {}) {
    this.maxTxs = opts.maxTxs ?? MEMPOOL_MAX_TXS;
    this.maxBytes = opts.maxBytes ?? MEMPOOL_MAX_BYTES;
    this.coin = opts.coin ?? (() => undefined);
    this.confirmed = opts.confirmed ?? (() => false);
  }

  get size(): number {
    return this.byTxid.size;
  }
  get totalBytes(): number {
    return this.bytes;
  }

  /** By txid or wtxid (wire order). */
  get(id: Uint8Array): MempoolEntry | undefined {
    const k = toHex(id);
    return this.byTxid.get(k) ?? this.byWtxid.get(k);
  }
  getByTxid(txid: Uint8Array): MempoolEntry | undefined {
    return this.byTxid.get(toHex(txid));
  }
  getByWtxid(wtxid: Uint8Array): MempoolEntry | undefined {
    return this.byWtxid.get(toHex(wtxid));
  }
  has(id: Uint8Array): boolean {
    return this.get(id) !== undefined;
  }
  entries(): MempoolEntry[] {
    return [...this.byTxid.values()];
  }

  /** Checks and adds `tx`; returns the entry or why it was refused. */
  accept(tx: Tx, now = Date.now()): MempoolEntry | MempoolReject {
    const txid = toHex(tx.txid);
    if (this.byTxid.has(txid)) return reject('duplicate', 'already in the mempool', false);
    try {
      preCheckTransaction(tx);
    } catch (err) {
      if (err instanceof TxCheckError) return reject(err.code, `${err.coreReason}: ${err.message}`, err.consensus);
      throw err;
    }
    if (this.confirmed(tx.txid)) return reject('already_confirmed', 'already in a block', false);
    let inputs = 0n;
    let allKnown = true;
    for (const input of tx.inputs) {
      const k = outKey(input.prevout);
      const other = this.spends.get(k);
      if (other !== undefined) return reject('conflict', `txn-mempool-conflict: ${k} is already spent by ${other}`, false);
      const parent = this.byTxid.get(toHex(input.prevout.txid));
      if (parent) {
        const out = parent.tx.outputs[input.prevout.vout];
        if (!out) return reject('missing_or_spent', `bad-txns-inputs-missingorspent: ${k} does not exist`, false);
        inputs += out.value;
        continue;
      }
      const c = this.coin(input.prevout);
      if (c === 'spent') return reject('missing_or_spent', `bad-txns-inputs-missingorspent: ${k} is spent or does not exist`, false);
      if (c === undefined) allKnown = false;
      else inputs += c.value;
    }
    const out = tx.outputs.reduce((s, o) => s + o.value, 0n);
    if (allKnown && inputs < out) return reject('in_below_out', `bad-txns-in-belowout: inputs ${inputs} sat < outputs ${out} sat`, true);
    if (this.byTxid.size >= this.maxTxs || this.bytes + tx.raw.length > this.maxBytes) return reject('mempool_full', `mempool full (${this.byTxid.size} transactions, ${this.bytes} bytes)`, false);
    const entry: MempoolEntry = { tx, txid, wtxid: toHex(tx.wtxid), addedAt: now };
    this.byTxid.set(txid, entry);
    this.byWtxid.set(entry.wtxid, entry);
    for (const input of tx.inputs) this.spends.set(outKey(input.prevout), txid);
    this.bytes += tx.raw.length;
    return entry;
  }

  /** Transactions for the next block: parents before children, up to `maxWeight`. */
  forBlock(maxWeight = BLOCK_TXS_MAX_WEIGHT): Tx[] {
    const out: Tx[] = [];
    const placed = new Set<string>();
    let weight = 0;
    const place = (e: MempoolEntry, depth: number): boolean => {
      if (placed.has(e.txid)) return true;
      if (depth > 100) return false;
      for (const i of e.tx.inputs) {
        const parent = this.byTxid.get(toHex(i.prevout.txid));
        if (parent && !place(parent, depth + 1)) return false;
      }
      const w = txWeight(e.tx);
      if (weight + w > maxWeight) return false;
      weight += w;
      placed.add(e.txid);
      out.push(e.tx);
      return true;
    };
    for (const e of this.byTxid.values()) place(e, 0);
    return out;
  }

  /** A block was connected: drop its transactions, and pool transactions that spend the same
   * outputs (with their descendants). Returns the txids dropped as conflicts. */
  removeForBlock(txs: readonly Tx[]): string[] {
    const conflicts: string[] = [];
    for (const tx of txs) {
      this.remove(toHex(tx.txid));
      for (const input of tx.inputs) {
        const other = this.spends.get(outKey(input.prevout));
        if (other !== undefined) conflicts.push(...this.removeWithDescendants(other));
      }
    }
    return conflicts;
  }

  /** Removes a transaction and everything in the pool that spends its outputs. */
  removeWithDescendants(txid: string): string[] {
    const e = this.byTxid.get(txid);
    if (!e) return [];
    const removed = [txid];
    this.remove(txid);
    e.tx.outputs.forEach((_, vout) => {
      const child = this.spends.get(`${txid}:${vout}`);
      if (child !== undefined) removed.push(...this.removeWithDescendants(child));
    });
    return removed;
  }

  private remove(txid: string): void {
    const e = this.byTxid.get(txid);
    if (!e) return;
    this.byTxid.delete(txid);
    this.byWtxid.delete(e.wtxid);
    for (const input of e.tx.inputs) {
      const k = outKey(input.prevout);
      if (this.spends.get(k) === txid) this.spends.delete(k);
    }
    this.bytes -= e.tx.raw.length;
  }
}

export function isMempoolReject(r: MempoolEntry | MempoolReject): r is MempoolReject {
  return 'code' in r;
}

function reject(code: MempoolRejectCode, reason: string, consensus: boolean): MempoolReject {
  return { code, reason, consensus };
}
