// HeaderChain: the validated header tree. The best (most-work) chain's recent headers are held
// in memory (raw headers in 1.3 MB chunks + a 4-byte-slot hash index; a hash is read from its
// child's prevBlock field); with an archive (HeaderStore) older ones are read back from disk, so
// memory does not grow with the chain. Competing branches are kept, bounded, until they win
// (reorg) or lose: small ones in memory, one deep one in a BranchStorage. No I/O of its own
// (only through the injected archive); callers pass `now`; logs go to an injected Log.
import type { NetworkParams } from '../params/networks.js';
import { fromHex, hashFromDisplay, hashToDisplay } from '../util/bytes.js';
import { silentLog, type Log } from '../util/log.js';
import { MemoryBranchStorage, type BranchStorage, type HeaderArchive } from './archive.js';
import { DeepBranch } from './deep-branch.js';
import { MinDifficultyWalk, retargetInterval, type AncestorView } from './difficulty.js';
import { ChainError, type ChainErrorCode } from './errors.js';
import { HEADER_SIZE, HEADER_WORDS, MAX_HEADERS_PER_MSG, W_BITS, W_PREV, W_TIME } from './header.js';
import { HeightIndex, type HashSource } from './height-index.js';
import { locatorHeights } from './locator.js';
import { OldHashIndex } from './old-hash-index.js';
import { cachedWork, hashMeetsTarget, TargetCache } from './pow.js';
import { checkContextual, medianTimePast, RULE_MESSAGES } from './rules.js';
import { hashHeaderInto, hashHeaderWordsInto } from './sha256d-header.js';
import { SideBranches, type SideHeader } from './side-branches.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('HeaderChain needs a little-endian platform');

const CHUNK_SHIFT = 14; // 16,384 headers (1.3 MB) per storage chunk
const CHUNK_HEADERS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_HEADERS - 1;
const CHUNK_BYTES = CHUNK_HEADERS * HEADER_SIZE;
/**
 * With an archive, chunks kept in memory: the tip's and the one before it, so 16,384 to
 * 32,768 recent headers (1.3-2.6 MB). That covers every rule's look-back (a retarget reads
 * 2,016 back, the testnet walk-back stops at a period start, median-time-past reads 11) and
 * reorgs at least 16,384 deep are done in memory; deeper ones go through the deep branch.
 */
export const KEEP_CHUNKS = 2;
/** Old headers are read from the archive this many at a time (5 KB), one page cached. */
const PAGE_HEADERS = 64;
/** Cumulative work is remembered every WORK_STEP heights and summed from there on demand. */
export const WORK_STEP = 2016;
/**
 * Default cap on side-branch headers held in memory (~4.5 MB as JS objects). A branch that
 * outgrows it (or forks below the in-memory window) continues as the deep branch.
 */
export const MAX_SIDE_HEADERS = 10_000;
/** When the cap is hit, evict least-work side branches down to this share of it. */
const SIDE_PRUNE_TO = 0.9;
/**
 * Hash -> height of old best-chain headers we handed out (locators, getheaders answers), most
 * recent first out of the cap. Keyed by the hash's first LE word (a number: a string key of
 * the whole hash cost ~600 B of heap each, ~2.5 MB at the cap) and checked against the chain
 * on every hit; two remembered hashes sharing a first word keep the newer one.
 */
const RECENT_HASHES = 4096;
/** A deep branch nobody extended for this long (by the callers' clock) may be replaced. */
export const DEEP_BRANCH_IDLE_S = 120;
/** Core GetAntiDoSWorkThreshold: accept headers that fork up to 144 blocks' work below the tip. */
const ANTI_DOS_TIP_BLOCKS = 144n;

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

export interface AcceptError {
  readonly index: number;
  readonly error: ChainError;
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
  readonly error?: AcceptError;
}

export interface HeaderChainOptions {
  log?: Log;
  /** Cap on side-branch headers held in memory (default MAX_SIDE_HEADERS). */
  maxSideHeaders?: number;
  /** Size the hash index for this many headers up front (chains without an archive). */
  expectedHeaders?: number;
  /**
   * Where older best-chain headers and the deep branch live (HeaderStore). Without one,
   * everything stays in memory.
   */
  archive?: HeaderArchive;
  /**
   * Index the hashes of every best-chain header that left memory (OldHashIndex, ~16 MB per
   * million): for a chain serving many peers (`spv serve --datadir`), which then answers any
   * getheaders locator without a scan of the headers file. Off for the light client.
   */
  indexOldHashes?: boolean;
}

export interface FoundHeader {
  readonly height: number;
  readonly raw: Uint8Array;
  readonly onBestChain: boolean;
}

/** Where a headers message attaches and the chain work it claims (Core CalculateClaimedHeadersWork). */
export interface ClaimedWork {
  readonly parentHeight: number;
  /** Wire-order hash of the parent. */
  readonly parentHash: Uint8Array;
  readonly parentOnBestChain: boolean;
  /** Chain work through the parent. */
  readonly parentWork: bigint;
  /** Chain work of the parent plus the work the headers' bits claim. */
  readonly total: bigint;
}

/** The header the next one of a batch must attach to. */
type Parent =
  | { readonly kind: 'best'; readonly height: number }
  | { readonly kind: 'side'; readonly node: SideHeader }
  | { readonly kind: 'deep'; readonly height: number };

/** A side branch from its fork: the best-chain height it leaves, then its nodes upward. */
interface SideWalk {
  readonly forkHeight: number;
  readonly nodes: SideHeader[];
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

function sameWords(a: ArrayLike<number>, w: ArrayLike<number>, off: number): boolean {
  for (let i = 0; i < 8; i++) if (a[i] >>> 0 !== w[off + i] >>> 0) return false;
  return true;
}

/** Ancestors of an in-memory side branch: side headers above the fork, best chain below it. */
class BranchView implements AncestorView {
  constructor(
    private readonly chain: HeaderChain,
    readonly forkHeight: number,
    readonly nodes: SideHeader[],
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
  private readonly archive: HeaderArchive | undefined;
  /** Best-chain chunks; those below `base` have left memory (undefined). */
  private c8: (Uint8Array | undefined)[] = [];
  private c32: (Uint32Array | undefined)[] = [];
  private base = 0;
  /** Chunks that left memory, reused for new ones (no 1.3 MB allocation per 16,384 headers, which fragments the C heap). */
  private readonly spare: Uint8Array[] = [];
  private n = 0;
  private readonly tipW = new Uint32Array(8);
  private index: HeightIndex;
  private readonly side = new SideBranches();
  private deep: DeepBranch | undefined;
  private deepTouched = 0;
  private readonly branchStorage: BranchStorage;
  /** workBefore[k] = total work of heights < k * WORK_STEP (a hole: ask `storedWork`). */
  private workBefore: bigint[] = [0n];
  /** After a restore: the same from the store's work records, read on demand. */
  private storedWork: ((k: number) => bigint) | undefined;
  private tipWorkCache: bigint | null = null;
  private rewindTo = Infinity;
  /** Testnet min-difficulty walk-back, memoised along the best chain. */
  private readonly walk = new MinDifficultyWalk();
  private readonly targets: TargetCache;
  private readonly checkpointHeights: number[];
  private readonly checkpointWords = new Map<number, Uint32Array>();
  private readonly lastCheckpointHeight: number;
  private readonly genesisW = new Uint32Array(8);
  private readonly recent = new Map<number, number>();
  /** With `indexOldHashes`: heights below `oldIndexedTo` that left memory, by hash. */
  private readonly oldIndex: OldHashIndex | undefined;
  private oldIndexedTo = 0;
  private readonly page = new Uint8Array(PAGE_HEADERS * HEADER_SIZE);
  private readonly page32 = new Uint32Array(this.page.buffer);
  private pageFirst = -1;
  private pageCount = 0;
  private readonly hashScratch = new Uint32Array(8);
  private readonly prevScratch = new Uint32Array(8);
  private readonly lastW = new Uint32Array(8);

  constructor(params: NetworkParams, opts: HeaderChainOptions = {}) {
    this.params = params;
    this.interval = retargetInterval(params);
    this.log = opts.log ?? silentLog;
    this.maxSide = opts.maxSideHeaders ?? MAX_SIDE_HEADERS;
    this.archive = opts.archive;
    this.oldIndex = opts.archive && opts.indexOldHashes ? new OldHashIndex() : undefined;
    this.branchStorage = opts.archive?.branch ?? new MemoryBranchStorage();
    this.targets = new TargetCache(params.powLimit);
    this.checkpointHeights = Object.keys(params.checkpoints)
      .map(Number)
      .sort((a, b) => a - b);
    for (const h of this.checkpointHeights) this.checkpointWords.set(h, wordsOf(hashFromDisplay(params.checkpoints[h])));
    this.lastCheckpointHeight = this.checkpointHeights.length ? this.checkpointHeights[this.checkpointHeights.length - 1] : -1;
    this.index = new HeightIndex(this, opts.archive ? 0 : (opts.expectedHeaders ?? 0));
    const genesis = fromHex(params.genesis.headerHex);
    const gw = new Uint32Array(8);
    hashHeaderInto(genesis, 0, gw, 0);
    if (hashToDisplay(bytesOfWords(gw)) !== params.genesis.hash)
      throw new Error(`${params.name}: genesis header hashes to ${hashToDisplay(bytesOfWords(gw))}, params say ${params.genesis.hash}`);
    this.appendMain(genesis, gw, 0);
    this.genesisW.set(gw);
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

  /**
   * Core GetAntiDoSWorkThreshold: a headers chain claiming less work than this is not stored
   * until proven (headers presync): the network minimum, or the tip's work less 144 blocks.
   */
  antiDoSWorkThreshold(): bigint {
    const tipWork = this.tipWork;
    const buffer = ANTI_DOS_TIP_BLOCKS * cachedWork(this.bitsAt(this.n - 1));
    const nearTip = tipWork > buffer ? tipWork - buffer : 0n;
    return nearTip > this.params.minimumChainWork ? nearTip : this.params.minimumChainWork;
  }

  /** Side-branch headers currently held in memory. */
  get sideHeaderCount(): number {
    return this.side.size;
  }

  /** Headers on the deep branch (0 when there is none). */
  get deepBranchSize(): number {
    return this.deep?.size ?? 0;
  }

  /** The lowest best-chain height held in memory (0 without an archive). */
  get memoryWindowStart(): number {
    return this.base << CHUNK_SHIFT;
  }

  timeAt(height: number): number {
    const c = this.c32[height >>> CHUNK_SHIFT];
    return c !== undefined ? c[(height & CHUNK_MASK) * HEADER_WORDS + W_TIME] : this.diskWord(height, W_TIME);
  }

  bitsAt(height: number): number {
    const c = this.c32[height >>> CHUNK_SHIFT];
    return c !== undefined ? c[(height & CHUNK_MASK) * HEADER_WORDS + W_BITS] : this.diskWord(height, W_BITS);
  }

  hashWord(height: number, i: number): number {
    if (height === this.n - 1) return this.tipW[i];
    const k = height + 1;
    const c = this.c32[k >>> CHUNK_SHIFT];
    return c !== undefined ? c[(k & CHUNK_MASK) * HEADER_WORDS + W_PREV + i] : this.diskWord(k, W_PREV + i);
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
    const c = this.c8[height >>> CHUNK_SHIFT];
    if (c !== undefined) {
      const o = (height & CHUNK_MASK) * HEADER_SIZE;
      return c.slice(o, o + HEADER_SIZE);
    }
    const out = new Uint8Array(HEADER_SIZE);
    this.readArchive(out, height, 1);
    return out;
  }

  /**
   * The raw bytes of best-chain heights [from, to): views into chain storage for heights held
   * in memory (valid only until the chain next changes; copy or write them out at once), fresh
   * copies read from the archive for older ones.
   */
  headerBytes(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (from < 0 || to > this.n || from > to) throw new RangeError(`bad header range [${from}, ${to}) (have ${this.n})`);
    let h = from;
    while (h < to) {
      const ci = h >>> CHUNK_SHIFT;
      const end = Math.min(to, (ci + 1) * CHUNK_HEADERS);
      const c = this.c8[ci];
      if (c !== undefined) out.push(c.subarray((h & CHUNK_MASK) * HEADER_SIZE, (end - ci * CHUNK_HEADERS) * HEADER_SIZE));
      else {
        const b = new Uint8Array((end - h) * HEADER_SIZE);
        this.readArchive(b, h, end - h);
        out.push(b);
      }
      h = end;
    }
    return out;
  }

  /** Height of `hash` (wire order) on the best chain, or -1. */
  heightOf(hash: Uint8Array): number {
    if (hash.length !== 32) return -1;
    return this.findBest(wordsOf(hash), 0);
  }

  /** A header we hold, on the best chain or a side branch (the deep branch: its tip only). */
  findHeader(hash: Uint8Array): FoundHeader | undefined {
    if (hash.length !== 32) return undefined;
    const w = wordsOf(hash);
    const h = this.findBest(w, 0);
    if (h >= 0) return { height: h, raw: this.headerAt(h), onBestChain: true };
    const s = this.side.find(w);
    if (s) return { height: s.height, raw: s.raw.slice(), onBestChain: false };
    const d = this.deep;
    if (d && d.size > 0 && sameWords(d.tipW, w, 0)) {
      const raw = new Uint8Array(HEADER_SIZE);
      d.read(raw, d.size - 1, 1);
      return { height: d.tipHeight, raw, onBestChain: false };
    }
    return undefined;
  }

  /** We hold this header (best chain or side branch): an `inv` for it needs no getheaders. */
  hasHeader(hash: Uint8Array): boolean {
    return this.findHeader(hash) !== undefined;
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
    return this.workBase(k) + this.rangeWork(k * WORK_STEP, height);
  }

  private workBase(k: number): bigint {
    const w = this.workBefore[k];
    if (w !== undefined) return w;
    if (!this.storedWork) throw new Error(`no chain work recorded before height ${k * WORK_STEP}`);
    return (this.workBefore[k] = this.storedWork(k));
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

  // ---- hash lookups beyond the memory window ----

  /**
   * Height of the best-chain header with hash w[off..off+8), or -1: the in-memory index,
   * then the old hashes we handed out (locators, getheaders answers), checked against the
   * archive. Never a scan.
   */
  private findBest(w: ArrayLike<number>, off: number): number {
    const h = this.index.find(w, off);
    if (h >= 0) return h;
    if (sameWords(this.genesisW, w, off)) return 0;
    const r = this.recent.get(w[off] >>> 0);
    if (r !== undefined && r < this.n && this.hashIs(r, w, off)) return r;
    if (!this.oldIndex) return -1;
    this.extendOldIndex();
    return this.oldIndex.candidates(w[off], (h) => h < this.n && this.hashIs(h, w, off));
  }

  /** Adds the heights that left memory since the last call to the old-hash index (bulk reads:
   * the hash of height h is the prevBlock field of header h + 1). */
  private extendOldIndex(): void {
    const index = this.oldIndex as OldHashIndex;
    const to = Math.min(this.memoryWindowStart, this.durable() - 1); // heights [oldIndexedTo, to)
    if (this.oldIndexedTo >= to) return;
    const per = CHUNK_HEADERS;
    const buf = new Uint8Array(Math.min(per, to - this.oldIndexedTo) * HEADER_SIZE);
    for (let h = this.oldIndexedTo; h < to; h += per) {
      const k = Math.min(per, to - h);
      this.readArchive(buf.subarray(0, k * HEADER_SIZE), h + 1, k);
      for (let j = 0; j < k; j++) index.add(rdU32(buf, j * HEADER_SIZE + 4), h + j);
    }
    this.oldIndexedTo = to;
  }

  /** Remembers the hash of an old best-chain height (one we hand out) for findBest. */
  private remember(height: number): void {
    if (height >= this.memoryWindowStart || height === 0) return;
    const w = this.prevScratch;
    for (let i = 0; i < 8; i++) w[i] = this.hashWord(height, i);
    const key = w[0] >>> 0;
    this.recent.delete(key);
    this.recent.set(key, height);
    if (this.recent.size > RECENT_HASHES) this.recent.delete(this.recent.keys().next().value as number);
  }

  /**
   * One pass over the archive's prevBlock fields for any of `hashes` among the heights that
   * left memory. Costs a sequential read of the headers file (80 B per header).
   */
  private scanArchive(hashes: readonly Uint8Array[]): Map<number, number> {
    const found = new Map<number, number>(); // index in hashes -> height
    const limit = Math.min(this.memoryWindowStart + 1, this.durable());
    if (!this.archive || limit < 2) return found;
    const want = new Map<number, number[]>();
    hashes.forEach((h, i) => {
      if (h.length !== 32) return;
      const k = rdU32(h, 0);
      want.set(k, [...(want.get(k) ?? []), i]);
    });
    const per = CHUNK_HEADERS;
    const buf = new Uint8Array(per * HEADER_SIZE);
    for (let first = 1; first < limit && found.size < hashes.length; first += per) {
      const k = Math.min(per, limit - first);
      this.archive.read(buf.subarray(0, k * HEADER_SIZE), first, k);
      for (let j = 0; j < k; j++) {
        const cands = want.get(rdU32(buf, j * HEADER_SIZE + 4));
        if (!cands) continue;
        for (const i of cands) {
          const hsh = hashes[i];
          let same = true;
          for (let b = 0; b < 32 && same; b++) same = hsh[b] === buf[j * HEADER_SIZE + 4 + b];
          if (same && !found.has(i)) found.set(i, first + j - 1);
        }
      }
    }
    return found;
  }

  // ---- locators ----

  /** Core LocatorEntries from the best-chain header at `height` (default: the tip), wire order. */
  blockLocator(height = this.n - 1): Uint8Array[] {
    this.checkHeight(height);
    return locatorHeights(height).map((h) => {
      this.remember(h);
      return this.hashAt(h);
    });
  }

  /**
   * What Core's getheaders handler answers (net_processing ProcessGetHeaders): with an empty
   * locator, just hashStop's header if we know it; otherwise the best-chain headers after the
   * first locator entry on our best chain (else after genesis), up to `max` or hashStop.
   * Returns copies of the raw headers. Entries older than the memory window are found among
   * the hashes we handed out; when none is, one scan of the archive (see scanArchive).
   */
  headersAfterLocator(locator: readonly Uint8Array[], hashStop: Uint8Array, max = MAX_HEADERS_PER_MSG): Uint8Array[] {
    if (locator.length === 0) {
      const found = this.findHeader(hashStop);
      return found ? [found.raw] : [];
    }
    let fork = this.forkOfLocator(locator);
    if (fork < 0) {
      const scanned = this.scanArchive(locator);
      const first = [...scanned.keys()].sort((a, b) => a - b)[0];
      fork = first === undefined ? 0 : (scanned.get(first) as number);
    }
    const out: Uint8Array[] = [];
    if (max <= 0) return out;
    const stopHeight = hashStop.length === 32 ? this.findBest(wordsOf(hashStop), 0) : -1;
    let end = Math.min(this.n, fork + 1 + max);
    if (stopHeight > fork) end = Math.min(end, stopHeight + 1);
    for (const part of this.headerBytes(fork + 1, end))
      for (let o = 0; o < part.length; o += HEADER_SIZE) out.push(part.slice(o, o + HEADER_SIZE));
    if (end > fork + 1) this.remember(end - 1); // the next request's locator starts there
    return out;
  }

  /** Core FindForkInGlobalIndex over what we can find without a scan; -1 when nothing matched. */
  private forkOfLocator(locator: readonly Uint8Array[]): number {
    for (const hash of locator) {
      if (hash.length !== 32) continue;
      const w = wordsOf(hash);
      const h = this.findBest(w, 0);
      if (h >= 0) return h;
      const s = this.side.find(w);
      if (s && s.height >= this.n - 1 && this.walkSide(s)?.forkHeight === this.n - 1) return this.n - 1;
    }
    return this.base === 0 ? 0 : -1;
  }

  // ---- accepting headers ----

  /**
   * Validates and stores a `headers` message's worth of raw 80-byte headers (wire order),
   * in order; `now` is the local clock in Unix seconds (Core >= 27 checks the future limit
   * against its own clock, not a peer-adjusted time). A batch must be one continuous
   * sequence (each header's parent is the previous one) whose first header connects to a
   * header we hold. Stops at the first invalid header; the ones before it stay accepted.
   * Switches to the most-work chain at the end (ties keep the current tip, as Core does).
   * `hashes` (optional): the block hashes already computed by a trusted hasher, 8 LE u32
   * words per header, so batches can be hashed on worker threads.
   * `parentHeight` (optional): where the caller knows the first header's parent to be (headers
   * presync counts them); lets a parent that left memory and was never handed out be found
   * by one disk read (best chain, or the deep branch) instead of failing with prev_not_found.
   */
  acceptHeaders(headers: readonly Uint8Array[], now: number, opts?: { hashes?: Uint32Array; parentHeight?: number }): AcceptResult {
    const count = headers.length;
    if (count > MAX_HEADERS_PER_MSG)
      return { added: 0, duplicates: 0, tipChanged: false, error: { index: MAX_HEADERS_PER_MSG, error: new ChainError('too_many_headers', `${count} headers in one message (max ${MAX_HEADERS_PER_MSG})`) } };
    const pre = opts?.hashes;
    if (pre && pre.length < count * 8) throw new RangeError('hashes must hold 8 words per header');
    const oldTipHeight = this.n - 1;
    const forkFloor = this.lastReachedCheckpoint();
    const lastW = this.lastW;
    let added = 0;
    let duplicates = 0;
    let failure: AcceptError | undefined;
    let parent: Parent | undefined;
    let view: BranchView | undefined;

    for (let i = 0; i < count; i++) {
      const raw = headers[i];
      if (raw.length !== HEADER_SIZE) {
        failure = this.failure(i, 'bad_header_length');
        break;
      }
      let H: Uint32Array = this.hashScratch;
      let ho = 0;
      if (pre) {
        H = pre;
        ho = i * 8;
      } else hashHeaderInto(raw, 0, H, 0);
      if (i === 0) {
        parent = this.locateParent(raw, opts?.parentHeight);
        if (parent === undefined) {
          failure = this.failure(i, 'prev_not_found', undefined, H, ho);
          break;
        }
      } else if (!prevIs(raw, lastW, 0)) {
        failure = this.failure(i, 'headers_not_continuous', undefined, H, ho);
        break;
      }
      for (let k = 0; k < 8; k++) lastW[k] = H[ho + k];
      const p = parent as Parent;
      const height = (p.kind === 'side' ? p.node.height : p.height) + 1;
      const known = this.knownChild(p, H, ho);
      if (known) {
        duplicates++;
        parent = known;
        continue;
      }
      const code = this.checkHeader(p, raw, H, ho, height, now, forkFloor, view);
      if (typeof code === 'string') {
        failure = this.failure(i, code, height, H, ho);
        break;
      }
      view = code.view;
      if (p.kind === 'best' && p.height === this.n - 1) {
        this.appendMain(raw, H, ho);
        parent = { kind: 'best', height };
      } else {
        const next = this.addToBranch(p, raw, H, ho, height, now, view);
        if (typeof next === 'string') {
          failure = this.failure(i, next, height, H, ho);
          break;
        }
        parent = next;
        if (next.kind === 'deep') view = undefined;
      }
      added++;
    }

    // The sender's next batch continues from the last header of this one.
    if (parent?.kind === 'best') this.remember(parent.height);
    const reorg = parent ? this.reorgIfMoreWork(parent) : undefined;
    const tipChanged = reorg !== undefined || this.n - 1 !== oldTipHeight;
    return { added, duplicates, tipChanged, ...(reorg ? { reorg } : {}), ...(failure ? { error: failure } : {}) };
  }

  /**
   * Where a headers message would attach and the chain work it claims: its parent's work plus
   * the work its bits claim (unchecked). Undefined when the first header's parent is unknown.
   */
  claimedWork(headers: readonly Uint8Array[]): ClaimedWork | undefined {
    if (headers.length === 0 || headers[0].length !== HEADER_SIZE) return undefined;
    const parent = this.locateParent(headers[0]);
    if (!parent) return undefined;
    let total: bigint;
    let parentHeight: number;
    if (parent.kind === 'best') {
      total = this.workAt(parent.height);
      parentHeight = parent.height;
    } else if (parent.kind === 'side') {
      total = parent.node.work;
      parentHeight = parent.node.height;
    } else {
      total = (this.deep as DeepBranch).work;
      parentHeight = parent.height;
    }
    const parentWork = total;
    for (const raw of headers) if (raw.length === HEADER_SIZE) total += cachedWork(rdU32(raw, 72));
    return { parentHeight, parentHash: headers[0].slice(4, 36), parentOnBestChain: parent.kind === 'best', parentWork, total };
  }

  private failure(i: number, code: ChainErrorCode, height?: number, hw?: ArrayLike<number>, ho = 0): AcceptError {
    const hashHex = hw ? hashToDisplay(bytesOfWords(hw, ho)) : undefined;
    const where = height !== undefined ? ` at height ${height}` : '';
    return { index: i, error: new ChainError(code, `header ${i}${where}${hashHex ? ` (${hashHex})` : ''}: ${RULE_MESSAGES[code]}`, height, hashHex) };
  }

  /** The header a batch's first header extends, if we hold it (`atHeight`: where the caller
   * says it is, checked by a read). */
  private locateParent(raw: Uint8Array, atHeight?: number): Parent | undefined {
    if (prevIs(raw, this.tipW, 0)) return { kind: 'best', height: this.n - 1 };
    const prev = wordsOf(raw.subarray(4, 36), this.prevScratch);
    const h = this.findBest(prev, 0);
    if (h >= 0) return { kind: 'best', height: h };
    const s = this.side.find(prev);
    if (s) return { kind: 'side', node: s };
    const d = this.deep;
    if (d && d.size > 0 && sameWords(d.tipW, prev, 0)) return { kind: 'deep', height: d.tipHeight };
    if (atHeight !== undefined && Number.isInteger(atHeight) && atHeight >= 0) {
      if (this.hashIs(atHeight, prev, 0)) return { kind: 'best', height: atHeight };
      if (d && d.hashIs(atHeight, prev, 0)) return { kind: 'deep', height: atHeight };
    }
    return undefined;
  }

  /** The parent's child with hash H, when we already hold it (a duplicate). */
  private knownChild(p: Parent, H: ArrayLike<number>, ho: number): Parent | undefined {
    if (p.kind === 'best') {
      // A child of the best tip cannot be known: it would be the tip.
      if (p.height === this.n - 1) return undefined;
      if (this.hashIs(p.height + 1, H, ho)) return { kind: 'best', height: p.height + 1 };
      const d = this.deep;
      if (d && d.forkHeight === p.height && d.hashIs(p.height + 1, H, ho)) return { kind: 'deep', height: p.height + 1 };
    } else if (p.kind === 'deep') {
      if ((this.deep as DeepBranch).hashIs(p.height + 1, H, ho)) return { kind: 'deep', height: p.height + 1 };
      return undefined;
    }
    const s = this.side.find(H, ho);
    return s ? { kind: 'side', node: s } : undefined;
  }

  /**
   * Every rule a new header at `height` on top of `p` must pass: context-free proof of work
   * (Core CheckBlockHeader / CheckProofOfWork), checkpoints, no fork below the last
   * checkpoint reached, then the contextual rules against the branch's own ancestors. Returns
   * the broken rule, or the in-memory side-branch view used (reused for the next header).
   */
  private checkHeader(
    p: Parent,
    raw: Uint8Array,
    H: ArrayLike<number>,
    ho: number,
    height: number,
    now: number,
    forkFloor: number,
    view: BranchView | undefined,
  ): ChainErrorCode | { view: BranchView | undefined } {
    const bits = rdU32(raw, 72);
    const limbs = this.targets.limbs(bits);
    if (limbs === null) return 'bad_pow_limit';
    if (!hashMeetsTarget(H as Uint32Array, ho, limbs)) return 'high_hash';
    if (height <= this.lastCheckpointHeight) {
      const cp = this.checkpointWords.get(height);
      if (cp && !sameWords(cp, H, ho)) return 'checkpoint_mismatch';
    }
    let ancestors: AncestorView;
    if (p.kind === 'best' && p.height === this.n - 1) ancestors = this;
    else {
      if (height < forkFloor) return 'fork_before_checkpoint';
      if (p.kind === 'deep') ancestors = this.deep as DeepBranch;
      else {
        if (!view || view.tip !== (p.kind === 'side' ? p.node : undefined) || (p.kind === 'best' && view.forkHeight !== p.height)) view = this.branchView(p);
        ancestors = view;
      }
    }
    const code = checkContextual(this.params, ancestors, height, rdU32(raw, 0) | 0, rdU32(raw, 68), bits, now, this.interval);
    return code ?? { view };
  }

  private branchView(p: Parent): BranchView {
    if (p.kind === 'best') return new BranchView(this, p.height, []);
    const walk = this.walkSide((p as { node: SideHeader }).node);
    if (!walk) throw new Error('side branch does not connect to the best chain');
    return new BranchView(this, walk.forkHeight, walk.nodes);
  }

  /**
   * Stores a validated header off the best tip: on an in-memory side branch while it fits
   * (forks inside the memory window, within the cap), otherwise on the deep branch.
   */
  private addToBranch(p: Parent, raw: Uint8Array, H: ArrayLike<number>, ho: number, height: number, now: number, view: BranchView | undefined): Parent | ChainErrorCode {
    const work = cachedWork(rdU32(raw, 72));
    if (p.kind === 'deep') {
      const d = this.deep as DeepBranch;
      if (p.height !== d.tipHeight) return 'side_branch_limit'; // a fork inside the deep branch
      d.append(raw, H, ho, work);
      this.deepTouched = now;
      return { kind: 'deep', height };
    }
    const v = view as BranchView;
    const belowWindow = p.kind === 'best' && p.height < this.memoryWindowStart;
    if (!belowWindow && (this.side.size < this.maxSide || this.pruneSide(v.nodes))) {
      const parentWork = p.kind === 'side' ? p.node.work : this.workAt(p.height);
      const node: SideHeader = { raw: raw.slice(), hash: Uint32Array.from({ length: 8 }, (_, k) => H[ho + k]), height, work: parentWork + work, seq: this.side.sequence() };
      this.side.add(node);
      v.nodes.push(node);
      return { kind: 'side', node };
    }
    // Too deep or too big for memory: continue this branch as the deep branch. The slot is
    // taken from a branch nobody extends any more, or from one with less work than this one
    // already shows (the most-work chain must win however deep it forks, Core's rule); a
    // branch with less work waits (side_branch_limit: the caller asks again later).
    if (this.deep && now - this.deepTouched < DEEP_BRANCH_IDLE_S) {
      const newcomerWork = (v.tip?.work ?? this.workAt(v.forkHeight)) + work;
      if (newcomerWork <= this.deep.work) return 'side_branch_limit';
      this.log.info(`a deep side branch from height ${v.forkHeight} shows more work than the one from height ${this.deep.forkHeight}: following it instead`, { forkHeight: v.forkHeight });
    }
    const d = new DeepBranch(this, v.forkHeight, this.workAt(v.forkHeight), this.branchStorage);
    for (const node of v.nodes) {
      d.append(node.raw, node.hash, 0, cachedWork(rdU32(node.raw, 72)));
      this.side.remove(node);
    }
    d.append(raw, H, ho, work);
    this.deep = d;
    this.deepTouched = now;
    this.log.info(`following a deep side branch from height ${d.forkHeight} outside memory`, { forkHeight: d.forkHeight });
    return { kind: 'deep', height };
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

  /** A side branch from its fork up to `tip`, or undefined if it no longer connects. */
  private walkSide(tip: SideHeader): SideWalk | undefined {
    const nodes: SideHeader[] = [];
    const prev = new Uint32Array(8);
    let s: SideHeader | undefined = tip;
    while (s) {
      nodes.push(s);
      wordsOf(s.raw.subarray(4, 36), prev);
      const p: SideHeader | undefined = this.side.find(prev);
      if (!p) {
        const fork = this.findBest(prev, 0);
        if (fork < 0 || fork !== s.height - 1) return undefined;
        return { forkHeight: fork, nodes: nodes.reverse() };
      }
      s = p;
    }
    return undefined;
  }

  // ---- changing the best chain ----

  private appendMain(raw: Uint8Array, hw: ArrayLike<number>, ho: number): void {
    const h = this.n;
    const ci = h >>> CHUNK_SHIFT;
    if (ci === this.c8.length) this.addChunk();
    (this.c8[ci] as Uint8Array).set(raw, (h & CHUNK_MASK) * HEADER_SIZE);
    for (let k = 0; k < 8; k++) this.tipW[k] = hw[ho + k];
    this.n = h + 1;
    this.index.insert(h);
    if (h > 0 && h % WORK_STEP === 0) {
      const k = h / WORK_STEP;
      this.workBefore[k] = this.workBase(k - 1) + this.rangeWork(h - WORK_STEP, h - 1);
    }
    this.tipWorkCache = null;
    if ((h & CHUNK_MASK) === 0 && this.archive) this.evictOld();
  }

  private addChunk(): void {
    const b = this.spare.pop() ?? new Uint8Array(CHUNK_BYTES);
    this.c8.push(b);
    this.c32.push(new Uint32Array(b.buffer));
  }

  /** Best-chain headers the archive holds durably and that are still ours (a pending rewind cuts it). */
  private durable(): number {
    if (!this.archive) return 0;
    const s = this.archive.storedCount();
    return this.rewindTo === Infinity ? Math.min(s, this.n) : Math.min(s, this.rewindTo + 1);
  }

  /** Drops chunks below the window once the archive holds them (persisting first if needed). */
  private evictOld(): void {
    const keepFrom = Math.max(0, ((this.n - 1) >>> CHUNK_SHIFT) - (KEEP_CHUNKS - 1));
    if (this.base >= keepFrom) return;
    if (this.durable() < keepFrom * CHUNK_HEADERS) (this.archive as HeaderArchive).persist();
    const from = this.base;
    while (this.base < keepFrom && (this.base + 1) * CHUNK_HEADERS <= this.durable()) {
      if (this.spare.length < KEEP_CHUNKS) this.spare.push(this.c8[this.base] as Uint8Array);
      this.c8[this.base] = undefined;
      this.c32[this.base] = undefined;
      this.base++;
    }
    if (this.base !== from) this.index.rebuild(this.n, this.memoryWindowStart);
  }

  private diskWord(height: number, w: number): number {
    if (height < this.pageFirst || height >= this.pageFirst + this.pageCount) {
      const first = height - (height % PAGE_HEADERS);
      const count = Math.min(PAGE_HEADERS, this.durable() - first);
      if (count <= height - first) throw new RangeError(`header ${height} is neither in memory nor stored`);
      this.readArchive(this.page.subarray(0, count * HEADER_SIZE), first, count);
      this.pageFirst = first;
      this.pageCount = count;
    }
    return this.page32[(height - this.pageFirst) * HEADER_WORDS + w];
  }

  private readArchive(dst: Uint8Array, first: number, count: number): void {
    if (!this.archive || first + count > this.durable()) throw new RangeError(`headers [${first}, ${first + count}) are neither in memory nor stored`);
    this.archive.read(dst, first, count);
  }

  /** Drops best-chain headers above `height` (reloading the window from the archive if it is below it). */
  private truncateMain(height: number): void {
    if (height < this.memoryWindowStart) this.reloadWindow(height);
    else {
      for (let h = this.n - 1; h > height; h--) this.index.remove(h);
      const k = height + 1;
      const c = this.c32[k >>> CHUNK_SHIFT] as Uint32Array;
      const o = (k & CHUNK_MASK) * HEADER_WORDS + W_PREV;
      for (let i = 0; i < 8; i++) this.tipW[i] = c[o + i];
      this.n = height + 1;
    }
    this.workBefore.length = Math.floor(height / WORK_STEP) + 1;
    this.tipWorkCache = null;
    if (height < this.rewindTo) this.rewindTo = height;
    if (height + 1 < this.oldIndexedTo) this.oldIndexedTo = height + 1; // (stale entries fail the check)
    this.walk.forgetAbove(height);
    this.pageFirst = -1;
    this.pageCount = 0;
    // Free whole chunks no longer used (keep one spare).
    const need = (this.n >>> CHUNK_SHIFT) + 2;
    if (this.c8.length > need) {
      this.c8.length = need;
      this.c32.length = need;
    }
  }

  /** Makes heights up to `height` the best chain, holding the window that ends there (read from the archive). */
  private reloadWindow(height: number): void {
    const archive = this.archive as HeaderArchive;
    const top = height >>> CHUNK_SHIFT;
    const base = Math.max(0, top - (KEEP_CHUNKS - 1));
    this.c8 = [];
    this.c32 = [];
    for (let ci = 0; ci <= top; ci++) {
      if (ci < base) {
        this.c8.push(undefined);
        this.c32.push(undefined);
        continue;
      }
      this.addChunk();
      const m = Math.min(CHUNK_HEADERS, height + 1 - ci * CHUNK_HEADERS);
      archive.read((this.c8[ci] as Uint8Array).subarray(0, m * HEADER_SIZE), ci * CHUNK_HEADERS, m);
    }
    this.base = base;
    this.n = height + 1;
    hashHeaderWordsInto(this.c32[top] as Uint32Array, (height & CHUNK_MASK) * HEADER_WORDS, this.tipW, 0);
    this.index = new HeightIndex(this, 0);
    this.index.rebuild(this.n, this.memoryWindowStart);
  }

  /** Switches to the branch `p` ends when it has more work than the best chain (ties keep the tip). */
  private reorgIfMoreWork(p: Parent): ReorgInfo | undefined {
    if (p.kind === 'side' && p.node.work > this.tipWork) return this.reorgToSide(p.node);
    if (p.kind === 'deep' && this.deep && this.deep.work > this.tipWork) return this.reorgToDeep(this.deep);
    return undefined;
  }

  private reorgToSide(tip: SideHeader): ReorgInfo {
    const walk = this.walkSide(tip);
    if (!walk) throw new Error('side branch does not connect to the best chain');
    const { forkHeight: fork, nodes: path } = walk;
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
    return this.reorged(oldTip, fork, depth);
  }

  /** The deep branch wins: cut the best chain back to its fork and append it from storage. */
  private reorgToDeep(d: DeepBranch): ReorgInfo {
    const oldTip = this.tip;
    const fork = d.forkHeight;
    const depth = this.n - 1 - fork;
    this.deep = undefined;
    this.truncateMain(fork);
    const step = MAX_HEADERS_PER_MSG;
    const buf = new Uint8Array(step * HEADER_SIZE);
    const w = new Uint32Array(8);
    for (let i = 0; i < d.size; i += step) {
      const k = Math.min(step, d.size - i);
      d.read(buf, i, k);
      for (let j = 0; j < k; j++) {
        hashHeaderInto(buf, j * HEADER_SIZE, w, 0);
        this.appendMain(buf.subarray(j * HEADER_SIZE, (j + 1) * HEADER_SIZE), w, 0);
      }
    }
    d.storage.clear();
    // The old chain above the fork is not kept (a peer offering it again goes through presync).
    this.pruneSide([]);
    return this.reorged(oldTip, fork, depth);
  }

  private reorged(oldTip: TipInfo, fork: number, depth: number): ReorgInfo {
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
      } else if (!p && this.findBest(prev, 0) === s.height - 1) {
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
   * (about a second per million headers; older headers are read from the archive). Returns
   * the first bad height, or -1.
   */
  verifyIntegrity(from = 0, to = this.n - 1): number {
    const w = this.hashScratch;
    const last = Math.min(to, this.n - 1);
    for (let h = Math.max(0, from); h <= last; ) {
      const end = Math.min(last + 1, ((h >>> CHUNK_SHIFT) + 1) * CHUNK_HEADERS);
      const [part] = this.headerBytes(h, end);
      for (let j = 0; h < end; h++, j++) {
        hashHeaderInto(part, j * HEADER_SIZE, w, 0);
        for (let i = 0; i < 8; i++) if (w[i] !== this.hashWord(h, i)) return h;
        const limbs = this.targets.limbs(rdU32(part, j * HEADER_SIZE + 72));
        if (limbs === null || !hashMeetsTarget(w, 0, limbs)) return h;
      }
    }
    return -1;
  }

  /** @internal For HeaderStore: the lowest height kept by a truncation since the last call (reorg), or undefined. */
  takeRewind(): number | undefined {
    const r = this.rewindTo;
    this.rewindTo = Infinity;
    return r === Infinity ? undefined : r;
  }

  /** Approximate bytes held: storage chunks in memory, hash index, side headers (~450 B each as JS objects). */
  memoryBytes(): number {
    let chunks = 0;
    for (const c of this.c8) if (c !== undefined) chunks++;
    return chunks * CHUNK_BYTES + this.index.byteLength + this.side.size * 450 + this.page.byteLength + (this.oldIndex?.bytes ?? 0);
  }

  // ---- bulk load (HeaderStore) ----

  /**
   * @internal For HeaderStore. A chain whose best chain is the archive's first `trusted`
   * headers, adopted WITHOUT re-hashing (the caller vouches for them: HeaderStore checks the
   * digests of the window it loads). Only the window ending at the tip is read; the index is
   * rebuilt from prevBlock fields, only the tip is hashed. `workBefore(k)` is the total work of
   * heights < k * WORK_STEP, for every k up to (trusted - 1) / WORK_STEP; asked on demand.
   */
  static restore(params: NetworkParams, archive: HeaderArchive, trusted: number, workBefore: (k: number) => bigint, opts: Omit<HeaderChainOptions, 'archive'> = {}): HeaderChain {
    const chain = new HeaderChain(params, { ...opts, archive });
    if (trusted < 1) return chain;
    const genesis = chain.headerAt(0);
    const stored = new Uint8Array(HEADER_SIZE);
    archive.read(stored, 0, 1);
    for (let i = 0; i < HEADER_SIZE; i++) if (stored[i] !== genesis[i]) throw new Error(`stored header 0 is not the ${params.name} genesis`);
    chain.reloadWindow(trusted - 1);
    chain.workBefore = [0n];
    chain.storedWork = workBefore;
    chain.tipWorkCache = null;
    chain.walk.forgetAbove();
    chain.rewindTo = Infinity;
    return chain;
  }
}
