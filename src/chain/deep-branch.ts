// The one deep side branch HeaderChain follows outside memory: a competing branch that forks
// below the in-memory window, or outgrew the in-memory side-branch cap. Its headers go to a
// BranchStorage (branch.dat in a datadir); only the last RING timestamps and bits stay in
// memory, enough for every difficulty and time rule, so any depth costs the same memory.
import type { BranchStorage } from './archive.js';
import { MinDifficultyWalk, type AncestorView } from './difficulty.js';
import { HEADER_SIZE, OFF_BITS, OFF_PREV, OFF_TIME, readU32le } from './header.js';

/**
 * Recent heights whose time and bits are kept in memory: more than a retarget interval
 * (2016; the testnet walk-back stops at a period start) plus the median-time span (11).
 */
const RING = 4096;
const RING_MASK = RING - 1;

export class DeepBranch implements AncestorView {
  private n = 0;
  /** Cumulative chain work through the branch tip. */
  work: bigint;
  /** Hash of the branch tip, 8 LE u32 words. */
  readonly tipW = new Uint32Array(8);
  private readonly times = new Uint32Array(RING);
  private readonly bits = new Uint32Array(RING);
  private readonly walk = new MinDifficultyWalk();
  private readonly scratch = new Uint8Array(HEADER_SIZE);

  constructor(
    /** The best chain (ancestors at and below the fork). */
    private readonly below: AncestorView,
    /** Height of the last header the branch shares with the best chain. */
    readonly forkHeight: number,
    forkWork: bigint,
    readonly storage: BranchStorage,
  ) {
    this.work = forkWork;
    storage.clear();
  }

  /** Headers on the branch (above the fork). */
  get size(): number {
    return this.n;
  }

  get tipHeight(): number {
    return this.forkHeight + this.n;
  }

  timeAt(height: number): number {
    return height <= this.forkHeight ? this.below.timeAt(height) : this.field(height, OFF_TIME, this.times);
  }

  bitsAt(height: number): number {
    return height <= this.forkHeight ? this.below.bitsAt(height) : this.field(height, OFF_BITS, this.bits);
  }

  lastNonMinDifficultyBits(height: number, interval: number, powLimitBits: number): number {
    return this.walk.lastNonMinDifficultyBits(this, height, interval, powLimitBits);
  }

  private field(height: number, off: number, ring: Uint32Array): number {
    const i = height - this.forkHeight - 1;
    if (i >= this.n) throw new RangeError(`deep branch has no height ${height}`);
    if (this.n - 1 - i < RING) return ring[i & RING_MASK];
    this.storage.read(this.scratch, i, 1);
    return readU32le(this.scratch, off);
  }

  /** Appends a validated header whose hash is hw[ho..ho+8) and whose own work is `work`. */
  append(raw: Uint8Array, hw: ArrayLike<number>, ho: number, work: bigint): void {
    this.storage.append(raw);
    const slot = this.n & RING_MASK;
    this.times[slot] = readU32le(raw, OFF_TIME);
    this.bits[slot] = readU32le(raw, OFF_BITS);
    for (let k = 0; k < 8; k++) this.tipW[k] = hw[ho + k];
    this.n++;
    this.work += work;
  }

  /** Is the branch header at `height` the one whose hash is w[off..off+8)? */
  hashIs(height: number, w: ArrayLike<number>, off: number): boolean {
    const i = height - this.forkHeight - 1;
    if (i < 0 || i >= this.n) return false;
    if (i === this.n - 1) {
      for (let k = 0; k < 8; k++) if (this.tipW[k] !== w[off + k] >>> 0) return false;
      return true;
    }
    this.storage.read(this.scratch, i + 1, 1); // the child's prevBlock is this header's hash
    for (let k = 0; k < 8; k++) if (readU32le(this.scratch, OFF_PREV + 4 * k) !== w[off + k] >>> 0) return false;
    return true;
  }

  /** Copies branch headers [index, index + k) into dst. */
  read(dst: Uint8Array, index: number, k: number): void {
    this.storage.read(dst, index, k);
  }
}
