// Unconfirmed payments for `spv watch` while it follows the tip (txrelay.md 10.1): announced
// transactions are fetched (TxDownloader: capped per peer, one request per id) and matched
// locally against the watched scripts and owned outputs, so peers learn nothing; unrelated ones
// are dropped at once (only their id is kept, in a bounded set). A match is `pending` until the
// scan applies its block (`confirmed`), a block spends one of its inputs with another
// transaction (`conflicted`: while anything is pending, each new block is fetched whole and
// checked), or nobody re-announces it within the expiry (`expired`). Memory is bounded.
// Every received transaction first gets the checks a node runs before looking at its inputs
// (tx/check.ts preCheckTransaction, as `spv broadcast`); one that fails is never reported, and a
// consensus failure gets the sender punished as Core does (MaybePunishNodeForTx).
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay, toHex } from '../util/bytes.js';
import { BoundedSet } from '../util/bounded-set.js';
import { formatHostPort } from '../util/address.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { verifyBlockMerkleRoot, type Block } from '../tx/block.js';
import { hasWitness, type Tx } from '../tx/tx.js';
import { preCheckTransaction, TxCheckError } from '../tx/check.js';
import type { TxRecord, Wallet } from '../wallet/wallet.js';
import { PeerRequests } from './peer-requests.js';
import { TxDownloader } from './tx-download.js';
import { NODE_BLOOM, NODE_NETWORK, NODE_NETWORK_LIMITED } from './services.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** A pending transaction neither confirmed nor re-announced for this long is forgotten (24 h;
 * Core's own mempool expiry is 336 h, but a transaction nobody announces for a day has most
 * likely been evicted or replaced, and a light client cannot tell). */
export const PENDING_EXPIRY_MS = 24 * 60 * 60 * 1000;
/** Pending transactions kept at most (oldest dropped): a peer can forge payments to us at will. */
export const MAX_PENDING_TXS = 1_000;
/** Ids of unrelated transactions remembered so they are not fetched again. */
export const SEEN_UNRELATED_IDS = 100_000;
/** Announcing peers remembered per pending transaction. */
const MAX_ANNOUNCERS = 8;
/** New blocks fetched whole per step for conflict checks (older ones are skipped). */
export const MAX_CONFLICT_CHECK_BLOCKS = 144;

export interface PendingTx {
  readonly txid: string;
  readonly wtxid: string;
  /** Satoshis per watched address, decimal strings (as TxRecord). */
  readonly received: Readonly<Record<string, string>>;
  readonly sent: Readonly<Record<string, string>>;
  /** Unix ms. */
  readonly firstSeen: number;
  lastAnnounced: number;
  /** host:port of the peers that announced it. */
  readonly announcers: string[];
  /** Outpoints its inputs spend ("txid:vout", display order). */
  readonly spends: readonly string[];
}

export interface PendingEvents {
  pending: [tx: PendingTx];
  confirmed: [tx: PendingTx, height: number];
  conflicted: [tx: PendingTx, by: { txid: string; height: number; blockHash: string }];
  expired: [tx: PendingTx];
}

export interface PendingOptions {
  wallet: Wallet;
  chain: HeaderChain;
  log?: Log;
  now?: () => number;
  expiryMs?: number;
  maxPending?: number;
  /** BIP37 mode: send `mempool` (BIP35) to a NODE_BLOOM peer once our filter is loaded there. */
  bloom?: boolean;
  requestTimeoutMs?: number;
}

/** The Watcher events this class follows (a structural type: no import of watcher.ts). */
export interface WatcherLike {
  on(event: 'tx', f: (r: TxRecord) => void): unknown;
  on(event: 'scanned', f: (height: number) => void): unknown;
  on(event: 'filterLoaded', f: (peer: BitcoinPeer) => void): unknown;
}

export class PendingPayments extends EventEmitter<PendingEvents> implements PeerService {
  readonly download: TxDownloader;
  readonly services: PeerService[];
  private readonly pending = new Map<string, PendingTx>();
  private readonly byWtxid = new Map<string, string>();
  /** Outpoint -> txid of the pending transaction spending it. */
  private readonly spentBy = new Map<string, string>();
  private readonly unrelated = new BoundedSet<string>(SEEN_UNRELATED_IDS);
  private readonly peers = new Set<BitcoinPeer>();
  private readonly mempoolAsked = new WeakSet<BitcoinPeer>();
  private readonly requests: PeerRequests;
  private readonly opts: PendingOptions;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly expiryMs: number;
  private readonly maxPending: number;
  private checkedHeight: number | undefined;
  private checking: Promise<void> = Promise.resolve();
  /** Counters for tests and logs. */
  readonly stats = { matched: 0, unrelated: 0, invalid: 0, conflictBlocks: 0 };

  constructor(opts: PendingOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? silentLog;
    this.now = opts.now ?? Date.now;
    this.expiryMs = opts.expiryMs ?? PENDING_EXPIRY_MS;
    this.maxPending = opts.maxPending ?? MAX_PENDING_TXS;
    this.requests = new PeerRequests(opts.requestTimeoutMs);
    this.download = new TxDownloader({ known: (id, peer) => this.known(id, peer), now: opts.now });
    this.services = [this.requests, this];
  }

  /** Follow a Watcher: its `tx` events confirm, its `scanned` events trigger conflict checks. */
  attach(watcher: WatcherLike): this {
    watcher.on('tx', (r) => this.onConfirmedRecord(r));
    watcher.on('scanned', (h) => this.onScanned(h));
    watcher.on('filterLoaded', (peer) => this.askMempool(peer));
    return this;
  }

  get size(): number {
    return this.pending.size;
  }

  list(): PendingTx[] {
    return [...this.pending.values()];
  }

  /** Pending net amount for a watched address (received − sent), sats. */
  pendingBalance(address: string): bigint {
    let b = 0n;
    for (const p of this.pending.values()) b += BigInt(p.received[address] ?? '0') - BigInt(p.sent[address] ?? '0');
    return b;
  }

  onReady(peer: BitcoinPeer): void {
    this.peers.add(peer);
  }

  onDisconnect(peer: BitcoinPeer): void {
    this.peers.delete(peer);
    this.download.onDisconnect(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    switch (msg.command) {
      case 'inv':
      case 'notfound':
        this.download.onMessage(peer, msg);
        this.sweep();
        return;
      case 'tx':
        this.onTx(peer, msg.tx);
        return;
      default:
        return;
    }
  }

  /** BIP35: once a NODE_BLOOM peer holds our filter, ask it (once) for its matching mempool. */
  private askMempool(peer: BitcoinPeer): void {
    if (!this.opts.bloom || this.mempoolAsked.has(peer) || ((peer.state.remote?.services ?? 0n) & NODE_BLOOM) === 0n) return;
    this.mempoolAsked.add(peer);
    peer.send({ command: 'mempool' });
  }

  /** Match one transaction against the wallet (exported for the throughput benchmark). */
  match(tx: Tx): { received: Record<string, string>; sent: Record<string, string> } | undefined {
    const wallet = this.opts.wallet;
    const received: Record<string, bigint> = {};
    const sent: Record<string, bigint> = {};
    let hit = false;
    for (const o of tx.outputs) {
      const a = wallet.addressOf(toHex(o.scriptPubKey));
      if (a === undefined) continue;
      received[a] = (received[a] ?? 0n) + o.value;
      hit = true;
    }
    for (const i of tx.inputs) {
      const prevTxid = hashToDisplay(i.prevout.txid);
      const own = wallet.ownedOutput(prevTxid, i.prevout.vout);
      if (own) {
        sent[own.address] = (sent[own.address] ?? 0n) + BigInt(own.value);
        hit = true;
        continue;
      }
      // Spending an output of a pending payment to us (a chain of unconfirmed transactions).
      const parent = this.pending.get(prevTxid);
      if (parent) hit = true;
    }
    if (!hit) return undefined;
    const str = (m: Record<string, bigint>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.toString()]));
    return { received: str(received), sent: str(sent) };
  }

  /** Forget pending transactions past the expiry. */
  sweep(): void {
    const cutoff = this.now() - this.expiryMs;
    for (const p of [...this.pending.values()]) {
      if (p.lastAnnounced > cutoff) continue;
      this.remove(p);
      this.log.info(`pending ${p.txid} expired (not confirmed nor re-announced for ${Math.round(this.expiryMs / 1000)} s)`);
      this.emit('expired', p);
    }
  }

  // --- internals ----------------------------------------------------------------------------

  private known(id: Uint8Array, peer: BitcoinPeer): boolean {
    const k = toHex(id);
    const txid = this.pending.has(hashToDisplay(id)) ? hashToDisplay(id) : this.byWtxid.get(hashToDisplay(id));
    if (txid !== undefined) {
      const p = this.pending.get(txid)!;
      p.lastAnnounced = this.now();
      const who = formatHostPort(peer.address);
      if (!p.announcers.includes(who) && p.announcers.length < MAX_ANNOUNCERS) p.announcers.push(who);
      return true;
    }
    return this.unrelated.has(k);
  }

  private onTx(peer: BitcoinPeer, tx: Tx): void {
    const how = this.download.onTx(peer, tx.txid, tx.wtxid);
    // BIP37: the matched transactions of a merkleblock arrive unasked; they are the block scan's.
    if (this.opts.bloom && how === 'unsolicited') return;
    const txid = hashToDisplay(tx.txid);
    const wtxid = hashToDisplay(tx.wtxid);
    if (this.pending.has(txid)) {
      this.known(tx.txid, peer);
      return;
    }
    if (!this.preCheck(peer, tx)) return;
    const m = this.match(tx);
    if (!m) {
      // Unrelated: keep only the id (so it is not fetched again), drop the transaction.
      this.stats.unrelated++;
      this.unrelated.add(toHex(tx.wtxid));
      this.unrelated.add(toHex(tx.txid));
      return;
    }
    // Already confirmed (e.g. announced again after its block): nothing pending about it.
    if (this.opts.wallet.records.some((r) => r.txid === txid)) return;
    this.stats.matched++;
    const now = this.now();
    const p: PendingTx = {
      txid,
      wtxid,
      received: m.received,
      sent: m.sent,
      firstSeen: now,
      lastAnnounced: now,
      announcers: [formatHostPort(peer.address)],
      spends: tx.inputs.map((i) => `${hashToDisplay(i.prevout.txid)}:${i.prevout.vout}`),
    };
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.values().next().value as PendingTx;
      this.remove(oldest);
      this.log.warn(`more than ${this.maxPending} pending transactions: forgetting the oldest, ${oldest.txid}`);
    }
    this.pending.set(txid, p);
    this.byWtxid.set(wtxid, txid);
    for (const s of p.spends) this.spentBy.set(s, txid);
    this.log.info(`pending ${txid} announced by ${peer.label}`);
    this.emit('pending', p);
  }

  /** Core PreChecks before a transaction is looked at further: CheckTransaction (consensus) and
   * IsStandardTx's size rules (policy). A failure is dropped, its id remembered like Core's
   * m_recent_rejects (the wtxid; the txid too unless the witness may be at fault), and for a
   * consensus failure (TX_CONSENSUS) the sender is misbehaving (MaybePunishNodeForTx): banned
   * and disconnected. A policy failure only means the network would not relay it. */
  private preCheck(peer: BitcoinPeer, tx: Tx): boolean {
    try {
      preCheckTransaction(tx);
      return true;
    } catch (err) {
      if (!(err instanceof TxCheckError)) throw err;
      this.stats.invalid++;
      this.unrelated.add(toHex(tx.wtxid));
      if (!hasWitness(tx)) this.unrelated.add(toHex(tx.txid));
      const what = `transaction ${hashToDisplay(tx.txid)} from ${peer.label}: ${err.coreReason}: ${err.message}`;
      if (err.consensus) peer.misbehaving('invalid_tx', what);
      else this.log.info(`ignoring non-standard ${what}`);
      return false;
    }
  }

  private remove(p: PendingTx): void {
    this.pending.delete(p.txid);
    this.byWtxid.delete(p.wtxid);
    for (const s of p.spends) if (this.spentBy.get(s) === p.txid) this.spentBy.delete(s);
  }

  private onConfirmedRecord(r: TxRecord): void {
    const p = this.pending.get(r.txid);
    if (!p) return;
    this.remove(p);
    this.emit('confirmed', p, r.height);
  }

  private onScanned(height: number): void {
    this.sweep();
    this.checking = this.checking.then(() => this.checkBlocks(height)).catch((err) => this.log.warn(`conflict check failed: ${errorMessage(err)}`));
  }

  /** While anything is pending, fetch each new block whole: a transaction in it spending what
   * a pending one spends makes that one (and its pending descendants) conflicted. */
  private async checkBlocks(height: number): Promise<void> {
    if (this.checkedHeight === undefined || this.pending.size === 0) {
      this.checkedHeight = height;
      return;
    }
    const from = Math.max(this.checkedHeight + 1, height - MAX_CONFLICT_CHECK_BLOCKS + 1);
    for (let h = from; h <= height && this.pending.size > 0; h++) {
      if (h > this.opts.chain.height) break;
      const block = await this.fetchBlock(h);
      this.stats.conflictBlocks++;
      this.applyBlock(h, block);
      this.checkedHeight = h;
    }
    this.checkedHeight = Math.max(this.checkedHeight, height);
  }

  private applyBlock(height: number, block: Block): void {
    const blockHash = hashToDisplay(block.hash);
    for (const tx of block.txs) {
      const txid = hashToDisplay(tx.txid);
      const mine = this.pending.get(txid);
      if (mine) {
        this.remove(mine);
        this.emit('confirmed', mine, height);
        continue;
      }
      for (const i of tx.inputs) {
        const other = this.spentBy.get(`${hashToDisplay(i.prevout.txid)}:${i.prevout.vout}`);
        if (other === undefined || other === txid) continue;
        this.conflict(other, { txid, height, blockHash });
      }
    }
  }

  private conflict(txid: string, by: { txid: string; height: number; blockHash: string }): void {
    const p = this.pending.get(txid);
    if (!p) return;
    this.remove(p);
    this.log.warn(`pending ${txid} conflicted: block ${by.height} spends its inputs in ${by.txid}`);
    this.emit('conflicted', p, by);
    // Pending transactions spending its outputs can never confirm either.
    for (const child of [...this.pending.values()]) if (child.spends.some((s) => s.startsWith(`${txid}:`))) this.conflict(child.txid, by);
  }

  private async fetchBlock(height: number): Promise<Block> {
    const hash = this.opts.chain.hashAt(height);
    const serving = [...this.peers].filter((p) => !p.isClosed && ((p.state.remote?.services ?? 0n) & (NODE_NETWORK | NODE_NETWORK_LIMITED)) !== 0n);
    const peer = serving[0];
    if (!peer) throw new Error('no connected peer serves blocks');
    const [block] = await this.requests.ask(
      peer,
      { command: 'getdata', items: [{ type: InvType.WITNESS_BLOCK, hash }] },
      (m) => (m.command === 'block' && bytesEqual(m.block.hash, hash) ? m.block : m.command === 'notfound' && m.items.some((i) => bytesEqual(i.hash, hash)) ? null : undefined),
      () => true,
      `block ${height}`,
    );
    if (!block) throw new Error(`${peer.label} does not have block ${height}`);
    verifyBlockMerkleRoot(block);
    return block;
  }
}
