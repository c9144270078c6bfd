// Transaction relay for the local peer (`spv serve`), as Core's net_processing does it for a
// node with a mempool: fetch announced transactions (TxDownloader), process unsolicited `tx`
// too, accept into the bounded Mempool or remember the rejection, announce what was accepted
// to every other peer that wants transactions (relay flag, or a BIP37 filter it matches), serve
// `getdata` only for what was announced to that peer, answer BIP35 `mempool` for bloom peers.
// Difference from Core: no trickle delay (announced at once, as Core does for `noban` peers).
import { EventEmitter } from 'node:events';
import { hashToDisplay, toHex } from '../util/bytes.js';
import { BoundedSet } from '../util/bounded-set.js';
import { silentLog, type Log } from '../util/log.js';
import type { InvItem, Message } from '../wire/message.js';
import { InvType, MAX_INV_SZ } from '../wire/inventory.js';
import { reason } from '../net/disconnect.js';
import { hasWitness, stripWitness, type Tx } from '../tx/tx.js';
import type { BloomFilter } from '../bloom/filter.js';
import { isRelevantAndUpdate } from '../bloom/match.js';
import { isMempoolReject, type Mempool, type MempoolEntry } from './mempool.js';
import { TxDownloader, txAnnounceType } from './tx-download.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** Ids a peer is known to have, per peer (Core's m_tx_inventory_known_filter holds 50,000). */
export const KNOWN_TX_IDS_PER_PEER = 50_000;
/** Recently rejected ids not fetched again (Core's m_lazy_recent_rejects: 120,000). */
export const RECENT_REJECTS = 120_000;

export interface MempoolServerOptions {
  mempool: Mempool;
  /** We offer NODE_BLOOM: `mempool` is answered (else the sender is disconnected, as Core). */
  bloom: boolean;
  /** The BIP37 filter a peer loaded (BlockServer keeps them). */
  filterOf?: (peer: BitcoinPeer) => BloomFilter | undefined;
  /** The chain already holds this txid (not fetched again). */
  confirmed?: (txid: Uint8Array) => boolean;
  log?: Log;
  now?: () => number;
}

export interface MempoolServerEvents {
  accepted: [entry: MempoolEntry, from: string];
  rejected: [txid: string, code: string, reason: string, from: string];
}

export class MempoolServer extends EventEmitter<MempoolServerEvents> implements PeerService {
  readonly mempool: Mempool;
  readonly download: TxDownloader;
  private readonly ready = new Set<BitcoinPeer>();
  private readonly known = new Map<BitcoinPeer, BoundedSet<string>>();
  private readonly rejects = new BoundedSet<string>(RECENT_REJECTS);
  private readonly opts: MempoolServerOptions;
  private readonly log: Log;
  /** Counters for tests and logs. */
  readonly stats = { accepted: 0, rejected: 0, announced: 0, served: 0 };

  constructor(opts: MempoolServerOptions) {
    super();
    this.opts = opts;
    this.mempool = opts.mempool;
    this.log = opts.log ?? silentLog;
    this.download = new TxDownloader({
      known: (id) => this.mempool.has(id) || this.rejects.has(toHex(id)) || (opts.confirmed?.(id) ?? false),
      now: opts.now,
    });
  }

  onReady(peer: BitcoinPeer): void {
    this.ready.add(peer);
  }

  onDisconnect(peer: BitcoinPeer): void {
    this.ready.delete(peer);
    this.known.delete(peer);
    this.download.onDisconnect(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    switch (msg.command) {
      case 'inv':
      case 'notfound':
        this.download.onMessage(peer, msg);
        return;
      case 'tx':
        this.onTx(peer, msg.tx);
        return;
      case 'mempool':
        this.onMempoolRequest(peer);
        return;
      default:
        return;
    }
  }

  /**
   * What `getdata` for a transaction gets (BlockServer asks): only a transaction announced to
   * this peer, MSG_TX without witness, MSG_WITNESS_TX / MSG_WTX with it (Core ProcessGetData).
   */
  txFor(peer: BitcoinPeer, item: InvItem): Tx | undefined {
    const entry = item.type === InvType.WTX ? this.mempool.getByWtxid(item.hash) : this.mempool.getByTxid(item.hash);
    if (!entry) return undefined;
    const known = this.known.get(peer);
    if (!known || !(known.has(entry.wtxid) || known.has(entry.txid))) return undefined;
    this.stats.served++;
    return item.type === InvType.TX ? stripWitness(entry.tx) : entry.tx;
  }

  /** Adds a transaction as if a peer sent it (e.g. from the command line); relays it if accepted. */
  submit(tx: Tx, from = 'local'): MempoolEntry | string {
    const r = this.mempool.accept(tx, (this.opts.now ?? Date.now)());
    if (isMempoolReject(r)) {
      this.stats.rejected++;
      this.emit('rejected', hashToDisplay(tx.txid), r.code, r.reason, from);
      return r.reason;
    }
    this.stats.accepted++;
    this.emit('accepted', r, from);
    this.relay(r, undefined);
    return r;
  }

  /** A block was mined: the pool drops what it contains and what conflicts with it. */
  blockConnected(txs: readonly Tx[]): void {
    const conflicts = this.mempool.removeForBlock(txs);
    for (const tx of txs) this.download.forgetId(tx.txid);
    if (conflicts.length > 0) this.log.info(`mempool: ${conflicts.length} transaction(s) conflicted with the new block and were removed`);
  }

  private knownOf(peer: BitcoinPeer): BoundedSet<string> {
    let k = this.known.get(peer);
    if (!k) this.known.set(peer, (k = new BoundedSet(KNOWN_TX_IDS_PER_PEER)));
    return k;
  }

  private onTx(peer: BitcoinPeer, tx: Tx): void {
    this.download.onTx(peer, tx.txid, tx.wtxid);
    const txid = toHex(tx.txid);
    const wtxid = toHex(tx.wtxid);
    const known = this.knownOf(peer);
    known.add(txid);
    known.add(wtxid);
    if (this.mempool.getByTxid(tx.txid) || this.rejects.has(wtxid)) return;
    const r = this.mempool.accept(tx, (this.opts.now ?? Date.now)());
    if (isMempoolReject(r)) {
      this.stats.rejected++;
      // Core remembers the wtxid; the txid too unless the failure may be the witness's fault.
      this.rejects.add(wtxid);
      if (!hasWitness(tx)) this.rejects.add(txid);
      this.log.info(`${peer.label}: transaction ${hashToDisplay(tx.txid)} refused: ${r.reason}`);
      this.emit('rejected', hashToDisplay(tx.txid), r.code, r.reason, peer.label);
      // Core MaybePunishNodeForTx: consensus-invalid transactions get the sender discouraged.
      if (r.consensus) peer.misbehaving('invalid_tx', `transaction ${hashToDisplay(tx.txid)}: ${r.reason}`);
      return;
    }
    this.stats.accepted++;
    this.log.info(`${peer.label}: transaction ${hashToDisplay(tx.txid)} accepted into the mempool (${this.mempool.size} in the pool)`);
    this.emit('accepted', r, peer.label);
    this.relay(r, peer);
  }

  /** Announce to every other peer that wants it (relay flag, or a filter it matches). */
  private relay(entry: MempoolEntry, from: BitcoinPeer | undefined): void {
    for (const p of this.ready) {
      if (p === from || p.isClosed) continue;
      const known = this.knownOf(p);
      if (known.has(entry.wtxid) || known.has(entry.txid)) continue;
      const filter = this.opts.filterOf?.(p);
      if (filter) {
        if (!isRelevantAndUpdate(filter, entry.tx)) continue;
      } else if (p.state.remote?.relay === false) continue; // BIP37: relay = 0, no filter loaded
      this.announce(p, [entry]);
    }
  }

  private announce(peer: BitcoinPeer, entries: readonly MempoolEntry[]): void {
    const type = txAnnounceType(peer);
    const known = this.knownOf(peer);
    for (let i = 0; i < entries.length; i += MAX_INV_SZ) {
      const batch = entries.slice(i, i + MAX_INV_SZ);
      peer.send({ command: 'inv', items: batch.map((e) => ({ type, hash: type === InvType.WTX ? e.tx.wtxid : e.tx.txid })) });
      for (const e of batch) {
        known.add(e.txid);
        known.add(e.wtxid);
      }
      this.stats.announced += batch.length;
    }
  }

  /** BIP35: an inv of the whole pool (matching the peer's filter, if any). Core disconnects
   * the sender when it does not offer NODE_BLOOM. */
  private onMempoolRequest(peer: BitcoinPeer): void {
    if (!this.opts.bloom) {
      peer.disconnect(reason('protocol', 'mempool_not_offered', 'mempool request, but we do not offer NODE_BLOOM'));
      return;
    }
    const filter = this.opts.filterOf?.(peer);
    const entries = this.mempool.entries().filter((e) => !filter || isRelevantAndUpdate(filter, e.tx));
    if (entries.length > 0) this.announce(peer, entries);
  }
}
