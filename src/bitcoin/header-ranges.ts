// Parallel header download with hints (issue 10): the ranges between consecutive hints, who
// fetches which, the headers received for each (kept only once they link from the range's
// first hint towards its last, with context-free proof of work checked), and which range is
// next to validate. Pure bookkeeping: no sockets, no chain writes; HeaderSync drives it, and
// every header still goes through HeaderChain.acceptHeaders in order. Memory is bounded by a
// window of headers in ranges not yet validated.
import { HEADER_SIZE, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { hashHeaderInto } from '../chain/sha256d-header.js';
import { hashMeetsTarget, TargetCache } from '../chain/pow.js';
import { hashToDisplay } from '../util/bytes.js';
import type { DownloadHint } from './download-hints.js';

/**
 * Headers that ranges not yet validated may span (queued, fetching, or complete and waiting
 * for the ranges before them): ~120 B each while held (80 B header + 32 B hash + views), so
 * ~12 MB. The role Core's BLOCK_DOWNLOAD_WINDOW (1024 blocks ahead) plays for blocks.
 */
export const DEFAULT_RANGE_WINDOW_HEADERS = 100_000;
/** Distinct peers whose reply for a range does not link before the range is fetched the
 * sequential way, from our tip with a full locator (issue 10: "re-fetched from another peer,
 * then the client falls back to sequential sync for it"). */
export const RANGE_FAILURES_BEFORE_SEQUENTIAL = 2;

/** One reply's headers, linked and with their hashes (8 LE u32 words per header). */
export interface LinkedBatch<P> {
  readonly headers: readonly Uint8Array[];
  readonly hashes: Uint32Array;
  readonly from: P;
}

/**
 * queued: waiting for a peer; fetching: a getheaders is out; complete: linked from `from` to
 * `to`, waiting to be validated; sequential: fetched from our tip with a full locator when it
 * is the first range (its hints or its peers could not be trusted to link).
 */
export type RangeState = 'queued' | 'fetching' | 'complete' | 'sequential';

export interface HeaderRange<P> {
  /** The header the range builds on (our tip for the first range, else a hint). */
  readonly from: DownloadHint;
  /** The range's last header. */
  readonly to: DownloadHint;
  state: RangeState;
  peer: P | undefined;
  requestedAt: number;
  batches: LinkedBatch<P>[];
  received: number;
  /** Hash of the last header received so far: the next getheaders' locator (from.hash at first). */
  lastHash: Uint8Array;
  readonly failedPeers: Set<P>;
  /** Peers that had nothing more for it in sequential mode. */
  readonly exhaustedPeers: Set<P>;
}

export type RangeReply =
  | { readonly kind: 'invalid'; readonly code: 'headers_not_continuous' | 'high_hash' | 'bad_pow_limit' | 'bad_header_length'; readonly index: number; readonly message: string }
  | { readonly kind: 'unlinked'; readonly why: string }
  | { readonly kind: 'partial' }
  | { readonly kind: 'complete' };

/** What the planner reads of the validated chain (a subset of HeaderChain). */
export interface ChainView {
  readonly height: number;
  hashAt(height: number): Uint8Array;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

function rdU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** raw's prevBlock equals the 32 bytes `hash`. */
function prevIsBytes(raw: Uint8Array, hash: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (raw[4 + i] !== hash[i]) return false;
  return true;
}

/** raw's prevBlock equals hash words w[off..off+8). */
function prevIsWords(raw: Uint8Array, w: Uint32Array, off: number): boolean {
  for (let i = 0; i < 8; i++) if (rdU32(raw, 4 + 4 * i) !== w[off + i]) return false;
  return true;
}

function wordsAreBytes(w: Uint32Array, off: number, hash: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (w[off + i] !== rdU32(hash, 4 * i)) return false;
  return true;
}

function bytesOfWords(w: Uint32Array, off: number): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = w[off + i]!;
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

export class HeaderRanges<P> {
  private readonly ranges: HeaderRange<P>[] = [];
  /** Index in `hints` of the next range's end. */
  private next = 0;
  private lastEnd: DownloadHint;
  private readonly targets: TargetCache;
  /** Sum over `ranges` of their spans (the window's use). */
  private spanned = 0;
  /** Headers currently held in ranges (received, not yet validated). */
  private held = 0;
  /** The most headers ever held at once (what the window bounds). */
  peakHeld = 0;
  /** Ranges that linked and were handed over for validation. */
  completed = 0;

  constructor(
    private readonly hints: readonly DownloadHint[],
    start: DownloadHint,
    powLimit: bigint,
    readonly windowHeaders = DEFAULT_RANGE_WINDOW_HEADERS,
  ) {
    this.lastEnd = start;
    while (this.next < hints.length && hints[this.next]!.height <= start.height) this.next++;
    this.targets = new TargetCache(powLimit);
  }

  get head(): HeaderRange<P> | undefined {
    return this.ranges[0];
  }

  get list(): readonly HeaderRange<P>[] {
    return this.ranges;
  }

  get heldHeaders(): number {
    return this.held;
  }

  /** Height of the last hint (where the range phase ends). */
  get lastHintHeight(): number {
    return this.hints.length ? this.hints[this.hints.length - 1]!.height : 0;
  }

  /** Nothing left to fetch: no range open and no hint left at or below `maxHeight`. */
  finished(maxHeight: number): boolean {
    return this.ranges.length === 0 && !(this.next < this.hints.length && this.hints[this.next]!.height <= maxHeight);
  }

  /** Opens ranges while the window has room (always at least one), for hints at or below
   * `maxHeight` (the highest height a connected peer claims). */
  fill(maxHeight: number): void {
    while (this.next < this.hints.length) {
      const h = this.hints[this.next]!;
      if (h.height > maxHeight) break;
      const span = h.height - this.lastEnd.height;
      if (this.ranges.length > 0 && this.spanned + span > this.windowHeaders) break;
      this.ranges.push({
        from: this.lastEnd,
        to: h,
        state: 'queued',
        peer: undefined,
        requestedAt: 0,
        batches: [],
        received: 0,
        lastHash: this.lastEnd.hash,
        failedPeers: new Set(),
        exhaustedPeers: new Set(),
      });
      this.spanned += span;
      this.lastEnd = h;
      this.next++;
    }
  }

  /** The first queued range `peer` has not failed and claims to have; now fetching by it. */
  assign(peer: P, peerHeight: number, now: number): HeaderRange<P> | undefined {
    for (const r of this.ranges) {
      if (r.state !== 'queued' || r.failedPeers.has(peer) || r.to.height > peerHeight) continue;
      r.state = 'fetching';
      r.peer = peer;
      r.requestedAt = now;
      return r;
    }
    return undefined;
  }

  /** Any range waiting for a peer? */
  get hasQueued(): boolean {
    return this.ranges.some((r) => r.state === 'queued');
  }

  /**
   * Checks a reply to getheaders(locator = [range.lastHash], stop = range.to.hash) and keeps
   * its headers when they link. `invalid`: a rule any header must meet is broken (ban);
   * `unlinked`: the headers do not lead from the range's start to its end hint (a wrong hint,
   * a peer on another branch or behind: not punished, the range is fetched elsewhere).
   */
  receive(range: HeaderRange<P>, peer: P, headers: readonly Uint8Array[]): RangeReply {
    const n = headers.length;
    if (n === 0) return { kind: 'unlinked', why: 'no headers for the range' };
    const hashes = new Uint32Array(n * 8);
    const base = range.from.height + range.received;
    for (let i = 0; i < n; i++) {
      const raw = headers[i]!;
      if (raw.length !== HEADER_SIZE) return { kind: 'invalid', code: 'bad_header_length', index: i, message: `header ${i} is ${raw.length} bytes` };
      if (i === 0) {
        if (!prevIsBytes(raw, range.lastHash))
          return { kind: 'unlinked', why: `first header does not build on ${hashToDisplay(range.lastHash)} (height ${base})` };
      } else if (!prevIsWords(raw, hashes, (i - 1) * 8)) {
        return { kind: 'invalid', code: 'headers_not_continuous', index: i, message: `header ${i} does not build on header ${i - 1}` };
      }
      hashHeaderInto(raw, 0, hashes, i * 8);
      const height = base + i + 1;
      // Context-free proof of work (Core CheckProofOfWork); the contextual rules (bits,
      // times, versions) are checked by HeaderChain when the range is validated in order.
      const limbs = this.targets.limbs(rdU32(raw, 72));
      if (limbs === null) return { kind: 'invalid', code: 'bad_pow_limit', index: i, message: `header at height ${height}: bits out of range` };
      if (!hashMeetsTarget(hashes, i * 8, limbs)) return { kind: 'invalid', code: 'high_hash', index: i, message: `header at height ${height}: hash above its target` };
      if (height === range.to.height) {
        if (!wordsAreBytes(hashes, i * 8, range.to.hash))
          return { kind: 'unlinked', why: `header at height ${height} is ${hashToDisplay(bytesOfWords(hashes, i * 8))}, the hint says ${hashToDisplay(range.to.hash)}` };
        this.keep(range, peer, headers.slice(0, i + 1), hashes.slice(0, (i + 1) * 8));
        range.state = 'complete';
        range.peer = undefined;
        this.completed++;
        return { kind: 'complete' };
      }
    }
    if (n < MAX_HEADERS_PER_MSG) return { kind: 'unlinked', why: `reply ends at height ${base + n}, before the hint at ${range.to.height}` };
    this.keep(range, peer, headers, hashes);
    range.lastHash = bytesOfWords(hashes, (n - 1) * 8);
    return { kind: 'partial' };
  }

  private keep(range: HeaderRange<P>, from: P, headers: readonly Uint8Array[], hashes: Uint32Array): void {
    range.batches.push({ headers, hashes, from });
    range.received += headers.length;
    this.held += headers.length;
    if (this.held > this.peakHeld) this.peakHeld = this.held;
  }

  private discard(range: HeaderRange<P>): void {
    this.held -= range.received;
    range.batches = [];
    range.received = 0;
    range.lastHash = range.from.hash;
  }

  /**
   * `peer`'s reply for `range` did not link, or its headers failed validation: drop what the
   * range holds; another peer fetches it, or after RANGE_FAILURES_BEFORE_SEQUENTIAL peers (or
   * when no other peer is left to ask) it is fetched sequentially once it is first.
   */
  fail(range: HeaderRange<P>, peer: P, otherPeersLeft: boolean): void {
    this.discard(range);
    range.failedPeers.add(peer);
    range.peer = undefined;
    range.state = range.failedPeers.size >= RANGE_FAILURES_BEFORE_SEQUENTIAL || !otherPeersLeft ? 'sequential' : 'queued';
  }

  /** `peer` is gone or too slow: its ranges go back to the queue, keeping what arrived. */
  release(peer: P): HeaderRange<P>[] {
    const moved: HeaderRange<P>[] = [];
    for (const r of this.ranges) {
      if (r.state === 'fetching' && r.peer === peer) {
        r.state = 'queued';
        r.peer = undefined;
        moved.push(r);
      }
      r.exhaustedPeers.delete(peer);
    }
    return moved;
  }

  /** Moves one fetching range back to the queue (its peer is too slow); its later reply is stale. */
  requeue(range: HeaderRange<P>): void {
    if (range.state !== 'fetching') return;
    range.state = 'queued';
    range.peer = undefined;
  }

  /**
   * The first range, when it is complete and builds on our best chain: validate its batches,
   * then call `validated`. Drops ranges our chain has already passed (sequential fetches run
   * past hints) and turns a first range that does not build on our chain into a sequential
   * one. `onPassed(range, onOurChain)` reports each dropped range.
   */
  nextToValidate(chain: ChainView, onPassed?: (range: HeaderRange<P>, matches: boolean) => void): HeaderRange<P> | undefined {
    for (;;) {
      const r = this.ranges[0];
      if (!r) return undefined;
      if (r.to.height <= chain.height) {
        this.remove();
        onPassed?.(r, sameHash(chain.hashAt(r.to.height), r.to.hash));
        continue;
      }
      if (r.from.height > chain.height || !sameHash(chain.hashAt(r.from.height), r.from.hash)) {
        if (r.state !== 'sequential') {
          this.discard(r);
          r.state = 'sequential';
          r.peer = undefined;
        }
        return undefined;
      }
      return r.state === 'complete' ? r : undefined;
    }
  }

  /** The first range was validated (or given up): forget it. */
  validated(): void {
    this.remove();
  }

  /** Stop using hints: every open range and every hint left is dropped. */
  abandon(): void {
    while (this.ranges.length) this.remove();
    this.next = this.hints.length;
  }

  private remove(): void {
    const r = this.ranges.shift();
    if (!r) return;
    this.held -= r.received;
    this.spanned -= r.to.height - r.from.height;
    r.batches = [];
    r.received = 0;
  }
}
