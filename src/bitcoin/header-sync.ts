// Headers-first sync (protocol.md section 5): getheaders with a block locator to one sync
// peer, 2,000 headers per reply, repeat until a short reply; then ask every other peer once
// to compare tips. Announces sendheaders (BIP130) and follows new tips announced by
// `headers` or `inv`. A peer that sends invalid headers is banned with the rule it broke;
// one that stalls is dropped and another takes over. With download hints, the ranges between
// hints are first fetched from every peer at once (header-ranges.ts) and validated in order as
// they become contiguous (range-download.ts); then the tail after the last hint is synced as above.
// A peer whose chain claims less work than the anti-DoS threshold is presynced first (Core
// HeadersSyncState, chain/presync.ts): nothing of it is stored until its work is shown.
import { EventEmitter } from 'node:events';
import { hashToDisplay } from '../util/bytes.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { reason, type DisconnectReason } from '../net/disconnect.js';
import type { AcceptResult, HeaderChain, ReorgInfo } from '../chain/header-chain.js';
import type { ChainError } from '../chain/errors.js';
import { blockHash, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { CHAIN_RULES } from '../chain/errors.js';
import { HeadersPresync, presyncNeeded } from '../chain/presync.js';
import { PROTOCOL_VERSION } from './constants.js';
import { InvType } from '../wire/inventory.js';
import { MAX_LOCATOR_SZ } from '../wire/messages/getheaders.js';
import type { DownloadHint } from './download-hints.js';
import {
  clampLocator,
  MAX_NO_PROGRESS_BATCHES,
  MAX_UNCONNECTING_HEADERS,
  RangeDownload,
  RANGE_PERSIST_EVERY_HEADERS,
  RANGE_STALL_MAX_MS,
  RANGE_STALL_MS,
  type RangeDownloadHost,
  type RangePeerState,
} from './range-download.js';
import { randomNonce64, supportsSendHeaders, type BitcoinPeer, type PeerService } from './protocol.js';

/** Core HEADERS_RESPONSE_TIME is 2 minutes; on loopback or a good link 30 s is plenty. */
export const HEADERS_RESPONSE_TIMEOUT_MS = 30_000;
/** A peer whose deep branch waits for the deep-branch slot asks again after this long (the
 * slot frees when its holder wins, loses, or sits idle for DEEP_BRANCH_IDLE_S). */
export const DEEP_BRANCH_RETRY_MS = 30_000;
export { MAX_LOCATOR_SZ, MAX_NO_PROGRESS_BATCHES, MAX_UNCONNECTING_HEADERS, RANGE_PERSIST_EVERY_HEADERS, RANGE_STALL_MAX_MS, RANGE_STALL_MS };
/** BIP31: pings carry a nonce (and are answered with it) from this protocol version on. */
const BIP31_VERSION = 60001;
const ZERO_HASH = new Uint8Array(32);

interface PeerSync extends RangePeerState {
  requestedAt: number;
  /** The peer answered with fewer than 2,000 headers: we have all it has. */
  caughtUp: boolean;
  /** Nonce of the ping sent right after our last getheaders: a pong with it before any
   * `headers` means the peer handled the getheaders and had nothing to send (bcoin and
   * others stay silent where Core sends an empty `headers`; messages are handled in order). */
  barrier: bigint | undefined;
  /** Height of the last header of this peer's last full batch (outside the range phase). */
  walkedTo: number;
}

export interface SyncProgress {
  readonly height: number;
  /** The highest height any peer claims (its version start_height or what it sent). */
  readonly peerHeight: number;
  readonly headersPerSec: number;
  readonly peer: string;
}

export interface SyncSummary {
  readonly height: number;
  readonly tipHash: string;
  readonly headersReceived: number;
  readonly seconds: number;
  readonly headersPerSec: number;
  readonly peersUsed: string[];
  readonly belowMinimumWork: boolean;
  /** getheaders messages sent (each one a round trip). */
  readonly getheaders: number;
  /** Hint ranges fetched in parallel and validated. */
  readonly hintRanges: number;
  /** Peers whose chain had too little work to be stored (below the network's minimum chain
   * work, or our tip's less 144 blocks), each with the height its chain reached. */
  readonly lowWorkChains: { readonly peer: string; readonly height: number }[];
}

export interface HeaderSyncEvents {
  progress: [p: SyncProgress];
  /** Every connected peer has told us all it has. Fires again after later catch-ups. */
  synced: [s: SyncSummary];
  reorg: [r: ReorgInfo, peer: string];
  /** New best tip while following (after the first `synced`). */
  tip: [height: number, hash: string, peer: string];
}

export interface HeaderSyncOptions {
  chain: HeaderChain;
  /** Make accepted headers durable (HeaderStore.flush). */
  persist?: () => void;
  log?: Log;
  /** The local clock, Unix seconds, for the 2-hour future limit (Core ≥ 27 uses the local
   * clock there, not a peer-adjusted time). */
  nowSeconds?: () => number;
  monotonic?: () => number;
  responseTimeoutMs?: number;
  /** Download hints (issue 10); ranges between them are fetched from all peers at once. */
  hints?: readonly DownloadHint[];
  /** Headers that ranges not yet validated may span (DEFAULT_RANGE_WINDOW_HEADERS). */
  rangeWindowHeaders?: number;
  /** RANGE_STALL_MS by default. */
  rangeStallMs?: number;
  /** DEEP_BRANCH_RETRY_MS by default. */
  deepRetryMs?: number;
}

export class HeaderSync extends EventEmitter<HeaderSyncEvents> implements PeerService {
  private readonly chain: HeaderChain;
  private readonly persist: () => void;
  private readonly log: Log;
  private readonly nowSeconds: () => number;
  private readonly monotonic: () => number;
  private readonly responseTimeoutMs: number;
  private readonly deepRetryMs: number;
  private readonly peers = new Map<BitcoinPeer, PeerSync>();
  private syncPeer: BitcoinPeer | undefined;
  private initialDone = false;
  private announcedSynced = false;
  /** When the first getheaders went out (headers/s is measured from there). */
  private startedAt: number | undefined;
  private readonly startHeight: number;
  private received = 0;
  private readonly used = new Set<string>();
  /** Peers whose chain was not stored for too little work (Core: "Ignoring low-work chain"), with the height it reached. */
  private readonly lowWork = new Map<string, number>();
  private getheadersSent = 0;
  /** The range phase (hints above our height); undefined before/after it or without hints. */
  private ranges: RangeDownload | undefined;
  private rangesDone = 0;
  private peakRangeHeaders = 0;
  /** Headers validated from ranges and not yet persisted. */
  private unpersisted = 0;
  /** Peers whose low-work chain is being proven before any of it is stored (Core headers presync). */
  private readonly presync = new Map<BitcoinPeer, HeadersPresync>();
  private peersPending: () => boolean = () => false;

  constructor(opts: HeaderSyncOptions) {
    super();
    this.chain = opts.chain;
    this.persist = opts.persist ?? (() => {});
    this.log = opts.log ?? silentLog;
    this.nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.responseTimeoutMs = opts.responseTimeoutMs ?? HEADERS_RESPONSE_TIMEOUT_MS;
    this.deepRetryMs = opts.deepRetryMs ?? DEEP_BRANCH_RETRY_MS;
    this.startHeight = this.chain.height;
    this.ranges = RangeDownload.plan(this.rangeHost(), opts.hints ?? [], { windowHeaders: opts.rangeWindowHeaders, stallMs: opts.rangeStallMs });
  }

  /** What the range phase may use of this sync. */
  private rangeHost(): RangeDownloadHost {
    return {
      chain: this.chain,
      log: this.log,
      peers: this.peers,
      monotonic: () => this.monotonic(),
      getheaders: (peer, locator, hashStop) => {
        const st = this.peers.get(peer);
        if (st) this.getheaders(peer, st, locator, hashStop);
      },
      accept: (peer, headers, hashes, defer) => this.accept(peer, headers, hashes, defer),
      rejected: (peer, error) => this.rejected(peer, error),
      unpersisted: () => this.unpersisted,
      persistNow: () => this.persistNow(),
      linked: (peer) => this.used.add(peer.label),
      rangesDone: () => this.finishRanges(),
    };
  }

  /** The most headers held in hint ranges at once (bounded by the window). */
  get rangeWindowPeak(): number {
    return Math.max(this.peakRangeHeaders, this.ranges?.peakHeld ?? 0);
  }

  get inRangePhase(): boolean {
    return this.ranges !== undefined;
  }

  get isSynced(): boolean {
    return this.announcedSynced;
  }

  get currentSyncPeer(): BitcoinPeer | undefined {
    return this.syncPeer;
  }

  summary(): SyncSummary {
    const seconds = Math.max(1e-6, (this.monotonic() - (this.startedAt ?? this.monotonic())) / 1000);
    return {
      height: this.chain.height,
      tipHash: this.chain.tip.hashHex,
      headersReceived: this.chain.height - this.startHeight,
      seconds,
      headersPerSec: (this.chain.height - this.startHeight) / seconds,
      peersUsed: [...this.used],
      belowMinimumWork: this.chain.isBelowMinimumWork(),
      getheaders: this.getheadersSent,
      hintRanges: this.rangesDone + (this.ranges?.completed ?? 0),
      lowWorkChains: [...this.lowWork].map(([peer, height]) => ({ peer, height })),
    };
  }

  // --- PeerService -----------------------------------------------------------------------

  onReady(peer: BitcoinPeer): void {
    this.peers.set(peer, {
      inFlight: false,
      requestedAt: 0,
      caughtUp: false,
      claimedHeight: peer.state.remote?.startHeight ?? 0,
      unconnecting: 0,
      noProgress: 0,
      walkedTo: 0,
      barrier: undefined,
      range: undefined,
      sequential: false,
      continueFrom: undefined,
    });
    // BIP130: ask for new blocks as headers announcements.
    if (supportsSendHeaders(peer)) peer.send({ command: 'sendheaders' });
    if (this.ranges) {
      this.ranges.schedule();
      return;
    }
    if (!this.initialDone) {
      if (!this.syncPeer) this.startSyncWith(peer);
    } else {
      this.request(peer); // compare tips with a newcomer
    }
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    const st = this.peers.get(peer);
    if (!st) return;
    switch (msg.command) {
      case 'headers':
        if (st.range || st.sequential || (this.ranges && !st.inFlight)) this.onRangePhaseHeaders(peer, st, msg.headers);
        else this.onHeaders(peer, st, msg.headers);
        return;
      case 'pong':
        // The barrier ping after a getheaders came back before any headers: nothing for us.
        if (st.inFlight && st.barrier === msg.nonce) {
          this.log.debug(`${peer.label}: answered our ping but sent no headers: it has nothing beyond our ${this.chain.height}`);
          if (st.range || st.sequential) this.onRangePhaseHeaders(peer, st, []);
          else this.onHeaders(peer, st, []);
        }
        return;
      case 'inv':
        // A block announced by hash we do not know: fetch the headers leading to it.
        // (During the range phase the tail sync after the last hint will fetch it.)
        if (!this.ranges && msg.items.some((i) => (i.type === InvType.BLOCK || i.type === InvType.WITNESS_BLOCK) && !this.chain.hasHeader(i.hash)) && !st.inFlight && !this.presync.has(peer))
          this.request(peer);
        return;
      default:
        return;
    }
  }

  onDisconnect(peer: BitcoinPeer, why: DisconnectReason): void {
    this.peers.delete(peer);
    this.presync.delete(peer);
    if (this.ranges) {
      this.ranges.release(peer, why.code);
      return;
    }
    if (peer !== this.syncPeer) return this.checkSynced();
    this.syncPeer = undefined;
    this.log.info(`sync peer ${peer.label} gone (${why.code}); choosing another`);
    const next = this.pickSyncPeer();
    if (next) this.startSyncWith(next);
    else this.checkSynced();
  }

  // --- internals ---------------------------------------------------------------------------

  private pickSyncPeer(): BitcoinPeer | undefined {
    let best: BitcoinPeer | undefined;
    for (const [p, s] of this.peers) {
      if (p.isClosed || s.caughtUp || s.inFlight) continue;
      if (!best || s.claimedHeight > (this.peers.get(best)?.claimedHeight ?? 0)) best = p;
    }
    return best;
  }

  private startSyncWith(peer: BitcoinPeer): void {
    this.syncPeer = peer;
    this.log.info(`syncing headers from ${peer.label} (claims height ${this.peers.get(peer)?.claimedHeight}, we have ${this.chain.height})`);
    this.request(peer);
  }

  /** getheaders from our best tip, or from a header just received (Core uses the last
   * header of a full batch as the locator's start). */
  private request(peer: BitcoinPeer, from?: Uint8Array, startLocator?: Uint8Array[]): void {
    const st = this.peers.get(peer);
    if (!st) return;
    let locator = startLocator ?? this.chain.blockLocator();
    if (from) locator = [from, ...locator];
    locator = clampLocator(locator);
    st.inFlight = true;
    st.range = undefined;
    st.sequential = false;
    this.getheaders(peer, st, locator, ZERO_HASH);
  }

  /** Sends a getheaders, the barrier ping after it, and arms the response timer. */
  private getheaders(peer: BitcoinPeer, st: PeerSync, locator: Uint8Array[], hashStop: Uint8Array): void {
    st.requestedAt = this.monotonic();
    this.startedAt ??= st.requestedAt;
    this.getheadersSent++;
    peer.send({ command: 'getheaders', version: PROTOCOL_VERSION, locator, hashStop });
    this.sendBarrier(peer, st);
    peer.setTimer('headers-response', this.responseTimeoutMs, () => this.onResponseTimeout(peer));
  }

  /** A ping right after a getheaders (see PeerSync.barrier). */
  private sendBarrier(peer: BitcoinPeer, st: PeerSync): void {
    if ((peer.state.remote?.version ?? 0) < BIP31_VERSION) {
      st.barrier = undefined;
      return;
    }
    st.barrier = randomNonce64();
    peer.send({ command: 'ping', nonce: st.barrier });
  }

  /** No reply to a getheaders in time. A peer that claims no more than we have is not
   * stalling, it has nothing for us (silent when up to date); any other is dropped. */
  private onResponseTimeout(peer: BitcoinPeer): void {
    const st = this.peers.get(peer);
    if (st && !st.range && st.claimedHeight <= this.chain.height) {
      this.log.info(`${peer.label} sent no headers and claims height ${st.claimedHeight} <= our ${this.chain.height}: up to date`);
      if (st.sequential) this.onRangePhaseHeaders(peer, st, []);
      else {
        st.inFlight = false;
        this.caughtUp(peer, st);
      }
      return;
    }
    peer.disconnect(reason('timeout', 'headers_stalled', `no headers reply within ${this.responseTimeoutMs} ms`));
  }

  private onHeaders(peer: BitcoinPeer, st: PeerSync, headers: readonly Uint8Array[]): void {
    const wasInFlight = st.inFlight;
    st.inFlight = false;
    peer.clearTimer('headers-response');
    if (headers.length > MAX_HEADERS_PER_MSG) {
      peer.misbehaving('too_many_headers', `${headers.length} headers in one message (max ${MAX_HEADERS_PER_MSG})`);
      return;
    }
    if (headers.length === 0) {
      this.caughtUp(peer, st);
      return;
    }
    if (this.presyncHeaders(peer, st, headers)) return;
    const before = this.chain.height;
    const result = this.chain.acceptHeaders(headers, this.nowSeconds());
    if (result.added > 0) {
      this.persist();
      this.received += result.added;
      this.used.add(peer.label);
    }
    if (result.reorg) this.reorged(result.reorg, peer);
    if (result.error) {
      const { error, index } = result.error;
      const rule = CHAIN_RULES[error.code];
      if (error.code === 'prev_not_found' && index === 0) {
        // BIP130: an announcement we cannot connect; ask for the headers in between.
        if (++st.unconnecting > MAX_UNCONNECTING_HEADERS) {
          peer.disconnect(reason('protocol', 'unconnecting_headers', `${st.unconnecting} header messages that do not connect`));
          return;
        }
        this.request(peer);
        return;
      }
      if (rule.ban) {
        peer.misbehaving(error.code, `invalid header${error.height !== undefined ? ` at height ${error.height}` : ''}: ${error.message} [${rule.core}]`);
        return;
      }
      if (error.code === 'side_branch_limit') {
        this.deepBranchBusy(peer, error.message);
        return;
      }
      if (rule.retryLater) {
        this.log.info(`${peer.label}: header not accepted yet (${error.code}): ${error.message}`);
        this.caughtUp(peer, st);
        return;
      }
      peer.disconnect(reason('protocol', error.code, error.message));
      return;
    }
    st.unconnecting = 0;
    const last = headers[headers.length - 1] as Uint8Array;
    const lastHeight = this.chain.findHeader(blockHash(last))?.height ?? this.chain.height;
    st.claimedHeight = Math.max(st.claimedHeight, lastHeight);
    if (this.chain.height !== before) this.emitProgress(peer);
    if (this.announcedSynced && result.tipChanged) this.emit('tip', this.chain.height, this.chain.tip.hashHex, peer.label);

    if (headers.length === MAX_HEADERS_PER_MSG) {
      // Nothing new and no further than its last batch: the same batch again, a peer stuck or
      // playing games (not invalid, so not a ban). A batch of headers another peer gave us
      // first still moves this peer's walk forward: that is progress.
      const advanced = result.added > 0 || lastHeight > st.walkedTo;
      st.walkedTo = lastHeight;
      if (!advanced) {
        if (++st.noProgress >= MAX_NO_PROGRESS_BATCHES) {
          peer.disconnect(reason('protocol', 'headers_no_progress', `${st.noProgress} full headers batches with nothing new`));
          return;
        }
      } else st.noProgress = 0;
      this.request(peer, blockHash(last)); // there may be more
    } else if (wasInFlight || !this.announcedSynced) {
      this.caughtUp(peer, st);
    }
  }

  /** acceptHeaders, then persistence (now, or `deferPersist`: by validateRanges), reorg
   * events and progress. */
  private accept(peer: BitcoinPeer, headers: readonly Uint8Array[], hashes?: Uint32Array, deferPersist = false, parentHeight?: number): AcceptResult {
    const before = this.chain.height;
    const result = this.chain.acceptHeaders(headers, this.nowSeconds(), hashes || parentHeight !== undefined ? { hashes, parentHeight } : undefined);
    if (result.added > 0) {
      if (deferPersist) this.unpersisted += result.added;
      else this.persistNow();
      this.received += result.added;
      this.used.add(peer.label);
    }
    if (result.reorg) this.reorged(result.reorg, peer);
    if (this.chain.height !== before) this.emitProgress(peer);
    return result;
  }

  private persistNow(): void {
    this.unpersisted = 0;
    this.persist();
  }

  /** A header `peer` sent was rejected: ban for broken rules (Core), else note it. Returns
   * true when the peer may stay. */
  private rejected(peer: BitcoinPeer, error: ChainError): boolean {
    const rule = CHAIN_RULES[error.code];
    if (rule.ban) {
      if (!peer.isClosed) peer.misbehaving(error.code, `invalid header${error.height !== undefined ? ` at height ${error.height}` : ''}: ${error.message} [${rule.core}]`);
      return false;
    }
    this.log.info(`${peer.label}: header not accepted (${error.code}): ${error.message}`);
    return true;
  }

  /** A headers message for the range phase, or a late reply to a range request after it. */
  private onRangePhaseHeaders(peer: BitcoinPeer, st: PeerSync, headers: readonly Uint8Array[]): void {
    if (this.ranges) return this.ranges.onHeaders(peer, st, headers);
    const solicited = st.inFlight;
    st.inFlight = false;
    st.range = undefined;
    st.sequential = false;
    peer.clearTimer('headers-response');
    peer.clearTimer('range-stall');
    if (solicited) this.afterLateRangeReply(peer, st);
  }

  /** Hints are used up: sync the tail after the last one the usual way, from our tip. */
  private finishRanges(): void {
    const rd = this.ranges;
    if (!rd) return;
    this.rangesDone += rd.completed;
    this.peakRangeHeaders = Math.max(this.peakRangeHeaders, rd.peakHeld);
    this.ranges = undefined;
    const next = this.pickSyncPeer(); // (peers still owing a range reply join when it comes)
    if (next) this.startSyncWith(next);
  }

  /** A range reply that came after the range phase ended: ignored; the peer joins the tail
   * sync (as its sync peer if there is none yet, or to compare tips). */
  private afterLateRangeReply(peer: BitcoinPeer, st: PeerSync): void {
    if (!this.initialDone) {
      if (!this.syncPeer) this.startSyncWith(peer);
    } else if (!st.caughtUp) this.request(peer);
  }

  private reorged(r: ReorgInfo, peer: BitcoinPeer): void {
    this.log.warn(`reorg of depth ${r.depth} at height ${r.forkHeight}: ${r.oldTip.hashHex} (${r.oldTip.height}) -> ${r.newTip.hashHex} (${r.newTip.height}), from ${peer.label}`);
    this.emit('reorg', r, peer.label);
  }

  // --- headers presync (Core HeadersSyncState; src/chain/presync.ts) -----------------------

  /**
   * A chain claiming less work than the anti-DoS threshold (the network minimum, or our tip
   * less 144 blocks) is proven first and stored only then, however deep it forks. Returns
   * true when `headers` were handled here.
   */
  private presyncHeaders(peer: BitcoinPeer, st: PeerSync, headers: readonly Uint8Array[]): boolean {
    let ps = this.presync.get(peer);
    if (!ps) {
      const need = presyncNeeded(this.chain, headers);
      if (need === undefined) return false;
      if (need === 'ignore') {
        // Core ProcessHeadersMessage: "Ignoring low-work chain" (a short reply: the peer has no more).
        const height = (this.chain.claimedWork(headers)?.parentHeight ?? 0) + headers.length;
        this.lowWork.set(peer.label, height);
        this.log.info(`${peer.label}: its chain (height ${height}) has less work than required (${this.chain.isBelowMinimumWork() ? 'the network minimum chain work' : 'our tip less 144 blocks'}); not stored`);
        this.caughtUp(peer, st);
        return true;
      }
      ps = new HeadersPresync(this.chain, need.start, need.minimumWork, this.nowSeconds());
      this.presync.set(peer, ps);
      this.log.info(`${peer.label}: chain from height ${need.start.height} below the work threshold: presync (stored only once its work is shown)`);
    }
    const step = ps.process(headers, this.nowSeconds());
    if (step.kind === 'failed') {
      this.presync.delete(peer);
      if (step.ban) peer.misbehaving(step.code, `presync: ${step.message}`);
      else if (step.code === 'low_work_chain') {
        this.lowWork.set(peer.label, ps.height);
        this.log.info(`${peer.label}: ${step.message}; not stored`);
        this.caughtUp(peer, st);
      } else peer.disconnect(reason('protocol', step.code, step.message));
      return true;
    }
    if (!this.releaseProven(peer, step.release, step.releaseParent)) return true;
    if (step.kind === 'continue') {
      if (ps.state === 'redownload' && step.release.length === 0 && ps.height === ps.start.height)
        this.log.info(`${peer.label}: presync showed enough work; downloading it again from height ${ps.start.height} to store it`);
      this.request(peer, undefined, step.locator);
      return true;
    }
    this.presync.delete(peer);
    const last = step.release[step.release.length - 1];
    if (step.more && last) this.request(peer, blockHash(last));
    else this.caughtUp(peer, st);
    return true;
  }

  /** Hands proven presync headers (the first one's parent at `parentHeight`) to the chain,
   * 2,000 at a time; the height lets the chain find a parent that has left its memory window
   * (another peer may have moved the chain there meanwhile). False if the peer was dropped. */
  private releaseProven(peer: BitcoinPeer, headers: readonly Uint8Array[], parentHeight: number): boolean {
    for (let i = 0; i < headers.length; i += MAX_HEADERS_PER_MSG) {
      const r = this.accept(peer, headers.slice(i, i + MAX_HEADERS_PER_MSG), undefined, false, parentHeight + i);
      if (r.error) {
        if (r.error.error.code === 'side_branch_limit') {
          // Proven, but the deep-branch slot is busy: presync again later (Core would store it).
          this.presync.delete(peer);
          this.deepBranchBusy(peer, r.error.error.message);
          return false;
        }
        peer.disconnect(reason('protocol', r.error.error.code, `proven headers not accepted: ${r.error.error.message}`));
        return false;
      }
    }
    return true;
  }

  /**
   * The peer's branch forks too deep for memory and the one deep-branch slot holds another
   * branch with at least as much work (HeaderChain.addToBranch). Not the peer's fault, and its
   * chain may still end with more work: keep it, not caught up (so `synced` waits for it), and
   * ask again once the slot may have been freed (the other branch won, lost or sat idle).
   */
  private deepBranchBusy(peer: BitcoinPeer, message: string): void {
    this.log.info(`${peer.label}: its branch waits for the deep-branch slot (${message}); asking again in ${Math.round(this.deepRetryMs / 1000)} s`);
    peer.setTimer('deep-branch-retry', this.deepRetryMs, () => {
      const st = this.peers.get(peer);
      if (st && !st.inFlight) this.request(peer);
    });
  }

  private caughtUp(peer: BitcoinPeer, st: PeerSync): void {
    st.caughtUp = true;
    if (st.claimedHeight > this.chain.height)
      this.log.info(`${peer.label} claimed height ${st.claimedHeight} but has nothing beyond our ${this.chain.height}`);
    st.claimedHeight = Math.min(st.claimedHeight, this.chain.height);
    if (!this.initialDone && peer === this.syncPeer) {
      this.initialDone = true;
      this.syncPeer = undefined;
      // After the initial sync, compare tips: ask every other peer what it has beyond ours.
      for (const [p, s] of this.peers) if (p !== peer && !s.caughtUp && !s.inFlight) this.request(p);
    }
    this.checkSynced();
  }

  /**
   * While `pending()` is true (user-named peers still connecting: their chain may have more
   * work than what the connected ones told us), `synced` waits; call checkSynced() when it
   * changes. Without it, synced means "every connected peer has told us all it has".
   */
  waitForPeers(pending: () => boolean): void {
    this.peersPending = pending;
  }

  /** Announces `synced` if every peer has caught up and none is pending any more. */
  checkSynced(): void {
    if (!this.initialDone) return;
    if (this.peersPending()) return;
    for (const s of this.peers.values()) if (s.inFlight || !s.caughtUp) return;
    if (this.peers.size === 0) return;
    const first = !this.announcedSynced;
    this.announcedSynced = true;
    if (first) {
      const s = this.summary();
      this.log.info(`headers synced: height ${s.height} tip ${s.tipHash}${s.belowMinimumWork ? ' (below the network minimum chain work: not trusted)' : ''}`);
      this.emit('synced', s);
    }
  }

  private emitProgress(peer: BitcoinPeer): void {
    let peerHeight = this.chain.height;
    for (const s of this.peers.values()) peerHeight = Math.max(peerHeight, s.claimedHeight);
    const elapsed = Math.max(1e-6, (this.monotonic() - (this.startedAt ?? this.monotonic())) / 1000);
    this.emit('progress', { height: this.chain.height, peerHeight, headersPerSec: this.received / elapsed, peer: peer.label });
  }
}

/** Display hash of a raw header (for logs). */
export function headerHashHex(raw: Uint8Array): string {
  return hashToDisplay(blockHash(raw));
}
