// HeaderChain: the validated header tree in memory. The best (most-work) chain is kept
// compactly (raw headers in 1.3 MB chunks + a 4-byte-slot hash index, ~88 B per header; a
// hash is read from its child's prevBlock field); competing branches are kept, bounded, until
// they win (reorg) or lose. Pure: no I/O, callers pass `now`, logs go to an injected Log.
import type { NetworkParams } from '../params/networks.js';
import { fromHex, hashFromDisplay, hashToDisplay } from '../util/bytes.js';
import { silentLog, type Log } from '../util/log.js';
import { MinDifficultyWalk, retargetInterval, type AncestorView } from './difficulty.js';
import { ChainError, type ChainErrorCode } from './errors.js';
import { HEADER_SIZE, HEADER_WORDS, MAX_HEADERS_PER_MSG, W_BITS, W_PREV, W_TIME } from './header.js';
import { HeightIndex, type HashSource } from './height-index.js';
import { locatorHeights } from './locator.js';
import { cachedWork, hashMeetsTarget, TargetCache } from './pow.js';
import { checkContextual, medianTimePast, RULE_MESSAGES } from './rules.js';
import { hashHeaderInto, hashHeaderWordsInto } from './sha256d-header.js';
import { SideBranches, type SideHeader } from './side-branches.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('HeaderChain needs a little-endian platform');

const CHUNK_SHIFT = 14; // 16,384 headers (1.3 MB) per storage chunk
const CHUNK_HEADERS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_HEADERS - 1;
const CHUNK_BYTES = CHUNK_HEADERS * HEADER_SIZE;
/** Cumulative work is remembered every WORK_STEP heights and summed from there on demand. */
const WORK_STEP = 2016;
/**
 * Default cap on side-branch headers held in memory (~25 MB): bounds what forks can cost us,
 * and therefore also the deepest reorg we can follow (far beyond any real one).
 */
export const MAX_SIDE_HEADERS = 50_000;
/** When the cap is hit, evict least-work side branches down to this share of it. */
const SIDE_PRUNE_TO = 0.9;

export interface TipInfo {
  readonly height: number;
  /** Wire order. */
  readonly hash: Uint8Array;
  /** Display order. */
  readonly hashHex: string;
}

export interface ReorgInfo {
  /** Headers disconnected from the old best chain (old tip height - fork height). */
  readonly depth: number;
  /** Height of the last header both chains share. */
  readonly forkHeight: number;
  readonly oldTip: TipInfo;
  readonly newTip: TipInfo;
}

export interface AcceptResult {
  /** Headers newly stored (on the best chain or a side branch). */
  readonly added: number;
  /** Headers we already had (a peer repeating itself shows up here, with added = 0). */
  readonly duplicates: number;
  /** The best tip moved (extended or reorganised). */
  readonly tipChanged: boolean;
  readonly reorg?: ReorgInfo;
  /**
   * The first header that was rejected and why; processing stopped there. Headers before it
   * stay accepted (as Core does: each header is its own unit of validation).
   */
  readonly error?: { readonly index: number; readonly error: ChainError };
}

export interface HeaderChainOptions {
  log?: Log;
  /** Cap on side-branch headers held (default MAX_SIDE_HEADERS). */
  maxSideHeaders?: number;
  /** Size the hash index for this many headers up front. */
  expectedHeaders?: number;
}

export interface FoundHeader {
  readonly height: number;
  readonly raw: Uint8Array;
  readonly onBestChain: boolean;
}

function rdU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function wordsOf(hash: Uint8Array, out = new Uint32Array(8)): Uint32Array {
  for (let i = 0; i < 8; i++) out[i] = rdU32(hash, 4 * i);
  return out;
}

function bytesOfWords(w: ArrayLike<number>, off = 0): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = w[off + i];
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

/** Does raw's prevBlock field equal the hash words w[off..off+8)? */
function prevIs(raw: Uint8Array, w: ArrayLike<number>, off: number): boolean {
  for (let i = 0; i < 8; i++) if (rdU32(raw, 4 + 4 * i) !== w[off + i] >>> 0) return false;
  return true;
}

/** Ancestors of a side branch: side headers above the fork, best chain below it. */
class BranchView implements AncestorView {
  readonly nodes: SideHeader[] = [];
  constructor(
    private readonly chain: HeaderChain,
    readonly forkHeight: number,
  ) {}
  get tip(): SideHeader | undefined {
    return this.nodes[this.nodes.length - 1];
  }
  timeAt(h: number): number {
    return h <= this.forkHeight ? this.chain.timeAt(h) : rdU32(this.nodes[h - this.forkHeight - 1].raw, 68);
  }
  bitsAt(h: number): number {
    return h <= this.forkHeight ? this.chain.bitsAt(h) : rdU32(this.nodes[h - this.forkHeight - 1].raw, 72);
  }
}

export class HeaderChain implements AncestorView, HashSource {
  readonly params: NetworkParams;
  /** Blocks per difficulty period (Core DifficultyAdjustmentInterval). */
  readonly interval: number;
  private readonly log: Log;
  private readonly maxSide: number;
  private c8: Uint8Array[] = [];
  private c32: Uint32Array[] = [];
  private n = 0;
  private readonly tipW = new Uint32Array(8);
  private readonly index: HeightIndex;
  private readonly side = new SideBranches();
  /** workBefore[k] = total work of heights < k * WORK_STEP. */
  private workBefore: bigint[] = [0n];
  private tipWorkCache: bigint | null = null;
  private rewindTo = Infinity;
  /** Testnet min-difficulty walk-back, memoised along the best chain. */
  private readonly walk = new MinDifficultyWalk();
  private readonly targets: TargetCache;
  private readonly checkpointHeights: number[];
  private readonly checkpointWords = new Map<number, Uint32Array>();
  private readonly lastCheckpointHeight: number;
  private readonly hashScratch = new Uint32Array(8);
  private readonly prevScratch = new Uint32Array(8);
  private readonly lastW = new Uint32Array(8);

  constructor(params: NetworkParams, opts: HeaderChainOptions = {}) {
    this.params = params;
    this.interval = retargetInterval(params);
    this.log = opts.log ?? silentLog;
    this.maxSide = opts.maxSideHeaders ?? MAX_SIDE_HEADERS;
    this.targets = new TargetCache(params.powLimit);
    this.checkpointHeights = Object.keys(params.checkpoints)
      .map(Number)
      .sort((a, b) => a - b);
    for (const h of this.checkpointHeights) this.checkpointWords.set(h, wordsOf(hashFromDisplay(params.checkpoints[h])));
    this.lastCheckpointHeight = this.checkpointHeights.length ? this.checkpointHeights[this.checkpointHeights.length - 1] : -1;
    this.index = new HeightIndex(this, opts.expectedHeaders ?? 0);
    const genesis = fromHex(params.genesis.headerHex);
    const gw = new Uint32Array(8);
    hashHeaderInto(genesis, 0, gw, 0);
    if (hashToDisplay(bytesOfWords(gw)) !== params.genesis.hash)
      throw new Error(`${params.name}: genesis header hashes to ${hashToDisplay(bytesOfWords(gw))}, params say ${params.genesis.hash}`);
    this.appendMain(genesis, gw, 0);
  }

  // ---- reading the best chain ----

  /** Height of the best tip (genesis = 0). */
  get height(): number {
    return this.n - 1;
  }

  get tip(): TipInfo {
    const hash = bytesOfWords(this.tipW);
    return { height: this.n - 1, hash, hashHex: hashToDisplay(hash) };
  }

  /** Cumulative work of the best chain (Core nChainWork of the tip). */
  get tipWork(): bigint {
    if (this.tipWorkCache === null) this.tipWorkCache = this.workAt(this.n - 1);
    return this.tipWorkCache;
  }

  /** The network's nMinimumChainWork not reached yet: never report "synced" in this state. */
  isBelowMinimumWork(): boolean {
    return this.tipWork < this.params.minimumChainWork;
  }

  /** Side-branch headers currently held. */
  get sideHeaderCount(): number {
    return this.side.size;
  }

  timeAt(height: number): number {
    return this.c32[height >>> CHUNK_SHIFT][(height & CHUNK_MASK) * HEADER_WORDS + W_TIME];
  }

  bitsAt(height: number): number {
    return this.c32[height >>> CHUNK_SHIFT][(height & CHUNK_MASK) * HEADER_WORDS + W_BITS];
  }

  hashWord(height: number, i: number): number {
    if (height === this.n - 1) return this.tipW[i];
    const k = height + 1;
    return this.c32[k >>> CHUNK_SHIFT][(k & CHUNK_MASK) * HEADER_WORDS + W_PREV + i];
  }

  private checkHeight(height: number): void {
    if (!Number.isInteger(height) || height < 0 || height >= this.n) throw new RangeError(`no header at height ${height} (tip is ${this.n - 1})`);
  }

  /** Wire-order hash of the best-chain header at `height`. */
  hashAt(height: number): Uint8Array {
    this.checkHeight(height);
    const w = new Uint32Array(8);
    for (let i = 0; i < 8; i++) w[i] = this.hashWord(height, i);
    return bytesOfWords(w);
  }

  /** A copy of the raw 80-byte header at `height` on the best chain. */
  headerAt(height: number): Uint8Array {
    this.checkHeight(height);
    const o = (height & CHUNK_MASK) * HEADER_SIZE;
    return this.c8[height >>> CHUNK_SHIFT].slice(o, o + HEADER_SIZE);
  }

  /**
   * The raw bytes of best-chain heights [from, to) as views into chain storage (one per chunk
   * touched). Valid only until the chain next changes; copy or write them out at once.
   */
  headerBytes(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (from < 0 || to > this.n || from > to) throw new RangeError(`bad header range [${from}, ${to}) (have ${this.n})`);
    let h = from;
    while (h < to) {
      const ci = h >>> CHUNK_SHIFT;
      const end = Math.min(to, (ci + 1) * CHUNK_HEADERS);
      out.push(this.c8[ci].subarray((h & CHUNK_MASK) * HEADER_SIZE, (end - ci * CHUNK_HEADERS) * HEADER_SIZE));
      h = end;
    }
    return out;
  }

  /** Height of `hash` (wire order) on the best chain, or -1. */
  heightOf(hash: Uint8Array): number {
    if (hash.length !== 32) return -1;
    return this.index.find(wordsOf(hash));
  }

  /** A header we hold, on the best chain or a side branch. */
  findHeader(hash: Uint8Array): FoundHeader | undefined {
    if (hash.length !== 32) return undefined;
    const w = wordsOf(hash);
    const h = this.index.find(w);
    if (h >= 0) return { height: h, raw: this.headerAt(h), onBestChain: true };
    const s = this.side.find(w);
    return s ? { height: s.height, raw: s.raw.slice(), onBestChain: false } : undefined;
  }

  /** We hold this header (best chain or side branch): an `inv` for it needs no getheaders. */
  hasHeader(hash: Uint8Array): boolean {
    if (hash.length !== 32) return false;
    const w = wordsOf(hash);
    return this.index.find(w) >= 0 || this.side.find(w) !== undefined;
  }

  /** Core GetMedianTimePast of the best-chain header at `height`. */
  medianTimePast(height = this.n - 1): number {
    this.checkHeight(height);
    return medianTimePast(this, height);
  }

  /** Cumulative work through the best-chain header at `height`. */
  workAt(height: number): bigint {
    this.checkHeight(height);
    const k = Math.floor(height / WORK_STEP);
    return this.workBefore[k] + this.rangeWork(k * WORK_STEP, height);
  }

  private rangeWork(from: number, to: number): bigint {
    if (to < from) return 0n;
    let total = 0n;
    let runBits = this.bitsAt(from);
    let run = 0;
    for (let h = from; h <= to; h++) {
      const b = this.bitsAt(h);
      if (b === runBits) run++;
      else {
        total += cachedWork(runBits) * BigInt(run);
        runBits = b;
        run = 1;
      }
    }
    return total + cachedWork(runBits) * BigInt(run);
  }

  lastNonMinDifficultyBits(height: number, interval: number, powLimitBits: number): number {
    return this.walk.lastNonMinDifficultyBits(this, height, interval, powLimitBits);
  }


  // ---- locators ----

  /** Core LocatorEntries from the best-chain header at `height` (default: the tip), wire order. */
  blockLocator(height = this.n - 1): Uint8Array[] {
    this.checkHeight(height);
    return locatorHeights(height).map((h) => this.hashAt(h));
  }

  /**
   * What Core's getheaders handler answers (net_processing ProcessGetHeaders): with an empty
   * locator, just hashStop's header if we know it; otherwise the best-chain headers after the
   * first locator entry on our best chain (else after genesis), up to `max` or hashStop.
   * Returns copies of the raw headers.
   */
  headersAfterLocator(locator: readonly Uint8Array[], hashStop: Uint8Array, max = MAX_HEADERS_PER_MSG): Uint8Array[] {
    if (locator.length === 0) {
      const found = this.findHeader(hashStop);
      return found ? [found.raw] : [];
    }
    // Core FindForkInGlobalIndex.
    let fork = 0;
    for (const hash of locator) {
      if (hash.length !== 32) continue;
      const w = wordsOf(hash);
      const h = this.index.find(w);
      if (h >= 0) {
        fork = h;
        break;
      }
      const s = this.side.find(w);
      if (s && s.height >= this.n - 1 && this.sideDescendsFromTip(s)) {
        fork = this.n - 1;
        break;
      }
    }
    const out: Uint8Array[] = [];
    if (max <= 0) return out;
    const stopHeight = hashStop.length === 32 ? this.index.find(wordsOf(hashStop)) : -1;
    for (let h = fork + 1; h < this.n; h++) {
      out.push(this.headerAt(h));
      if (out.length >= max || h === stopHeight) break;
    }
    return out;
  }

  private sideDescendsFromTip(s: SideHeader): boolean {
    let node: SideHeader | undefined = s;
    const prev = this.prevScratch;
    for (;;) {
      wordsOf(node.raw.subarray(4, 36), prev);
      const p = this.side.find(prev);
      if (!p) return this.index.find(prev) === this.n - 1;
      node = p;
    }
  }

  // ---- accepting headers ----

  /**
   * Validates and stores a `headers` message's worth of raw 80-byte headers (wire order),
   * in order; `now` is the adjusted clock in Unix seconds. A batch must be one continuous
   * sequence (each header's parent is the previous one) whose first header connects to a
   * header we hold. Stops at the first invalid header; the ones before it stay accepted.
   * Switches to the most-work chain at the end (ties keep the current tip, as Core does).
   * `hashes` (optional): the block hashes already computed by a trusted hasher, 8 LE u32
   * words per header, so batches can be hashed on worker threads.
   */
  acceptHeaders(headers: readonly Uint8Array[], now: number, opts?: { hashes?: Uint32Array }): AcceptResult {
    const count = headers.length;
    if (count > MAX_HEADERS_PER_MSG)
      return { added: 0, duplicates: 0, tipChanged: false, error: { index: MAX_HEADERS_PER_MSG, error: new ChainError('too_many_headers', `${count} headers in one message (max ${MAX_HEADERS_PER_MSG})`) } };
    const oldTipHeight = this.n - 1;
    const pre = opts?.hashes;
    if (pre && pre.length < count * 8) throw new RangeError('hashes must hold 8 words per header');
    const scratch = this.hashScratch;
    const lastW = this.lastW;
    const p = this.params;
    let added = 0;
    let dups = 0;
    let parentMain = -1;
    let parentSide: SideHeader | undefined;
    let view: BranchView | undefined;
    let branchTip: SideHeader | undefined;
    let lastReached = -2;
    let failure: { index: number; error: ChainError } | undefined;
    const fail = (i: number, code: ChainErrorCode, height?: number, hw?: ArrayLike<number>, ho = 0): void => {
      const hashHex = hw ? hashToDisplay(bytesOfWords(hw, ho)) : undefined;
      const where = height !== undefined ? ` at height ${height}` : '';
      failure = { index: i, error: new ChainError(code, `header ${i}${where}${hashHex ? ` (${hashHex})` : ''}: ${RULE_MESSAGES[code]}`, height, hashHex) };
    };

    for (let i = 0; i < count; i++) {
      const raw = headers[i];
      if (raw.length !== HEADER_SIZE) {
        fail(i, 'bad_header_length');
        break;
      }
      let H: Uint32Array;
      let ho: number;
      if (pre) {
        H = pre;
        ho = i * 8;
      } else {
        hashHeaderInto(raw, 0, scratch, 0);
        H = scratch;
        ho = 0;
      }
      // Locate the parent.
      if (i === 0) {
        const prev = wordsOf(raw.subarray(4, 36), this.prevScratch);
        if (prevIs(raw, this.tipW, 0)) parentMain = this.n - 1;
        else {
          parentMain = this.index.find(prev);
          if (parentMain < 0) {
            parentSide = this.side.find(prev);
            if (!parentSide) {
              fail(i, 'prev_not_found', undefined, H, ho);
              break;
            }
          }
        }
      } else if (!prevIs(raw, lastW, 0)) {
        fail(i, 'headers_not_continuous', undefined, H, ho);
        break;
      }
      for (let k = 0; k < 8; k++) lastW[k] = H[ho + k];
      const height = parentSide ? parentSide.height + 1 : parentMain + 1;
      const extendsTip = parentSide === undefined && parentMain === this.n - 1;
      if (!extendsTip) {
        // Already known? (A child of the best tip cannot be: it would be the tip.)
        if (parentSide === undefined && this.hashIs(parentMain + 1, H, ho)) {
          dups++;
          parentMain++;
          continue;
        }
        const known = this.side.find(H, ho);
        if (known) {
          dups++;
          parentSide = known;
          parentMain = -1;
          branchTip = known;
          continue;
        }
      }
      // Context-free proof of work (Core CheckBlockHeader / CheckProofOfWork).
      const bits = rdU32(raw, 72);
      const limbs = this.targets.limbs(bits);
      if (limbs === null) {
        fail(i, 'bad_pow_limit', height, H, ho);
        break;
      }
      if (!hashMeetsTarget(H, ho, limbs)) {
        fail(i, 'high_hash', height, H, ho);
        break;
      }
      if (height <= this.lastCheckpointHeight) {
        const cp = this.checkpointWords.get(height);
        if (cp && !sameWords(cp, H, ho)) {
          fail(i, 'checkpoint_mismatch', height, H, ho);
          break;
        }
      }
      const version = rdU32(raw, 0) | 0;
      const time = rdU32(raw, 68);
      if (extendsTip) {
        const code = checkContextual(p, this, height, version, time, bits, now, this.interval);
        if (code !== null) {
          fail(i, code, height, H, ho);
          break;
        }
        this.appendMain(raw, H, ho);
        added++;
        parentMain = height;
        continue;
      }
      // A side branch.
      if (lastReached === -2) lastReached = this.lastReachedCheckpoint();
      if (height < lastReached) {
        fail(i, 'fork_before_checkpoint', height, H, ho);
        break;
      }
      if (!view || (parentSide ? view.tip !== parentSide : view.nodes.length > 0 || view.forkHeight !== parentMain)) view = this.branchView(parentSide, parentMain);
      const code = checkContextual(p, view, height, version, time, bits, now, this.interval);
      if (code !== null) {
        fail(i, code, height, H, ho);
        break;
      }
      if (this.side.size >= this.maxSide && !this.pruneSide(view.nodes)) {
        fail(i, 'side_branch_limit', height, H, ho);
        break;
      }
      const work = (parentSide ? parentSide.work : this.workAt(parentMain)) + cachedWork(bits);
      const node: SideHeader = { raw: raw.slice(), hash: H.slice(ho, ho + 8), height, work, seq: this.side.sequence() };
      this.side.add(node);
      view.nodes.push(node);
      added++;
      parentSide = node;
      parentMain = -1;
      branchTip = node;
    }

    let reorg: ReorgInfo | undefined;
    if (branchTip && branchTip.work > this.tipWork) reorg = this.reorgTo(branchTip);
    const tipChanged = reorg !== undefined || this.n - 1 !== oldTipHeight;
    const result: AcceptResult = { added, duplicates: dups, tipChanged };
    if (reorg) (result as { reorg?: ReorgInfo }).reorg = reorg;
    if (failure) (result as { error?: AcceptResult['error'] }).error = failure;
    return result;
  }

  private hashIs(height: number, w: ArrayLike<number>, off: number): boolean {
    if (height >= this.n) return false;
    for (let i = 0; i < 8; i++) if (this.hashWord(height, i) !== w[off + i] >>> 0) return false;
    return true;
  }

  /** The highest checkpoint at or below our tip (Core GetLastCheckpoint), or -1. */
  private lastReachedCheckpoint(): number {
    let best = -1;
    for (const h of this.checkpointHeights) if (h <= this.n - 1) best = h;
    return best;
  }

  private branchView(parentSide: SideHeader | undefined, parentMain: number): BranchView {
    if (!parentSide) return new BranchView(this, parentMain);
    const nodes: SideHeader[] = [];
    const prev = this.prevScratch;
    let s: SideHeader | undefined = parentSide;
    let fork = -1;
    while (s) {
      nodes.push(s);
      wordsOf(s.raw.subarray(4, 36), prev);
      const p: SideHeader | undefined = this.side.find(prev);
      if (!p) fork = this.index.find(prev);
      s = p;
    }
    if (fork < 0) throw new Error('side branch does not connect to the best chain');
    const view = new BranchView(this, fork);
    for (let i = nodes.length - 1; i >= 0; i--) view.nodes.push(nodes[i]);
    return view;
  }

  private appendMain(raw: Uint8Array, hw: ArrayLike<number>, ho: number): void {
    const h = this.n;
    const ci = h >>> CHUNK_SHIFT;
    if (ci === this.c8.length) this.addChunk();
    this.c8[ci].set(raw, (h & CHUNK_MASK) * HEADER_SIZE);
    for (let k = 0; k < 8; k++) this.tipW[k] = hw[ho + k];
    this.n = h + 1;
    this.index.insert(h);
    if (h > 0 && h % WORK_STEP === 0) {
      const k = h / WORK_STEP;
      this.workBefore[k] = this.workBefore[k - 1] + this.rangeWork(h - WORK_STEP, h - 1);
    }
    this.tipWorkCache = null;
  }

  private addChunk(): void {
    const b = new Uint8Array(CHUNK_BYTES);
    this.c8.push(b);
    this.c32.push(new Uint32Array(b.buffer));
  }

  /** Drops best-chain headers above `height`. */
  private truncateMain(height: number): void {
    for (let h = this.n - 1; h > height; h--) this.index.remove(h);
    const k = height + 1;
    const c = this.c32[k >>> CHUNK_SHIFT];
    const o = (k & CHUNK_MASK) * HEADER_WORDS + W_PREV;
    for (let i = 0; i < 8; i++) this.tipW[i] = c[o + i];
    this.n = height + 1;
    this.workBefore.length = Math.floor(height / WORK_STEP) + 1;
    this.tipWorkCache = null;
    if (height < this.rewindTo) this.rewindTo = height;
    this.walk.forgetAbove(height);
    // Free whole chunks no longer used (keep one spare).
    const need = (this.n >>> CHUNK_SHIFT) + 2;
    if (this.c8.length > need) {
      this.c8.length = need;
      this.c32.length = need;
    }
  }

  private reorgTo(tip: SideHeader): ReorgInfo {
    const path: SideHeader[] = [];
    const prev = this.prevScratch;
    let s: SideHeader | undefined = tip;
    let fork = -1;
    while (s) {
      path.push(s);
      wordsOf(s.raw.subarray(4, 36), prev);
      const p: SideHeader | undefined = this.side.find(prev);
      if (!p) fork = this.index.find(prev);
      s = p;
    }
    if (fork < 0) throw new Error('side branch does not connect to the best chain');
    path.reverse();
    const oldTip = this.tip;
    const depth = this.n - 1 - fork;
    // Keep the losing branch as a side branch, as far as the cap allows: it may win back.
    const room = Math.max(0, this.maxSide - (this.side.size - path.length));
    const moved: SideHeader[] = [];
    let work = this.workAt(fork);
    for (let h = fork + 1; h < this.n && moved.length < room; h++) {
      work += cachedWork(this.bitsAt(h));
      const hash = new Uint32Array(8);
      for (let i = 0; i < 8; i++) hash[i] = this.hashWord(h, i);
      moved.push({ raw: this.headerAt(h), hash, height: h, work, seq: this.side.sequence() });
    }
    for (const node of path) this.side.remove(node);
    this.truncateMain(fork);
    for (const node of path) this.appendMain(node.raw, node.hash, 0);
    for (const m of moved) this.side.add(m);
    // Side headers that hung off the part of the old chain we could not keep are orphans now.
    if (moved.length < depth) this.pruneSide([]);
    const newTip = this.tip;
    this.log.info(`reorg of depth ${depth}: fork at ${fork}, new tip ${newTip.height} ${newTip.hashHex}`, {
      depth,
      forkHeight: fork,
      oldTip: oldTip.hashHex,
      oldHeight: oldTip.height,
      newTip: newTip.hashHex,
      newHeight: newTip.height,
    });
    return { depth, forkHeight: fork, oldTip, newTip };
  }

  /**
   * Drops side headers whose parent is gone, then, when over the cap, the least-work side
   * branches (never the `protect`ed ones) down to SIDE_PRUNE_TO of the cap. Returns whether
   * there is room for one more side header.
   */
  private pruneSide(protect: readonly SideHeader[]): boolean {
    const keep = new Set(protect);
    const nodes = [...this.side.all()].sort((a, b) => a.height - b.height || a.seq - b.seq);
    const parentOf = new Map<SideHeader, SideHeader | null>();
    const children = new Map<SideHeader, number>();
    const prev = new Uint32Array(8);
    for (const s of nodes) {
      wordsOf(s.raw.subarray(4, 36), prev);
      const p = this.side.find(prev);
      if (p && parentOf.has(p)) {
        parentOf.set(s, p);
        children.set(p, (children.get(p) ?? 0) + 1);
      } else if (!p && this.index.find(prev) === s.height - 1) {
        parentOf.set(s, null);
      } else {
        this.side.remove(s); // orphan
      }
    }
    const target = Math.floor(this.maxSide * SIDE_PRUNE_TO);
    if (this.side.size >= this.maxSide) {
      const leaves = nodes.filter((s) => parentOf.has(s) && !children.get(s) && !keep.has(s));
      // Least work first; among equals the newest goes first (Core prefers what it saw first).
      leaves.sort((a, b) => (a.work < b.work ? -1 : a.work > b.work ? 1 : b.seq - a.seq));
      for (const leaf of leaves) {
        if (this.side.size <= target) break;
        let s: SideHeader | null | undefined = leaf;
        while (s && !keep.has(s) && !children.get(s)) {
          this.side.remove(s);
          const p: SideHeader | null | undefined = parentOf.get(s);
          if (p) children.set(p, (children.get(p) ?? 1) - 1);
          s = p;
        }
      }
    }
    return this.side.size < this.maxSide;
  }

  /**
   * Re-hashes best-chain heights [from, to] and checks each hash links to the next header
   * and meets its own bits' target: a full integrity check of what restore() trusted
   * (about a second per million headers). Returns the first bad height, or -1.
   */
  verifyIntegrity(from = 0, to = this.n - 1): number {
    const w = this.hashScratch;
    for (let h = Math.max(0, from); h <= Math.min(to, this.n - 1); h++) {
      hashHeaderWordsInto(this.c32[h >>> CHUNK_SHIFT], (h & CHUNK_MASK) * HEADER_WORDS, w, 0);
      for (let i = 0; i < 8; i++) if (w[i] !== this.hashWord(h, i)) return h;
      const limbs = this.targets.limbs(this.bitsAt(h));
      if (limbs === null || !hashMeetsTarget(w, 0, limbs)) return h;
    }
    return -1;
  }

  /** @internal For HeaderStore: the lowest height kept by a truncation since the last call (reorg), or undefined. */
  takeRewind(): number | undefined {
    const r = this.rewindTo;
    this.rewindTo = Infinity;
    return r === Infinity ? undefined : r;
  }

  /** Approximate bytes held: storage chunks, hash index, side headers (~450 B each as JS objects). */
  memoryBytes(): number {
    return this.c8.length * CHUNK_BYTES + this.index.byteLength + this.side.size * 450;
  }

  // ---- bulk load (HeaderStore) ----

  /**
   * @internal For HeaderStore. Loads `count` stored headers (heights 0..count-1, read by
   * `read` into the given destination), asks `trustedCount` how many of them the caller
   * vouches for (HeaderStore checks digests written when they were first validated; the
   * chain's headerBytes() already works inside that callback), and adopts those WITHOUT
   * re-hashing: the index is rebuilt from prevBlock fields, only the tip is hashed. The
   * rest is returned as raw bytes for the caller to re-validate with acceptHeaders.
   */
  static restore(
    params: NetworkParams,
    count: number,
    read: (dst: Uint8Array, firstHeight: number, headers: number) => void,
    trustedCount: (chain: HeaderChain) => number,
    opts: HeaderChainOptions = {},
  ): { chain: HeaderChain; untrusted: Uint8Array } {
    const chain = new HeaderChain(params, { ...opts, expectedHeaders: count });
    if (count < 1) return { chain, untrusted: new Uint8Array(0) };
    const genesis = chain.headerAt(0);
    chain.c8 = [];
    chain.c32 = [];
    for (let h = 0; h < count; h += CHUNK_HEADERS) {
      chain.addChunk();
      const m = Math.min(CHUNK_HEADERS, count - h);
      read(chain.c8[chain.c8.length - 1].subarray(0, m * HEADER_SIZE), h, m);
    }
    for (let i = 0; i < HEADER_SIZE; i++) if (chain.c8[0][i] !== genesis[i]) throw new Error(`stored header 0 is not the ${params.name} genesis`);
    chain.n = count;
    const trusted = Math.max(1, Math.min(count, Math.floor(trustedCount(chain))));
    const untrusted = new Uint8Array((count - trusted) * HEADER_SIZE);
    let o = 0;
    for (const part of chain.headerBytes(trusted, count)) {
      untrusted.set(part, o);
      o += part.length;
    }
    chain.n = trusted;
    const last = trusted - 1;
    hashHeaderWordsInto(chain.c32[last >>> CHUNK_SHIFT], (last & CHUNK_MASK) * HEADER_WORDS, chain.tipW, 0);
    chain.index.rebuild(trusted);
    chain.workBefore = [0n];
    for (let k = 1; k * WORK_STEP <= last; k++) chain.workBefore[k] = chain.workBefore[k - 1] + chain.rangeWork((k - 1) * WORK_STEP, k * WORK_STEP - 1);
    chain.tipWorkCache = null;
    chain.walk.forgetAbove();
    chain.rewindTo = Infinity;
    return { chain, untrusted };
  }
}

function sameWords(a: Uint32Array, w: ArrayLike<number>, off: number): boolean {
  for (let i = 0; i < 8; i++) if (a[i] !== w[off + i] >>> 0) return false;
  return true;
}
