// Headers-first sync (protocol.md section 5): getheaders with a block locator to one sync
// peer, 2,000 headers per reply, repeat until a short reply; then ask every other peer once
// to compare tips. Announces sendheaders (BIP130) and follows new tips announced by
// `headers` or `inv`. A peer that sends invalid headers is banned with the rule it broke;
// one that stalls is dropped and another takes over. With download hints, the ranges between
// hints are first fetched from every peer at once (header-ranges.ts) and validated in order as
// they become contiguous; then the tail after the last hint is synced as above.
import { EventEmitter } from 'node:events';
import { hashToDisplay } from '../util/bytes.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { reason, type DisconnectReason } from '../net/disconnect.js';
import type { AcceptResult, HeaderChain, ReorgInfo } from '../chain/header-chain.js';
import type { ChainError } from '../chain/errors.js';
import { blockHash, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { CHAIN_RULES } from '../chain/errors.js';
import { PROTOCOL_VERSION } from './constants.js';
import type { DownloadHint } from './download-hints.js';
import { HeaderRanges, type HeaderRange } from './header-ranges.js';
import { randomNonce64, supportsSendHeaders, type BitcoinPeer, type PeerService } from './protocol.js';

/** Core HEADERS_RESPONSE_TIME is 2 minutes; on loopback or a good link 30 s is plenty. */
export const HEADERS_RESPONSE_TIMEOUT_MS = 30_000;
/** Core MAX_LOCATOR_SZ: peers disconnect a getheaders with more entries. */
export const MAX_LOCATOR_SZ = 101;
/** Unconnecting header announcements tolerated before we give up on a peer (Core, before
 * v26: MAX_NUM_UNCONNECTING_HEADERS_MSGS = 10). */
export const MAX_UNCONNECTING_HEADERS = 10;
/** Full batches that teach us nothing before the peer is dropped (same batch forever). */
export const MAX_NO_PROGRESS_BATCHES = 3;
/** BIP31: pings carry a nonce (and are answered with it) from this protocol version on. */
const BIP31_VERSION = 60001;
/** How long the first range (the one validation waits for) may sit at one peer while others
 * are idle before it moves to one of them: Core BLOCK_STALLING_TIMEOUT_DEFAULT (2 s), doubled
 * after each move up to BLOCK_STALLING_TIMEOUT_MAX (64 s), decaying by 0.85 per range, as Core's. */
export const RANGE_STALL_MS = 2_000;
export const RANGE_STALL_MAX_MS = 64_000;
/** In the range phase headers validated from ranges are made durable (fsync) once this many
 * have piled up, not after every batch: validation is then the critical path, and an fsync per
 * 2,000 headers costs as much as the validating. A `kill -9` loses at most these (fetched again). */
export const RANGE_PERSIST_EVERY_HEADERS = 20_000;
const MSG_BLOCK = 2;
const MSG_WITNESS_BLOCK = 0x40000002;
const ZERO_HASH = new Uint8Array(32);

interface PeerSync {
  inFlight: boolean;
  requestedAt: number;
  /** The peer answered with fewer than 2,000 headers: we have all it has. */
  caughtUp: boolean;
  /** Height of the last header it gave us (or its version start_height until then). */
  claimedHeight: number;
  unconnecting: number;
  noProgress: number;
  /** Nonce of the ping sent right after our last getheaders: a pong with it before any
   * `headers` means the peer handled the getheaders and had nothing to send (bcoin and
   * others stay silent where Core sends an empty `headers`; messages are handled in order). */
  barrier: bigint | undefined;
  /** The hint range the outstanding getheaders is for (range phase). */
  range: HeaderRange<BitcoinPeer> | undefined;
  /** The outstanding getheaders fetches the first range sequentially (full locator). */
  sequential: boolean;
  /** Last header of this peer's last full sequential batch: the next request starts there
   * (Core does the same), so a peer on a branch of equal work still moves forward. */
  continueFrom: Uint8Array | undefined;
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
  /** Adjusted network time, Unix seconds (the 2-hour future limit). */
  nowSeconds?: () => number;
  monotonic?: () => number;
  responseTimeoutMs?: number;
  /** Download hints (issue 10); ranges between them are fetched from all peers at once. */
  hints?: readonly DownloadHint[];
  /** Headers that ranges not yet validated may span (DEFAULT_RANGE_WINDOW_HEADERS). */
  rangeWindowHeaders?: number;
  /** RANGE_STALL_MS by default. */
  rangeStallMs?: number;
}

export class HeaderSync extends EventEmitter<HeaderSyncEvents> implements PeerService {
  private readonly chain: HeaderChain;
  private readonly persist: () => void;
  private readonly log: Log;
  private readonly nowSeconds: () => number;
  private readonly monotonic: () => number;
  private readonly responseTimeoutMs: number;
  private readonly peers = new Map<BitcoinPeer, PeerSync>();
  private syncPeer: BitcoinPeer | undefined;
  private initialDone = false;
  private announcedSynced = false;
  /** When the first getheaders went out (headers/s is measured from there). */
  private startedAt: number | undefined;
  private readonly startHeight: number;
  private received = 0;
  private readonly used = new Set<string>();
  private getheadersSent = 0;
  /** The range phase (hints above our height); undefined before/after it or without hints. */
  private ranges: HeaderRanges<BitcoinPeer> | undefined;
  private rangesDone = 0;
  private peakRangeHeaders = 0;
  /** The peer fetching the first range sequentially. */
  private sequentialPeer: BitcoinPeer | undefined;
  private rangeStallMs: number;
  private readonly baseRangeStallMs: number;
  private scheduling = false;
  /** Headers validated from ranges and not yet persisted. */
  private unpersisted = 0;

  constructor(opts: HeaderSyncOptions) {
    super();
    this.chain = opts.chain;
    this.persist = opts.persist ?? (() => {});
    this.log = opts.log ?? silentLog;
    this.nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.responseTimeoutMs = opts.responseTimeoutMs ?? HEADERS_RESPONSE_TIMEOUT_MS;
    this.startHeight = this.chain.height;
    this.baseRangeStallMs = this.rangeStallMs = opts.rangeStallMs ?? RANGE_STALL_MS;
    this.ranges = this.planRanges(opts.hints ?? [], opts.rangeWindowHeaders);
  }

  /** The most headers held in hint ranges at once (bounded by the window). */
  get rangeWindowPeak(): number {
    return Math.max(this.peakRangeHeaders, this.ranges?.peakHeld ?? 0);
  }

  get inRangePhase(): boolean {
    return this.ranges !== undefined;
  }

  private planRanges(hints: readonly DownloadHint[], window: number | undefined): HeaderRanges<BitcoinPeer> | undefined {
    const tip = this.chain.height;
    const last = hints[hints.length - 1];
    if (!last || last.height <= tip) return undefined;
    // The highest hint we have passed must be on our chain; if not, the hints describe
    // another chain than the one we hold and are of no use from here.
    let below: DownloadHint | undefined;
    for (const h of hints) {
      if (h.height > tip) break;
      below = h;
    }
    if (below && !sameHash(this.chain.hashAt(below.height), below.hash)) {
      this.log.warn(`download hint at height ${below.height} is not on our stored chain: hints not used`);
      return undefined;
    }
    this.log.info(`download hints up to height ${last.height}: fetching the ranges between them from all peers at once`);
    return new HeaderRanges<BitcoinPeer>(hints, { height: tip, hash: this.chain.tip.hash }, this.chain.params.powLimit, window);
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
      barrier: undefined,
      range: undefined,
      sequential: false,
      continueFrom: undefined,
    });
    // BIP130: ask for new blocks as headers announcements.
    if (supportsSendHeaders(peer)) peer.send({ command: 'sendheaders' });
    if (this.ranges) {
      this.schedule();
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
        if (!this.ranges && msg.items.some((i) => (i.type === MSG_BLOCK || i.type === MSG_WITNESS_BLOCK) && !this.chain.hasHeader(i.hash)) && !st.inFlight)
          this.request(peer);
        return;
      default:
        return;
    }
  }

  onDisconnect(peer: BitcoinPeer, why: DisconnectReason): void {
    this.peers.delete(peer);
    if (this.ranges) {
      const moved = this.ranges.release(peer);
      if (this.sequentialPeer === peer) this.sequentialPeer = undefined;
      if (moved.length) this.log.info(`${peer.label} gone (${why.code}); its ${moved.length} range(s) go to other peers`);
      this.schedule();
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
  private request(peer: BitcoinPeer, from?: Uint8Array): void {
    const st = this.peers.get(peer);
    if (!st) return;
    let locator = this.chain.blockLocator();
    if (from) locator = [from, ...locator];
    if (locator.length > MAX_LOCATOR_SZ) locator = [...locator.slice(0, MAX_LOCATOR_SZ - 1), locator[locator.length - 1] as Uint8Array];
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
    const before = this.chain.height;
    const result = this.chain.acceptHeaders(headers, this.nowSeconds());
    if (result.added > 0) {
      this.persist();
      this.received += result.added;
      this.used.add(peer.label);
    }
    if (result.reorg) {
      const r = result.reorg;
      this.log.warn(`reorg of depth ${r.depth} at height ${r.forkHeight}: ${r.oldTip.hashHex} (${r.oldTip.height}) -> ${r.newTip.hashHex} (${r.newTip.height}), from ${peer.label}`);
      this.emit('reorg', r, peer.label);
    }
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
      if (result.added === 0) {
        // The same batch again: a peer stuck or playing games. Not invalid, so not a ban.
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

  // --- the range phase (download hints) ------------------------------------------------------

  /** A headers message while hint ranges are being fetched (or a late reply to one). */
  private onRangePhaseHeaders(peer: BitcoinPeer, st: PeerSync, headers: readonly Uint8Array[]): void {
    const range = st.range;
    const sequential = st.sequential;
    const solicited = st.inFlight;
    st.inFlight = false;
    st.range = undefined;
    st.sequential = false;
    peer.clearTimer('headers-response');
    peer.clearTimer('range-stall');
    if (headers.length > MAX_HEADERS_PER_MSG) {
      peer.misbehaving('too_many_headers', `${headers.length} headers in one message (max ${MAX_HEADERS_PER_MSG})`);
      return;
    }
    if (!this.ranges && solicited) return this.afterLateRangeReply(peer, st); // the range phase ended meanwhile
    if (!solicited || !range) {
      // Not an answer to a range request (an announcement, or a duplicate): the tail sync after
      // the last hint fetches new tips. Count it like an unconnecting announcement.
      if (++st.unconnecting > MAX_UNCONNECTING_HEADERS) {
        peer.disconnect(reason('protocol', 'unconnecting_headers', `${st.unconnecting} header messages we did not ask for during the range download`));
        return;
      }
      this.log.debug(`${peer.label}: ${headers.length} header(s) we did not ask for during the range download; ignored`);
      return this.schedule();
    }
    if (sequential) {
      if (this.sequentialPeer === peer) this.sequentialPeer = undefined;
      let more = false;
      st.continueFrom = undefined;
      if (headers.length > 0) {
        const result = this.accept(peer, headers);
        if (result.error && !this.rejected(peer, result.error.error)) return;
        if (!result.error && headers.length === MAX_HEADERS_PER_MSG) {
          if (result.added > 0) st.noProgress = 0;
          else if (++st.noProgress >= MAX_NO_PROGRESS_BATCHES) {
            peer.disconnect(reason('protocol', 'headers_no_progress', `${st.noProgress} full headers batches with nothing new`));
            return;
          }
          st.continueFrom = blockHash(headers[headers.length - 1] as Uint8Array);
          more = true;
        }
        st.claimedHeight = Math.max(st.claimedHeight, this.chain.height);
      }
      if (!more && range.to.height > this.chain.height) range.exhaustedPeers.add(peer);
      return this.schedule();
    }
    const planner = this.ranges;
    if (!planner || range.peer !== peer || range.state !== 'fetching') return this.schedule(); // moved elsewhere meanwhile: stale
    const r = planner.receive(range, peer, headers);
    switch (r.kind) {
      case 'invalid':
        peer.misbehaving(r.code, `range ${range.from.height}..${range.to.height}: ${r.message} [${CHAIN_RULES[r.code].core}]`);
        planner.release(peer);
        return this.schedule();
      case 'unlinked':
        this.log.info(`${peer.label}: range ${range.from.height}..${range.to.height} does not link (${r.why}); fetching it elsewhere`);
        planner.fail(range, peer, this.otherPeersFor(range, peer));
        return this.schedule();
      case 'partial':
        return this.requestRange(peer, st, range); // the next 2,000 of the same range
      case 'complete':
        this.log.debug(`range ${range.from.height}..${range.to.height} linked (${peer.label})`);
        this.used.add(peer.label);
        return this.schedule();
      default: {
        const never: never = r;
        throw new Error(`unhandled range reply ${String(never)}`);
      }
    }
  }

  /** acceptHeaders, then persistence (now, or `deferPersist`: by validateRanges), reorg
   * events and progress. */
  private accept(peer: BitcoinPeer, headers: readonly Uint8Array[], hashes?: Uint32Array, deferPersist = false): AcceptResult {
    const before = this.chain.height;
    const result = this.chain.acceptHeaders(headers, this.nowSeconds(), hashes ? { hashes } : undefined);
    if (result.added > 0) {
      if (deferPersist) this.unpersisted += result.added;
      else this.persistNow();
      this.received += result.added;
      this.used.add(peer.label);
    }
    if (result.reorg) {
      const r = result.reorg;
      this.log.warn(`reorg of depth ${r.depth} at height ${r.forkHeight}: ${r.oldTip.hashHex} (${r.oldTip.height}) -> ${r.newTip.hashHex} (${r.newTip.height}), from ${peer.label}`);
      this.emit('reorg', r, peer.label);
    }
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

  /** Validates, in order, every range that is complete and contiguous with our tip. */
  private validateRanges(): void {
    const planner = this.ranges;
    if (!planner) return;
    const onPassed = (r: HeaderRange<BitcoinPeer>, matches: boolean): void => {
      if (!matches) this.log.warn(`download hint at height ${r.to.height} is not on the chain we validated (a wrong hint or a lower-work fork); ignored`);
    };
    for (let r = planner.nextToValidate(this.chain, onPassed); r; r = planner.nextToValidate(this.chain, onPassed)) {
      let failedBy: BitcoinPeer | undefined;
      for (const b of r.batches) {
        const result = this.accept(b.from, b.headers, b.hashes, true);
        if (result.error) {
          failedBy = b.from;
          this.rejected(b.from, result.error.error);
          break;
        }
      }
      if (failedBy) {
        planner.fail(r, failedBy, this.otherPeersFor(r, failedBy));
        continue;
      }
      planner.validated();
      this.rangeStallMs = Math.max(this.baseRangeStallMs, this.rangeStallMs * 0.85);
    }
    if (this.unpersisted >= RANGE_PERSIST_EVERY_HEADERS) this.persistNow();
  }

  /** Drives the range phase: validate what is contiguous, open ranges in the window, give
   * idle peers work, move a stalled first range; when nothing is left, the tail sync. */
  private schedule(): void {
    const planner = this.ranges;
    if (!planner || this.scheduling) return;
    this.scheduling = true;
    try {
      // Requests go out before validating, so the network works while we validate.
      let maxClaim = 0;
      for (const [p, s] of this.peers) if (!p.isClosed) maxClaim = Math.max(maxClaim, s.claimedHeight);
      planner.fill(maxClaim);
      this.assignIdlePeers(planner);
      this.validateRanges();
      planner.fill(maxClaim); // validation made room in the window
      const head = planner.head;
      if (head?.state === 'sequential' && !this.sequentialPeer) {
        let best: BitcoinPeer | undefined;
        let helpers = 0;
        for (const [p, s] of this.peers) {
          if (p.isClosed || head.exhaustedPeers.has(p)) continue;
          helpers++;
          // Prefer the peer that is mid-way (its last full batch), then the highest claim.
          const b = best && this.peers.get(best);
          if (!s.inFlight && (!b || (s.continueFrom !== undefined) > (b.continueFrom !== undefined) || ((s.continueFrom !== undefined) === (b.continueFrom !== undefined) && s.claimedHeight > b.claimedHeight))) best = p;
        }
        if (best) this.requestSequentialHead(best, this.peers.get(best) as PeerSync, head);
        else if (helpers === 0 && this.peers.size > 0) {
          this.log.info(`no peer has headers beyond ${this.chain.height} towards the hint at ${head.to.height}; hints dropped`);
          planner.abandon();
        }
      }
      if (planner.finished(maxClaim)) return this.finishRanges();
      this.assignIdlePeers(planner);
      this.moveStalledHead(this.monotonic());
    } finally {
      this.scheduling = false;
    }
  }

  private assignIdlePeers(planner: HeaderRanges<BitcoinPeer>): void {
    const now = this.monotonic();
    for (const [p, s] of this.peers) {
      if (p.isClosed || s.inFlight) continue;
      const r = planner.assign(p, s.claimedHeight, now);
      if (r) this.requestRange(p, s, r);
    }
  }

  private requestRange(peer: BitcoinPeer, st: PeerSync, range: HeaderRange<BitcoinPeer>): void {
    st.inFlight = true;
    st.range = range;
    st.sequential = false;
    range.requestedAt = this.monotonic();
    this.getheaders(peer, st, [range.lastHash], range.to.hash);
    const rearm = (): void =>
      peer.setTimer('range-stall', this.rangeStallMs, () => {
        if (st.range !== range) return;
        this.schedule();
        if (st.range === range) rearm();
      });
    rearm();
  }

  /** The first range cannot be fetched by hints: getheaders from our tip with a full locator,
   * stopping at its end hint (peers ignore a stop hash they do not know). */
  private requestSequentialHead(peer: BitcoinPeer, st: PeerSync, range: HeaderRange<BitcoinPeer>): void {
    st.inFlight = true;
    st.range = range;
    st.sequential = true;
    this.sequentialPeer = peer;
    let locator = this.chain.blockLocator();
    if (st.continueFrom && this.chain.hasHeader(st.continueFrom)) locator = [st.continueFrom, ...locator];
    if (locator.length > MAX_LOCATOR_SZ) locator = [...locator.slice(0, MAX_LOCATOR_SZ - 1), locator[locator.length - 1] as Uint8Array];
    this.log.debug(`fetching ${this.chain.height}..${range.to.height} sequentially from ${peer.label}`);
    this.getheaders(peer, st, locator, range.to.hash);
  }

  /** Core's block-stalling rule, per range: validation waits for the first range, the window
   * is full and a peer is idle: after rangeStallMs the range moves to the idle peer. */
  private moveStalledHead(now: number): void {
    const planner = this.ranges;
    const head = planner?.head;
    if (!planner || !head || head.state !== 'fetching' || planner.hasQueued) return;
    if (now - head.requestedAt < this.rangeStallMs) return;
    for (const [p, s] of this.peers) {
      if (p.isClosed || s.inFlight || p === head.peer || head.failedPeers.has(p) || s.claimedHeight < head.to.height) continue;
      this.log.info(`range ${head.from.height}..${head.to.height} stalled at ${head.peer?.label} for ${Math.round(now - head.requestedAt)} ms; moving it to ${p.label}`);
      planner.requeue(head);
      this.rangeStallMs = Math.min(RANGE_STALL_MAX_MS, this.rangeStallMs * 2);
      const r = planner.assign(p, s.claimedHeight, now);
      if (r) this.requestRange(p, s, r);
      return;
    }
  }

  /** Some other connected peer could still fetch `range`. */
  private otherPeersFor(range: HeaderRange<BitcoinPeer>, not: BitcoinPeer): boolean {
    for (const [p, s] of this.peers) if (p !== not && !p.isClosed && !range.failedPeers.has(p) && s.claimedHeight >= range.to.height) return true;
    return false;
  }

  /** Hints are used up: sync the tail after the last one the usual way, from our tip. */
  private finishRanges(): void {
    const planner = this.ranges;
    if (!planner) return;
    if (this.unpersisted > 0) this.persistNow();
    this.rangesDone += planner.completed;
    this.peakRangeHeaders = Math.max(this.peakRangeHeaders, planner.peakHeld);
    this.ranges = undefined;
    this.sequentialPeer = undefined;
    this.log.info(`hint ranges done (${planner.completed} fetched in parallel): height ${this.chain.height}; syncing the rest from our tip`);
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

  private checkSynced(): void {
    if (!this.initialDone) return;
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

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Display hash of a raw header (for logs). */
export function headerHashHex(raw: Uint8Array): string {
  return hashToDisplay(blockHash(raw));
}
