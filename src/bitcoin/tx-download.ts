// Fetching announced transactions as Core's TxRequestTracker does (node/txdownloadman.h), shared
// by the local peer's mempool and `spv watch`'s pending payments: invs of the announcement type
// the connection negotiated (MSG_WTX with wtxidrelay, MSG_TX otherwise; the other is ignored),
// at most 5,000 tracked announcements and 100 requests in flight per peer, one request per
// transaction at a time, a 60 s deadline before another announcer is asked. Bounded memory under
// announcement floods: what does not fit is dropped, not queued.
import { toHex } from '../util/bytes.js';
import type { InvItem, Message } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import type { BitcoinPeer } from './protocol.js';
import { NODE_WITNESS } from './services.js';

/** Core txdownloadman.h MAX_PEER_TX_ANNOUNCEMENTS. */
export const MAX_PEER_TX_ANNOUNCEMENTS = 5_000;
/** Core txdownloadman.h MAX_PEER_TX_REQUEST_IN_FLIGHT (Core: "overloaded" past it; here a cap). */
export const MAX_PEER_TX_REQUEST_IN_FLIGHT = 100;
/** Core txdownloadman.h GETDATA_TX_INTERVAL: wait this long for an answer, then ask another announcer. */
export const GETDATA_TX_INTERVAL_MS = 60_000;
/** Announcers remembered per transaction (to ask the next one after a notfound or timeout). */
export const MAX_ANNOUNCERS_PER_TX = 8;
/** Core sends at most this many items per getdata (net_processing MAX_GETDATA_SZ). */
export const MAX_GETDATA_SZ = 1_000;

const TIMER = 'tx-download';

interface Tracked {
  /** The id announced (wtxid or txid, hex wire order). */
  readonly id: string;
  readonly hash: Uint8Array;
  readonly announcers: BitcoinPeer[];
  requestedFrom: BitcoinPeer | undefined;
  requestedAt: number;
}

interface PeerQueue {
  /** Ids this peer announced that are tracked (queued or in flight anywhere). */
  readonly announced: Set<string>;
  /** Ids waiting to be requested from this peer, in arrival order. */
  readonly queue: string[];
  inFlight: number;
  /** The expiry timer is running (not re-armed by later requests, so old ones do expire). */
  timerArmed: boolean;
}

export interface TxDownloadOptions {
  /** We already have (or decided about) this id: do not fetch it. The peer is told in `onKnown`. */
  known(id: Uint8Array, peer: BitcoinPeer): boolean;
  now?: () => number;
  requestIntervalMs?: number;
  maxAnnouncementsPerPeer?: number;
  maxInFlightPerPeer?: number;
}

export interface TxDownloadStats {
  /** Announcements dropped because the peer's tracked set was full. */
  dropped: number;
  /** Announcements of the wrong type for the connection (ignored, as Core). */
  wrongType: number;
  requested: number;
  unsolicited: number;
  expired: number;
}

/** Which getdata type asks `peer` for a transaction with its witness (txrelay.md section 1). */
export function txRequestType(peer: BitcoinPeer): number {
  if (peer.state.wtxidRelay) return InvType.WTX;
  return ((peer.state.remote?.services ?? 0n) & NODE_WITNESS) !== 0n ? InvType.WITNESS_TX : InvType.TX;
}

/** The inv type `peer` expects announcements in: MSG_WTX after wtxidrelay, else MSG_TX. */
export function txAnnounceType(peer: BitcoinPeer): number {
  return peer.state.wtxidRelay ? InvType.WTX : InvType.TX;
}

export class TxDownloader {
  private readonly tracked = new Map<string, Tracked>();
  private readonly peers = new Map<BitcoinPeer, PeerQueue>();
  private readonly opts: Required<Omit<TxDownloadOptions, 'known'>> & Pick<TxDownloadOptions, 'known'>;
  readonly stats: TxDownloadStats = { dropped: 0, wrongType: 0, requested: 0, unsolicited: 0, expired: 0 };

  constructor(opts: TxDownloadOptions) {
    this.opts = {
      known: opts.known,
      now: opts.now ?? Date.now,
      requestIntervalMs: opts.requestIntervalMs ?? GETDATA_TX_INTERVAL_MS,
      maxAnnouncementsPerPeer: opts.maxAnnouncementsPerPeer ?? MAX_PEER_TX_ANNOUNCEMENTS,
      maxInFlightPerPeer: opts.maxInFlightPerPeer ?? MAX_PEER_TX_REQUEST_IN_FLIGHT,
    };
  }

  /** Ids tracked over all peers (queued or in flight). */
  get trackedCount(): number {
    return this.tracked.size;
  }

  /** Tracked ids announced by `peer`. */
  trackedFrom(peer: BitcoinPeer): number {
    return this.peers.get(peer)?.announced.size ?? 0;
  }

  /** An `inv` arrived: track the transaction announcements and request what we can. */
  onInv(peer: BitcoinPeer, items: readonly InvItem[]): void {
    const want = txAnnounceType(peer);
    let pq = this.peers.get(peer);
    for (const item of items) {
      if (item.type !== InvType.TX && item.type !== InvType.WTX) continue;
      // Core ignores MSG_TX invs on wtxid connections and MSG_WTX invs on the others.
      if (item.type !== want) {
        this.stats.wrongType++;
        continue;
      }
      if (this.opts.known(item.hash, peer)) continue;
      const id = toHex(item.hash);
      if (!pq) this.peers.set(peer, (pq = { announced: new Set(), queue: [], inFlight: 0, timerArmed: false }));
      if (pq.announced.has(id)) continue;
      if (pq.announced.size >= this.opts.maxAnnouncementsPerPeer) {
        this.stats.dropped++;
        continue;
      }
      let t = this.tracked.get(id);
      if (!t) this.tracked.set(id, (t = { id, hash: Uint8Array.from(item.hash), announcers: [], requestedFrom: undefined, requestedAt: 0 }));
      if (t.announcers.length < MAX_ANNOUNCERS_PER_TX) t.announcers.push(peer);
      pq.announced.add(id);
      pq.queue.push(id);
    }
    if (pq) this.pump(peer);
  }

  /**
   * A `tx` arrived: returns whether we had asked `peer` for it ('requested') or not
   * ('unsolicited'; Core processes those too).
   */
  onTx(peer: BitcoinPeer, txid: Uint8Array, wtxid: Uint8Array): 'requested' | 'unsolicited' {
    let result: 'requested' | 'unsolicited' = 'unsolicited';
    for (const id of [toHex(wtxid), toHex(txid)]) {
      const t = this.tracked.get(id);
      if (!t) continue;
      if (t.requestedFrom === peer) result = 'requested';
      this.forget(t);
    }
    if (result === 'unsolicited') this.stats.unsolicited++;
    this.pump(peer);
    return result;
  }

  /** A `notfound`: release those requests and ask the next announcer. */
  onNotFound(peer: BitcoinPeer, items: readonly InvItem[]): void {
    for (const item of items) {
      const t = this.tracked.get(toHex(item.hash));
      if (!t || t.requestedFrom !== peer) continue;
      this.release(t);
    }
    this.pumpAll();
  }

  /** A transaction became known by other means (e.g. confirmed): stop tracking it. */
  forgetId(id: Uint8Array): void {
    const t = this.tracked.get(toHex(id));
    if (t) this.forget(t);
  }

  onDisconnect(peer: BitcoinPeer): void {
    const pq = this.peers.get(peer);
    this.peers.delete(peer);
    if (!pq) return;
    for (const id of pq.announced) {
      const t = this.tracked.get(id);
      if (!t) continue;
      const i = t.announcers.indexOf(peer);
      if (i >= 0) t.announcers.splice(i, 1);
      if (t.requestedFrom === peer) t.requestedFrom = undefined;
      if (t.announcers.length === 0) this.tracked.delete(id);
    }
    this.pumpAll();
  }

  /** Convenience for services: route the messages this class cares about. */
  onMessage(peer: BitcoinPeer, msg: Message): void {
    if (msg.command === 'inv') this.onInv(peer, msg.items);
    else if (msg.command === 'notfound') this.onNotFound(peer, msg.items);
  }

  // --- internals ----------------------------------------------------------------------------

  private release(t: Tracked): void {
    const from = t.requestedFrom;
    t.requestedFrom = undefined;
    if (!from) return;
    const pq = this.peers.get(from);
    if (pq) {
      pq.inFlight = Math.max(0, pq.inFlight - 1);
      pq.announced.delete(t.id);
    }
    const i = t.announcers.indexOf(from);
    if (i >= 0) t.announcers.splice(i, 1);
    if (t.announcers.length === 0) {
      this.tracked.delete(t.id);
      return;
    }
    // Queue it at the next announcer.
    const next = t.announcers[0]!;
    this.peers.get(next)?.queue.push(t.id);
  }

  private forget(t: Tracked): void {
    this.tracked.delete(t.id);
    if (t.requestedFrom) {
      const pq = this.peers.get(t.requestedFrom);
      if (pq) pq.inFlight = Math.max(0, pq.inFlight - 1);
    }
    for (const p of t.announcers) this.peers.get(p)?.announced.delete(t.id);
  }

  private pumpAll(): void {
    for (const p of this.peers.keys()) this.pump(p);
  }

  private pump(peer: BitcoinPeer): void {
    const pq = this.peers.get(peer);
    if (!pq || peer.isClosed) return;
    const items: InvItem[] = [];
    const type = txRequestType(peer);
    const now = this.opts.now();
    while (pq.queue.length > 0 && pq.inFlight < this.opts.maxInFlightPerPeer && items.length < MAX_GETDATA_SZ) {
      const id = pq.queue.shift()!;
      const t = this.tracked.get(id);
      if (!t || t.requestedFrom !== undefined || !t.announcers.includes(peer)) continue;
      t.requestedFrom = peer;
      t.requestedAt = now;
      pq.inFlight++;
      items.push({ type, hash: t.hash });
    }
    if (items.length === 0) return;
    this.stats.requested += items.length;
    peer.send({ command: 'getdata', items });
    this.armTimer(peer, pq);
  }

  private armTimer(peer: BitcoinPeer, pq: PeerQueue): void {
    if (pq.timerArmed) return;
    pq.timerArmed = true;
    peer.setTimer(TIMER, this.opts.requestIntervalMs, () => {
      pq.timerArmed = false;
      this.expire(peer);
    });
  }

  /** Requests to `peer` older than the interval are given up (the next announcer is asked). */
  private expire(peer: BitcoinPeer): void {
    const deadline = this.opts.now() - this.opts.requestIntervalMs;
    let left = false;
    for (const t of [...this.tracked.values()]) {
      if (t.requestedFrom !== peer) continue;
      if (t.requestedAt <= deadline) {
        this.stats.expired++;
        this.release(t);
      } else left = true;
    }
    const pq = this.peers.get(peer);
    if (left && pq) this.armTimer(peer, pq);
    this.pumpAll();
  }
}
