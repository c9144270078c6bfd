// The range phase of header sync (issue 10): with download hints above our height, every held
// peer fetches a different range between hints at once (HeaderRanges plans them and checks
// that replies link); complete ranges are validated strictly in order through the chain as
// they become contiguous with our tip; a range that cannot be fetched by hints is fetched
// sequentially when it is first. HeaderSync owns the peers, the validation entry point and the
// tail sync after the last hint; this class owns only the range phase.
import type { Log } from '../util/log.js';
import { reason } from '../net/disconnect.js';
import type { AcceptResult, HeaderChain } from '../chain/header-chain.js';
import type { ChainError } from '../chain/errors.js';
import { CHAIN_RULES } from '../chain/errors.js';
import { blockHash, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import type { DownloadHint } from './download-hints.js';
import { HeaderRanges, type HeaderRange } from './header-ranges.js';
import type { BitcoinPeer } from './protocol.js';
import { MAX_LOCATOR_SZ } from '../wire/messages/getheaders.js';

/** Unconnecting header announcements tolerated before we give up on a peer (Core, before
 * v26: MAX_NUM_UNCONNECTING_HEADERS_MSGS = 10). */
export const MAX_UNCONNECTING_HEADERS = 10;
/** Full batches that teach us nothing before the peer is dropped (same batch forever). */
export const MAX_NO_PROGRESS_BATCHES = 3;
/** How long the first range (the one validation waits for) may sit at one peer while others
 * are idle before it moves to one of them: Core BLOCK_STALLING_TIMEOUT_DEFAULT (2 s), doubled
 * after each move up to BLOCK_STALLING_TIMEOUT_MAX (64 s), decaying by 0.85 per range, as Core's. */
export const RANGE_STALL_MS = 2_000;
export const RANGE_STALL_MAX_MS = 64_000;
/** In the range phase headers validated from ranges are made durable (fsync) once this many
 * have piled up, not after every batch: validation is then the critical path, and an fsync per
 * 2,000 headers costs as much as the validating. A `kill -9` loses at most these (fetched again). */
export const RANGE_PERSIST_EVERY_HEADERS = 20_000;

/** What the range phase reads and writes of HeaderSync's per-peer state. */
export interface RangePeerState {
  inFlight: boolean;
  /** Height of the last header it gave us (or its version start_height until then). */
  claimedHeight: number;
  unconnecting: number;
  noProgress: number;
  /** The hint range the outstanding getheaders is for. */
  range: HeaderRange<BitcoinPeer> | undefined;
  /** The outstanding getheaders fetches the first range sequentially (full locator). */
  sequential: boolean;
  /** Last header of this peer's last full sequential batch: the next request starts there
   * (Core does the same), so a peer on a branch of equal work still moves forward. */
  continueFrom: Uint8Array | undefined;
}

/** What HeaderSync provides to the range phase. */
export interface RangeDownloadHost {
  readonly chain: HeaderChain;
  readonly log: Log;
  readonly peers: ReadonlyMap<BitcoinPeer, RangePeerState>;
  monotonic(): number;
  /** Sends a getheaders (with the barrier ping and the response timer). */
  getheaders(peer: BitcoinPeer, locator: Uint8Array[], hashStop: Uint8Array): void;
  /** Validates headers through the chain (persisting now, or later with `deferPersist`). */
  accept(peer: BitcoinPeer, headers: readonly Uint8Array[], hashes?: Uint32Array, deferPersist?: boolean): AcceptResult;
  /** Punishes or notes a rejected header; true when the peer may stay. */
  rejected(peer: BitcoinPeer, error: ChainError): boolean;
  unpersisted(): number;
  persistNow(): void;
  /** A range from `peer` linked (it counts as a peer used). */
  linked(peer: BitcoinPeer): void;
  /** The range phase is over: sync the tail. */
  rangesDone(): void;
}

export interface RangeDownloadOptions {
  /** Headers that ranges not yet validated may span (DEFAULT_RANGE_WINDOW_HEADERS). */
  windowHeaders?: number;
  /** RANGE_STALL_MS by default. */
  stallMs?: number;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A getheaders locator within Core's MAX_LOCATOR_SZ (keeping genesis last). */
export function clampLocator(locator: Uint8Array[]): Uint8Array[] {
  return locator.length > MAX_LOCATOR_SZ ? [...locator.slice(0, MAX_LOCATOR_SZ - 1), locator[locator.length - 1] as Uint8Array] : locator;
}

export class RangeDownload {
  private readonly planner: HeaderRanges<BitcoinPeer>;
  /** The peer fetching the first range sequentially. */
  private sequentialPeer: BitcoinPeer | undefined;
  private stallMs: number;
  private readonly baseStallMs: number;
  private scheduling = false;
  private finished = false;

  private constructor(
    private readonly host: RangeDownloadHost,
    hints: readonly DownloadHint[],
    opts: RangeDownloadOptions,
  ) {
    const chain = host.chain;
    this.baseStallMs = this.stallMs = opts.stallMs ?? RANGE_STALL_MS;
    this.planner = new HeaderRanges<BitcoinPeer>(hints, { height: chain.height, hash: chain.tip.hash }, chain.params.powLimit, opts.windowHeaders);
  }

  /** A range phase when some hint lies above our tip and the hints agree with our chain. */
  static plan(host: RangeDownloadHost, hints: readonly DownloadHint[], opts: RangeDownloadOptions = {}): RangeDownload | undefined {
    const chain = host.chain;
    const tip = chain.height;
    const last = hints[hints.length - 1];
    if (!last || last.height <= tip) return undefined;
    // The highest hint we have passed must be on our chain; if not, the hints describe
    // another chain than the one we hold and are of no use from here.
    let below: DownloadHint | undefined;
    for (const h of hints) {
      if (h.height > tip) break;
      below = h;
    }
    if (below && !sameHash(chain.hashAt(below.height), below.hash)) {
      host.log.warn(`download hint at height ${below.height} is not on our stored chain: hints not used`);
      return undefined;
    }
    host.log.info(`download hints up to height ${last.height}: fetching the ranges between them from all peers at once`);
    return new RangeDownload(host, hints, opts);
  }

  /** Ranges that linked (fetched in parallel). */
  get completed(): number {
    return this.planner.completed;
  }

  /** The most headers held in ranges at once (bounded by the window). */
  get peakHeld(): number {
    return this.planner.peakHeld;
  }

  /** `peer` is gone: its ranges go to others. */
  release(peer: BitcoinPeer, why: string): void {
    const moved = this.planner.release(peer);
    if (this.sequentialPeer === peer) this.sequentialPeer = undefined;
    if (moved.length) this.host.log.info(`${peer.label} gone (${why}); its ${moved.length} range(s) go to other peers`);
    this.schedule();
  }

  /** A headers message from a peer during the range phase. */
  onHeaders(peer: BitcoinPeer, st: RangePeerState, headers: readonly Uint8Array[]): void {
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
    if (!solicited || !range) {
      // Not an answer to a range request (an announcement, or a duplicate): the tail sync after
      // the last hint fetches new tips. Count it like an unconnecting announcement.
      if (++st.unconnecting > MAX_UNCONNECTING_HEADERS) {
        peer.disconnect(reason('protocol', 'unconnecting_headers', `${st.unconnecting} header messages we did not ask for during the range download`));
        return;
      }
      this.host.log.debug(`${peer.label}: ${headers.length} header(s) we did not ask for during the range download; ignored`);
      return this.schedule();
    }
    if (sequential) {
      if (this.sequentialPeer === peer) this.sequentialPeer = undefined;
      let more = false;
      st.continueFrom = undefined;
      if (headers.length > 0) {
        const result = this.host.accept(peer, headers);
        if (result.error && !this.host.rejected(peer, result.error.error)) return;
        if (!result.error && headers.length === MAX_HEADERS_PER_MSG) {
          if (result.added > 0) st.noProgress = 0;
          else if (++st.noProgress >= MAX_NO_PROGRESS_BATCHES) {
            peer.disconnect(reason('protocol', 'headers_no_progress', `${st.noProgress} full headers batches with nothing new`));
            return;
          }
          st.continueFrom = blockHash(headers[headers.length - 1] as Uint8Array);
          more = true;
        }
        st.claimedHeight = Math.max(st.claimedHeight, this.host.chain.height);
      }
      if (!more && range.to.height > this.host.chain.height) range.exhaustedPeers.add(peer);
      return this.schedule();
    }
    const planner = this.planner;
    if (range.peer !== peer || range.state !== 'fetching') return this.schedule(); // moved elsewhere meanwhile: stale
    const r = planner.receive(range, peer, headers);
    switch (r.kind) {
      case 'invalid':
        peer.misbehaving(r.code, `range ${range.from.height}..${range.to.height}: ${r.message} [${CHAIN_RULES[r.code].core}]`);
        planner.release(peer);
        return this.schedule();
      case 'unlinked':
        this.host.log.info(`${peer.label}: range ${range.from.height}..${range.to.height} does not link (${r.why}); fetching it elsewhere`);
        planner.fail(range, peer, this.otherPeersFor(range, peer));
        return this.schedule();
      case 'partial':
        return this.requestRange(peer, st, range); // the next 2,000 of the same range
      case 'complete':
        this.host.log.debug(`range ${range.from.height}..${range.to.height} linked (${peer.label})`);
        this.host.linked(peer);
        return this.schedule();
      default: {
        const never: never = r;
        throw new Error(`unhandled range reply ${String(never)}`);
      }
    }
  }

  /** Validates, in order, every range that is complete and contiguous with our tip. */
  private validateRanges(): void {
    const planner = this.planner;
    const onPassed = (r: HeaderRange<BitcoinPeer>, matches: boolean): void => {
      if (!matches) this.host.log.warn(`download hint at height ${r.to.height} is not on the chain we validated (a wrong hint or a lower-work fork); ignored`);
    };
    for (let r = planner.nextToValidate(this.host.chain, onPassed); r; r = planner.nextToValidate(this.host.chain, onPassed)) {
      let failedBy: BitcoinPeer | undefined;
      for (const b of r.batches) {
        const result = this.host.accept(b.from, b.headers, b.hashes, true);
        if (result.error) {
          failedBy = b.from;
          this.host.rejected(b.from, result.error.error);
          break;
        }
      }
      if (failedBy) {
        planner.fail(r, failedBy, this.otherPeersFor(r, failedBy));
        continue;
      }
      planner.validated();
      this.stallMs = Math.max(this.baseStallMs, this.stallMs * 0.85);
    }
    if (this.host.unpersisted() >= RANGE_PERSIST_EVERY_HEADERS) this.host.persistNow();
  }

  /** Drives the range phase: validate what is contiguous, open ranges in the window, give
   * idle peers work, move a stalled first range; when nothing is left, the tail sync. */
  schedule(): void {
    const planner = this.planner;
    if (this.scheduling || this.finished) return;
    this.scheduling = true;
    try {
      // Requests go out before validating, so the network works while we validate.
      let maxClaim = 0;
      for (const [p, s] of this.host.peers) if (!p.isClosed) maxClaim = Math.max(maxClaim, s.claimedHeight);
      planner.fill(maxClaim);
      this.assignIdlePeers(planner);
      this.validateRanges();
      planner.fill(maxClaim); // validation made room in the window
      const head = planner.head;
      if (head?.state === 'sequential' && !this.sequentialPeer) {
        let best: BitcoinPeer | undefined;
        let helpers = 0;
        for (const [p, s] of this.host.peers) {
          if (p.isClosed || head.exhaustedPeers.has(p)) continue;
          helpers++;
          // Prefer the peer that is mid-way (its last full batch), then the highest claim.
          const b = best && this.host.peers.get(best);
          if (!s.inFlight && (!b || (s.continueFrom !== undefined) > (b.continueFrom !== undefined) || ((s.continueFrom !== undefined) === (b.continueFrom !== undefined) && s.claimedHeight > b.claimedHeight))) best = p;
        }
        if (best) this.requestSequentialHead(best, this.host.peers.get(best) as RangePeerState, head);
        else if (helpers === 0 && this.host.peers.size > 0) {
          this.host.log.info(`no peer has headers beyond ${this.host.chain.height} towards the hint at ${head.to.height}; hints dropped`);
          planner.abandon();
        }
      }
      if (planner.finished(maxClaim)) return this.finish();
      this.assignIdlePeers(planner);
      this.moveStalledHead(this.host.monotonic());
    } finally {
      this.scheduling = false;
    }
  }

  private assignIdlePeers(planner: HeaderRanges<BitcoinPeer>): void {
    const now = this.host.monotonic();
    for (const [p, s] of this.host.peers) {
      if (p.isClosed || s.inFlight) continue;
      const r = planner.assign(p, s.claimedHeight, now);
      if (r) this.requestRange(p, s, r);
    }
  }

  private requestRange(peer: BitcoinPeer, st: RangePeerState, range: HeaderRange<BitcoinPeer>): void {
    st.inFlight = true;
    st.range = range;
    st.sequential = false;
    range.requestedAt = this.host.monotonic();
    this.host.getheaders(peer, [range.lastHash], range.to.hash);
    const rearm = (): void =>
      peer.setTimer('range-stall', this.stallMs, () => {
        if (st.range !== range) return;
        this.schedule();
        if (st.range === range) rearm();
      });
    rearm();
  }

  /** The first range cannot be fetched by hints: getheaders from our tip with a full locator,
   * stopping at its end hint (peers ignore a stop hash they do not know). */
  private requestSequentialHead(peer: BitcoinPeer, st: RangePeerState, range: HeaderRange<BitcoinPeer>): void {
    st.inFlight = true;
    st.range = range;
    st.sequential = true;
    this.sequentialPeer = peer;
    let locator = this.host.chain.blockLocator();
    if (st.continueFrom && this.host.chain.hasHeader(st.continueFrom)) locator = [st.continueFrom, ...locator];
    locator = clampLocator(locator);
    this.host.log.debug(`fetching ${this.host.chain.height}..${range.to.height} sequentially from ${peer.label}`);
    this.host.getheaders(peer, locator, range.to.hash);
  }

  /** Core's block-stalling rule, per range: validation waits for the first range, the window
   * is full and a peer is idle: after rangeStallMs the range moves to the idle peer. */
  private moveStalledHead(now: number): void {
    const planner = this.planner;
    const head = planner.head;
    if (!head || head.state !== 'fetching' || planner.hasQueued) return;
    if (now - head.requestedAt < this.stallMs) return;
    for (const [p, s] of this.host.peers) {
      if (p.isClosed || s.inFlight || p === head.peer || head.failedPeers.has(p) || s.claimedHeight < head.to.height) continue;
      this.host.log.info(`range ${head.from.height}..${head.to.height} stalled at ${head.peer?.label} for ${Math.round(now - head.requestedAt)} ms; moving it to ${p.label}`);
      planner.requeue(head);
      this.stallMs = Math.min(RANGE_STALL_MAX_MS, this.stallMs * 2);
      const r = planner.assign(p, s.claimedHeight, now);
      if (r) this.requestRange(p, s, r);
      return;
    }
  }

  /** Some other connected peer could still fetch `range`. */
  private otherPeersFor(range: HeaderRange<BitcoinPeer>, not: BitcoinPeer): boolean {
    for (const [p, s] of this.host.peers) if (p !== not && !p.isClosed && !range.failedPeers.has(p) && s.claimedHeight >= range.to.height) return true;
    return false;
  }

  /** Hints are used up: HeaderSync syncs the tail after the last one the usual way. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.host.unpersisted() > 0) this.host.persistNow();
    this.sequentialPeer = undefined;
    this.host.log.info(`hint ranges done (${this.planner.completed} fetched in parallel): height ${this.host.chain.height}; syncing the rest from our tip`);
    this.host.rangesDone();
  }
}
