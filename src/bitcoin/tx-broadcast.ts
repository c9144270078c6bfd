// Broadcasting one transaction the way Core announces its own (txrelay.md sections 1, 5, 10):
// `inv` with MSG_WTX to peers that negotiated wtxidrelay and MSG_TX to the others, the
// transaction on `getdata` in the serialization asked for, then a `ping`: its `pong` proves the
// peer has read (and processed) the `tx`. Per peer: announced, requested, sent, delivered, or
// why not (notfound, BIP61 reject, gone). Privacy: at most `maxPeers` peers hear of it; the first
// at once, each further one after its own random delay, so no spy sees simultaneous announcements.
// A segwit transaction is never sent stripped: MSG_TX for it is answered with notfound, and peers
// without NODE_WITNESS are not told about it.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { silentLog, type Log } from '../util/log.js';
import type { InvItem, Message } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import type { DisconnectReason } from '../net/disconnect.js';
import { hasWitness, stripWitness, type Tx } from '../tx/tx.js';
import type { BitcoinPeer, PeerService } from './protocol.js';
import { NODE_WITNESS } from './services.js';

/** Peers told about a transaction by default: Core's private broadcast uses 3 per transaction
 * (NUM_PRIVATE_BROADCAST_PER_TX); txrelay.md 10 asks for at least 2. */
export const DEFAULT_BROADCAST_PEERS = 2;
/** Mean of the random delay before each announcement after the first, ms (Core's outbound
 * trickle is a Poisson timer of mean 2 s; we use half: the first peer has it already). */
export const DEFAULT_ANNOUNCE_SPREAD_MS = 1_000;
/** Times one peer is sent the transaction at most: a peer repeating getdata (50,000 items of our
 * wtxid fit in one message) must not turn one broadcast into megabytes of upload. */
export const MAX_SENDS_PER_PEER = 4;
/** The random delay is capped at this many means. */
const MAX_SPREAD_FACTOR = 5;

export type AnnounceType = 'MSG_TX' | 'MSG_WTX';

export interface PeerBroadcastReport {
  readonly peer: string;
  readonly userAgent: string;
  readonly wtxidRelay: boolean;
  /** The peer's BIP133 feefilter, sat/kvB, if it sent one. */
  feeFilter: bigint | undefined;
  /** ms since the broadcaster started. */
  announcedAtMs: number | undefined;
  announceType: AnnounceType | undefined;
  /** getdata types the peer asked with ('MSG_TX', 'MSG_WITNESS_TX', 'MSG_WTX'). */
  readonly requested: string[];
  requestedAtMs: number | undefined;
  sentAtMs: number | undefined;
  sentBytes: number | undefined;
  /** The pong after the tx came back: the peer has read it. */
  deliveredAtMs: number | undefined;
  /** notfound / reject / segwit refusal / not used, with the reason. */
  refused: string | undefined;
  gone: string | undefined;
}

export interface TxBroadcastOptions {
  maxPeers?: number;
  /** Mean random delay between announcements, ms (0: all at once). */
  spreadMs?: number;
  log?: Log;
  monotonic?: () => number;
  random?: () => number;
}

export interface TxBroadcastEvents {
  announced: [report: PeerBroadcastReport];
  requested: [report: PeerBroadcastReport, type: string];
  sent: [report: PeerBroadcastReport];
  delivered: [report: PeerBroadcastReport];
  refused: [report: PeerBroadcastReport];
  /** At least one peer has the transaction and every chosen peer has been told. */
  done: [];
}

const TYPE_NAMES: Record<number, string> = { [InvType.TX]: 'MSG_TX', [InvType.WITNESS_TX]: 'MSG_WITNESS_TX', [InvType.WTX]: 'MSG_WTX' };

export class TxBroadcaster extends EventEmitter<TxBroadcastEvents> implements PeerService {
  readonly tx: Tx;
  readonly segwit: boolean;
  private readonly legacy: Tx;
  private readonly chosen = new Map<BitcoinPeer, PeerBroadcastReport>();
  private readonly others: PeerBroadcastReport[] = [];
  private readonly pingNonces = new Map<BitcoinPeer, bigint>();
  private readonly maxPeers: number;
  private readonly spreadMs: number;
  private readonly log: Log;
  private readonly monotonic: () => number;
  private readonly random: () => number;
  private readonly started: number;
  private finished = false;

  constructor(tx: Tx, opts: TxBroadcastOptions = {}) {
    super();
    this.tx = tx;
    this.segwit = hasWitness(tx);
    this.legacy = stripWitness(tx);
    this.maxPeers = opts.maxPeers ?? DEFAULT_BROADCAST_PEERS;
    this.spreadMs = opts.spreadMs ?? DEFAULT_ANNOUNCE_SPREAD_MS;
    this.log = opts.log ?? silentLog;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
    this.started = this.monotonic();
  }

  get txid(): string {
    return hashToDisplay(this.tx.txid);
  }

  /** Every peer we chose (and those we did not use, with the reason), in order. */
  get reports(): PeerBroadcastReport[] {
    return [...this.chosen.values(), ...this.others];
  }

  get delivered(): PeerBroadcastReport[] {
    return [...this.chosen.values()].filter((r) => r.deliveredAtMs !== undefined);
  }

  /** Peers still counted (chosen and not gone): the connector should keep this many. */
  get activePeers(): number {
    return [...this.chosen.values()].filter((r) => r.gone === undefined).length;
  }

  onReady(peer: BitcoinPeer): void {
    const report = this.newReport(peer);
    if (this.segwit && ((peer.state.remote?.services ?? 0n) & NODE_WITNESS) === 0n) {
      // It would ask without witness (MSG_TX) and could not validate the stripped form anyway.
      report.refused = 'not used: the peer lacks NODE_WITNESS and the transaction is segwit';
      this.others.push(report);
      this.emit('refused', report);
      return;
    }
    if (this.activePeers >= this.maxPeers) return;
    this.chosen.set(peer, report);
    const first = [...this.chosen.values()].every((r) => r === report || r.gone !== undefined);
    const delay = first || this.spreadMs <= 0 ? 0 : Math.min(this.spreadMs * MAX_SPREAD_FACTOR, -Math.log(1 - this.random()) * this.spreadMs);
    if (delay === 0) this.announce(peer, report);
    else peer.setTimer('broadcast-announce', delay, () => this.announce(peer, report));
  }

  onDisconnect(peer: BitcoinPeer, why: DisconnectReason): void {
    const r = this.chosen.get(peer);
    if (r && r.gone === undefined) r.gone = `${why.code}: ${why.message}`;
    this.pingNonces.delete(peer);
    this.checkDone();
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    const r = this.chosen.get(peer);
    switch (msg.command) {
      case 'getdata':
        return this.onGetData(peer, r, msg.items);
      case 'pong':
        if (r && this.pingNonces.get(peer) === msg.nonce) {
          this.pingNonces.delete(peer);
          r.deliveredAtMs = this.elapsed();
          this.log.info(`${peer.label}: has the transaction (pong after tx, ${Math.round(r.deliveredAtMs)} ms)`);
          this.emit('delivered', r);
          this.checkDone();
        }
        return;
      case 'notfound':
        if (r && msg.items.some((i) => this.isOurs(i))) this.refuse(r, 'notfound: the peer answered notfound for the transaction');
        return;
      case 'reject':
        // BIP61 (bcoin, Core before v0.20): data is the txid for tx rejects.
        if (r && msg.message === 'tx' && (msg.data.length === 0 || bytesEqual(msg.data, this.tx.txid) || bytesEqual(msg.data, this.tx.wtxid))) {
          this.refuse(r, `reject: ${msg.reason} (code 0x${msg.code.toString(16).padStart(2, '0')})`);
        }
        return;
      case 'feefilter':
        if (r) r.feeFilter = msg.feeRate;
        return;
      default:
        return;
    }
  }

  private newReport(peer: BitcoinPeer): PeerBroadcastReport {
    return {
      peer: peer.label,
      userAgent: peer.state.remote?.userAgent ?? '',
      wtxidRelay: peer.state.wtxidRelay,
      feeFilter: undefined,
      announcedAtMs: undefined,
      announceType: undefined,
      requested: [],
      requestedAtMs: undefined,
      sentAtMs: undefined,
      sentBytes: undefined,
      deliveredAtMs: undefined,
      refused: undefined,
      gone: undefined,
    };
  }

  private elapsed(): number {
    return this.monotonic() - this.started;
  }

  private announce(peer: BitcoinPeer, r: PeerBroadcastReport): void {
    if (peer.isClosed || r.announcedAtMs !== undefined) return;
    const wtx = peer.state.wtxidRelay;
    peer.send({ command: 'inv', items: [{ type: wtx ? InvType.WTX : InvType.TX, hash: wtx ? this.tx.wtxid : this.tx.txid }] });
    r.announceType = wtx ? 'MSG_WTX' : 'MSG_TX';
    r.announcedAtMs = this.elapsed();
    this.log.info(`${peer.label}: announced ${this.txid} (${r.announceType})`);
    this.emit('announced', r);
    this.checkDone();
  }

  private isOurs(item: InvItem): boolean {
    if (item.type === InvType.WTX) return bytesEqual(item.hash, this.tx.wtxid);
    if (item.type === InvType.TX || item.type === InvType.WITNESS_TX) return bytesEqual(item.hash, this.tx.txid);
    return false;
  }

  private onGetData(peer: BitcoinPeer, r: PeerBroadcastReport | undefined, items: readonly InvItem[]): void {
    const notFound: InvItem[] = [];
    for (const item of items) {
      // Core serves only what it announced to that peer; anything else is notfound.
      if (!r || r.announcedAtMs === undefined || !this.isOurs(item)) {
        if (item.type === InvType.TX || item.type === InvType.WTX || item.type === InvType.WITNESS_TX) notFound.push(item);
        continue;
      }
      const type = TYPE_NAMES[item.type] ?? String(item.type);
      if (r.requested.length >= MAX_SENDS_PER_PEER) {
        this.log.debug(`${peer.label}: ignoring getdata ${type} for the transaction: already asked ${MAX_SENDS_PER_PEER} times`);
        continue;
      }
      r.requested.push(type);
      r.requestedAtMs ??= this.elapsed();
      this.emit('requested', r, type);
      if (item.type === InvType.TX && this.segwit) {
        // A witness-stripped segwit tx fails the peer's script checks: never send it.
        notFound.push(item);
        this.refuse(r, 'asked without witness (MSG_TX) for a segwit transaction: answered notfound');
        continue;
      }
      const tx = item.type === InvType.TX ? this.legacy : this.tx;
      peer.send({ command: 'tx', tx });
      r.sentAtMs = this.elapsed();
      r.sentBytes = tx.raw.length;
      this.emit('sent', r);
      // Messages are processed in order: the pong proves the tx was read.
      const nonce = randomBytes(8).readBigUInt64LE(0);
      this.pingNonces.set(peer, nonce);
      peer.send({ command: 'ping', nonce });
    }
    if (notFound.length > 0) peer.send({ command: 'notfound', items: notFound });
  }

  private refuse(r: PeerBroadcastReport, why: string): void {
    if (r.refused !== undefined) return;
    r.refused = why;
    this.log.warn(`${r.peer}: ${why}`);
    this.emit('refused', r);
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finished || this.delivered.length === 0) return;
    for (const r of this.chosen.values()) if (r.announcedAtMs === undefined && r.gone === undefined) return;
    this.finished = true;
    this.emit('done');
  }
}
