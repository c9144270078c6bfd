// Headers presync (Core headerssync.cpp HeadersSyncState, PR #25717): a peer's chain that
// claims less work than the anti-DoS threshold is first downloaded and fully validated while
// keeping only its running work and one salted 1-bit commitment per HEADER_COMMITMENT_PERIOD
// headers; once its work reaches the threshold it is downloaded again from the same start and
// each header is checked against those commitments, and only then handed to the chain (after
// a buffer of REDOWNLOAD_BUFFER_SIZE headers, so a peer that serves a different chain the
// second time is caught before anything is stored). A chain that never reaches the threshold
// is never stored. Pure: the caller sends the getheaders and feeds the replies.
import { MAX_FUTURE_BLOCK_TIME_S } from '../params/networks.js';
import type { BranchStorage } from './archive.js';
import { DeepBranch } from './deep-branch.js';
import { HEADER_SIZE, MAX_HEADERS_PER_MSG } from './header.js';
import type { HeaderChain } from './header-chain.js';
import { cachedWork, hashMeetsTarget, TargetCache } from './pow.js';
import { checkContextual } from './rules.js';
import { hashHeaderInto } from './sha256d-header.js';
import type { ChainErrorCode } from './errors.js';

/** Core headerssync.cpp (v26/v27): one commitment bit per this many headers. */
export const HEADER_COMMITMENT_PERIOD = 606;
/** Core headerssync.cpp (v26/v27): headers held back during redownload (~23.8 commitments). */
export const REDOWNLOAD_BUFFER_SIZE = 14_441;
/** Core: at most 6 blocks per second of time since the start can pass median-time-past. */
const MAX_BLOCKS_PER_SECOND = 6;

export type PresyncFailure = ChainErrorCode | 'low_work_chain' | 'commitment_mismatch' | 'too_many_commitments' | 'redownload_incomplete';

export type PresyncStep =
  /** Ask the peer for more with `locator`; first hand `release` (proven headers, the first
   * one's parent at `releaseParent`) to the chain. */
  | { readonly kind: 'continue'; readonly locator: Uint8Array[]; readonly release: Uint8Array[]; readonly releaseParent: number }
  /** Proven: hand `release` to the chain; then sync normally (from `release`'s last header if `more`). */
  | { readonly kind: 'done'; readonly release: Uint8Array[]; readonly releaseParent: number; readonly more: boolean }
  /** Stop presync with this peer; `ban` when it sent an invalid header. */
  | { readonly kind: 'failed'; readonly code: PresyncFailure; readonly message: string; readonly ban: boolean };

export interface PresyncStart {
  /** A best-chain height: the last header we share with the peer's chain. */
  readonly height: number;
  readonly work: bigint;
}

/** Keeps a validation window of recent times and bits, nothing else (DeepBranch over this storage). */
class DiscardingStorage implements BranchStorage {
  count = 0;
  append(): void {
    this.count++;
  }
  read(): void {
    throw new Error('presync keeps no headers');
  }
  clear(): void {
    this.count = 0;
  }
}

function rdU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export class HeadersPresync {
  private phase: 'presync' | 'redownload' | 'final' = 'presync';
  private view: DeepBranch;
  private readonly lastW = new Uint32Array(8);
  private readonly hash = new Uint32Array(8);
  private readonly targets: TargetCache;
  private readonly commitOffset = Math.floor(Math.random() * HEADER_COMMITMENT_PERIOD);
  private readonly salt = Uint32Array.from({ length: 4 }, () => (Math.random() * 0x100000000) >>> 0);
  private commitments = new Uint8Array(64);
  private commitCount = 0;
  private readonly maxCommitments: number;
  private redownloadCommit = 0;
  private processAll = false;
  private buffer: Uint8Array[] = [];
  /** Height of the last header released to the chain (the next release's parent). */
  private released = 0;

  constructor(
    private readonly chain: HeaderChain,
    readonly start: PresyncStart,
    /** The work the peer's chain must show before anything is stored (Core m_minimum_required_work). */
    readonly minimumWork: bigint,
    now: number,
  ) {
    this.targets = new TargetCache(chain.params.powLimit);
    this.released = start.height;
    this.view = this.freshView();
    const span = Math.max(0, now - chain.medianTimePast(start.height) + MAX_FUTURE_BLOCK_TIME_S);
    this.maxCommitments = Math.ceil((MAX_BLOCKS_PER_SECOND * span) / HEADER_COMMITMENT_PERIOD) + 1;
  }

  get state(): 'presync' | 'redownload' | 'final' {
    return this.phase;
  }

  /** Height of the last header validated in the current phase. */
  get height(): number {
    return this.view.tipHeight;
  }

  /** The work of the peer's chain seen so far in the current phase. */
  get work(): bigint {
    return this.view.work;
  }

  private freshView(): DeepBranch {
    const v = new DeepBranch(this.chain, this.start.height, this.start.work, new DiscardingStorage());
    const startHash = this.chain.hashAt(this.start.height);
    for (let k = 0; k < 8; k++) this.lastW[k] = rdU32(startHash, 4 * k);
    return v;
  }

  /** The getheaders locator that starts (or restarts) the download from the start header. */
  startLocator(): Uint8Array[] {
    return this.chain.blockLocator(this.start.height);
  }

  private continueLocator(): Uint8Array[] {
    const last = new Uint8Array(32);
    for (let k = 0; k < 8; k++) for (let b = 0; b < 4; b++) last[4 * k + b] = (this.lastW[k] >>> (8 * b)) & 0xff;
    return [last, ...this.startLocator()];
  }

  private commitmentBit(): number {
    let x = this.salt[0];
    for (let k = 0; k < 8; k++) {
      x = Math.imul(x ^ this.hash[k], 0x9e3779b1);
      x ^= x >>> 15;
      x = Math.imul(x ^ this.salt[1 + (k & 1)], 0x85ebca6b);
    }
    x ^= this.salt[3];
    return (x ^ (x >>> 13) ^ (x >>> 27)) & 1;
  }

  /** Validates one header on top of the current phase's chain (continuity, proof of work, every contextual rule). */
  private validate(raw: Uint8Array, now: number): PresyncStep | undefined {
    const height = this.view.tipHeight + 1;
    if (raw.length !== HEADER_SIZE) return this.fail('bad_header_length', `presync header at height ${height} is not 80 bytes`, true);
    for (let k = 0; k < 8; k++)
      if (rdU32(raw, 4 + 4 * k) !== this.lastW[k]) return this.fail('headers_not_continuous', `presync header at height ${height} does not connect`, true);
    hashHeaderInto(raw, 0, this.hash, 0);
    const bits = rdU32(raw, 72);
    const limbs = this.targets.limbs(bits);
    if (limbs === null) return this.fail('bad_pow_limit', `presync header at height ${height}: bits invalid`, true);
    if (!hashMeetsTarget(this.hash, 0, limbs)) return this.fail('high_hash', `presync header at height ${height}: proof of work too weak`, true);
    const code = checkContextual(this.chain.params, this.view, height, rdU32(raw, 0) | 0, rdU32(raw, 68), bits, now, this.chain.interval);
    if (code !== null) return this.fail(code, `presync header at height ${height} breaks ${code}`, code !== 'time_too_new');
    this.view.append(raw, this.hash, 0, cachedWork(bits));
    this.lastW.set(this.hash);
    return undefined;
  }

  private fail(code: PresyncFailure, message: string, ban: boolean): PresyncStep {
    this.phase = 'final';
    this.buffer = [];
    return { kind: 'failed', code, message, ban };
  }

  /** Feeds one `headers` reply of the peer. */
  process(headers: readonly Uint8Array[], now: number): PresyncStep {
    if (this.phase === 'final') return { kind: 'failed', code: 'redownload_incomplete', message: 'presync already finished', ban: false };
    if (headers.length > MAX_HEADERS_PER_MSG) return this.fail('too_many_headers', `${headers.length} headers in one message`, true);
    const full = headers.length === MAX_HEADERS_PER_MSG;
    return this.phase === 'presync' ? this.presync(headers, now, full) : this.redownload(headers, now, full);
  }

  private presync(headers: readonly Uint8Array[], now: number, full: boolean): PresyncStep {
    for (const raw of headers) {
      const bad = this.validate(raw, now);
      if (bad) return bad;
      if (this.view.tipHeight % HEADER_COMMITMENT_PERIOD === this.commitOffset) {
        if (this.commitCount >= this.maxCommitments) return this.fail('too_many_commitments', 'presync chain longer than time allows', false);
        if (this.commitCount >= this.commitments.length * 8) {
          const grown = new Uint8Array(this.commitments.length * 2);
          grown.set(this.commitments);
          this.commitments = grown;
        }
        if (this.commitmentBit()) this.commitments[this.commitCount >> 3] |= 1 << (this.commitCount & 7);
        this.commitCount++;
      }
    }
    if (this.view.work >= this.minimumWork) {
      // Proven enough work: download it again from the start, now keeping it.
      this.phase = 'redownload';
      this.view = this.freshView();
      return { kind: 'continue', locator: this.startLocator(), release: [], releaseParent: this.released };
    }
    if (full) return { kind: 'continue', locator: this.continueLocator(), release: [], releaseParent: this.released };
    return this.fail('low_work_chain', `the peer's chain ends at height ${this.view.tipHeight} with less work than required`, false);
  }

  private redownload(headers: readonly Uint8Array[], now: number, full: boolean): PresyncStep {
    for (const raw of headers) {
      const bad = this.validate(raw, now);
      if (bad) return bad;
      if (!this.processAll && this.view.tipHeight % HEADER_COMMITMENT_PERIOD === this.commitOffset) {
        const i = this.redownloadCommit++;
        if (i >= this.commitCount) return this.fail('commitment_mismatch', 'redownloaded chain is longer than the presynced one before reaching its work', false);
        if (this.commitmentBit() !== ((this.commitments[i >> 3] >> (i & 7)) & 1))
          return this.fail('commitment_mismatch', `redownloaded header at height ${this.view.tipHeight} is not the one presynced`, false);
      }
      this.buffer.push(raw.slice(0, HEADER_SIZE));
      if (this.view.work >= this.minimumWork) this.processAll = true;
    }
    const releaseParent = this.released;
    if (this.processAll) {
      const release = this.buffer;
      this.buffer = [];
      this.released += release.length;
      this.phase = 'final';
      this.commitments = new Uint8Array(0);
      return { kind: 'done', release, releaseParent, more: full };
    }
    const release = this.buffer.length > REDOWNLOAD_BUFFER_SIZE ? this.buffer.splice(0, this.buffer.length - REDOWNLOAD_BUFFER_SIZE) : [];
    this.released += release.length;
    if (full) return { kind: 'continue', locator: this.continueLocator(), release, releaseParent };
    return this.fail('redownload_incomplete', `the peer stopped at height ${this.view.tipHeight} before the work it showed`, false);
  }
}

/**
 * Core ProcessHeadersMessage's low-work check: undefined when `headers` may go to the chain
 * as they are; 'ignore' for a short low-work message (the peer has nothing more); otherwise
 * where a presync with this peer starts and the work it must reach.
 */
export function presyncNeeded(chain: HeaderChain, headers: readonly Uint8Array[]): undefined | 'ignore' | { start: PresyncStart; minimumWork: bigint } {
  if (headers.length === 0 || headers.some((h) => h.length !== HEADER_SIZE)) return undefined;
  const lastHash = new Uint8Array(32);
  const w = new Uint32Array(8);
  hashHeaderInto(headers[headers.length - 1], 0, w, 0);
  for (let k = 0; k < 8; k++) for (let b = 0; b < 4; b++) lastHash[4 * k + b] = (w[k] >>> (8 * b)) & 0xff;
  if (chain.hasHeader(lastHash)) return undefined; // nothing new
  const claimed = chain.claimedWork(headers);
  if (!claimed || !claimed.parentOnBestChain) return undefined;
  const minimumWork = chain.antiDoSWorkThreshold();
  if (claimed.total >= minimumWork) return undefined;
  if (headers.length < MAX_HEADERS_PER_MSG) return 'ignore';
  return { start: { height: claimed.parentHeight, work: claimed.parentWork }, minimumWork };
}
