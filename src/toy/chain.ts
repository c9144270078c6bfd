// The toy block tree and its best chain. Every block is validated here before it is stored:
// context-free checks (hash, proof of work, size), then its parent, index and timestamp. The
// best chain is the one with most work — the longest, since a network shares one difficulty;
// at equal length the first seen stays. Switching branches is a reorg, reported to the caller.
// Side-branch blocks are capped (least work evicted first), so valid but useless forks cannot
// fill memory.
import { checkBlock, GENESIS_BLOCK, type ToyBlock } from './block.js';
import { ToyError } from './errors.js';

/** Core validation.h MAX_FUTURE_BLOCK_TIME: a block may be at most 2 h ahead of our clock. */
export const MAX_FUTURE_BLOCK_TIME_S = 2 * 60 * 60;
/** Core CBlockIndex::nMedianTimeSpan: a block's time is checked against the median of the last 11. */
export const MEDIAN_TIME_SPAN = 11;
/** Side-branch blocks kept; past it the side leaf with the least work (lowest, oldest first) is
 * evicted. A reorg deeper than this is not followed (cf. the header chain's side-branch cap). */
export const MAX_SIDE_BLOCKS = 1_024;

interface ChainEntry {
  readonly block: ToyBlock;
  readonly height: number;
  readonly parent: ChainEntry | undefined;
  /** Stored blocks that build on this one. */
  children: number;
}

export interface Reorg {
  readonly forkHeight: number;
  readonly oldTip: ToyBlock;
  readonly newTip: ToyBlock;
  /** Blocks that left the best chain, highest first. */
  readonly disconnected: readonly ToyBlock[];
}

export type AddResult =
  | { readonly kind: 'duplicate' }
  /** Valid on its own, parent unknown: keep it aside and fetch what is missing. */
  | { readonly kind: 'orphan' }
  | { readonly kind: 'invalid'; readonly error: ToyError }
  /** Stored. `connected` lists blocks that joined the best chain (lowest first; empty for a side branch). */
  | { readonly kind: 'accepted'; readonly connected: readonly ToyBlock[]; readonly reorg: Reorg | undefined };

export class ToyChain {
  private readonly entries = new Map<string, ChainEntry>();
  /** Stored blocks not on the best chain, in arrival order. */
  private readonly side = new Set<ChainEntry>();
  private main: ChainEntry[];

  constructor(
    readonly difficulty: number,
    /** Clock in milliseconds (injected for tests). */
    private readonly nowMs: () => number = Date.now,
  ) {
    const genesis: ChainEntry = { block: GENESIS_BLOCK, height: 0, parent: undefined, children: 0 };
    this.entries.set(GENESIS_BLOCK.hash, genesis);
    this.main = [genesis];
  }

  get height(): number {
    return this.main.length - 1;
  }
  get tip(): ToyBlock {
    return this.main[this.main.length - 1]!.block;
  }
  /** Blocks stored, best chain and side branches. */
  get size(): number {
    return this.entries.size;
  }
  /** Blocks stored off the best chain (at most MAX_SIDE_BLOCKS). */
  get sideSize(): number {
    return this.side.size;
  }
  has(hash: string): boolean {
    return this.entries.has(hash);
  }
  get(hash: string): ToyBlock | undefined {
    return this.entries.get(hash)?.block;
  }
  isOnBestChain(hash: string): boolean {
    const e = this.entries.get(hash);
    return e !== undefined && this.main[e.height] === e;
  }
  /** Best-chain block at a height. */
  blockAt(height: number): ToyBlock | undefined {
    return this.main[height]?.block;
  }
  /** Best-chain hashes from `height` to the tip (a snapshot for serving a chain reply). */
  hashesFrom(height: number): string[] {
    return this.main.slice(Math.max(0, height)).map((e) => e.block.hash);
  }

  /** Hashes back from the tip: the last 10 one by one, then doubling steps, then genesis
   * (Core CChain::GetLocator). Lets a peer find where our chains split in one round trip. */
  locator(): string[] {
    const out: string[] = [];
    let step = 1;
    for (let h = this.height; h > 0; h -= step) {
      out.push(this.main[h]!.block.hash);
      if (out.length >= 10) step *= 2;
    }
    out.push(GENESIS_BLOCK.hash);
    return out;
  }

  /** Height of the first locator hash on our best chain (0 when none is: start after genesis). */
  forkPoint(locator: readonly string[]): number {
    for (const hash of locator) {
      const e = this.entries.get(hash);
      if (e && this.main[e.height] === e) return e.height;
    }
    return 0;
  }

  /** Median of the timestamps of the last 11 best-chain blocks ending at `entry` (Core GetMedianTimePast). */
  medianTimePast(hash: string = this.tip.hash): number {
    const times: number[] = [];
    for (let e = this.entries.get(hash); e && times.length < MEDIAN_TIME_SPAN; e = e.parent) times.push(e.block.timestamp);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? 0;
  }

  add(block: ToyBlock): AddResult {
    if (this.entries.has(block.hash)) return { kind: 'duplicate' };
    try {
      checkBlock(block, this.difficulty);
    } catch (err) {
      return { kind: 'invalid', error: err as ToyError };
    }
    const parent = this.entries.get(block.prev_hash);
    if (!parent) {
      if (block.index === 0) return { kind: 'invalid', error: new ToyError('bad_genesis', 'a different genesis block') };
      return { kind: 'orphan' };
    }
    if (block.index !== parent.height + 1)
      return { kind: 'invalid', error: new ToyError('bad_index', `index ${block.index} does not follow its parent's ${parent.height}`) };
    // Not earlier than the median of the last 11 (Core requires strictly later; toy blocks can
    // come several per second with second-resolution times, so equal is allowed).
    const mtp = this.medianTimePast(parent.block.hash);
    if (block.timestamp < mtp)
      return { kind: 'invalid', error: new ToyError('bad_timestamp', `timestamp ${block.timestamp} is before the median of the last ${MEDIAN_TIME_SPAN} blocks (${mtp})`) };
    const limit = Math.floor(this.nowMs() / 1000) + MAX_FUTURE_BLOCK_TIME_S;
    if (block.timestamp > limit)
      return { kind: 'invalid', error: new ToyError('time_too_new', `timestamp ${block.timestamp} is more than ${MAX_FUTURE_BLOCK_TIME_S} s in the future`) };

    const entry: ChainEntry = { block, height: parent.height + 1, parent, children: 0 };
    this.entries.set(block.hash, entry);
    parent.children++;
    const tip = this.main[this.main.length - 1]!;
    if (entry.height <= tip.height) {
      // A side branch, not more work.
      this.side.add(entry);
      this.evictSide();
      return { kind: 'accepted', connected: [], reorg: undefined };
    }
    if (parent === tip) {
      this.main.push(entry);
      return { kind: 'accepted', connected: [block], reorg: undefined };
    }
    // More work on another branch: walk back to where it meets the best chain.
    const branch: ChainEntry[] = [];
    let e: ChainEntry | undefined = entry;
    while (e && this.main[e.height] !== e) {
      branch.push(e);
      e = e.parent;
    }
    const forkHeight = e!.height;
    const leaving = this.main.slice(forkHeight + 1);
    const disconnected = leaving.map((x) => x.block).reverse();
    branch.reverse();
    this.main = this.main.slice(0, forkHeight + 1).concat(branch);
    for (const x of branch) this.side.delete(x);
    for (const x of leaving) this.side.add(x);
    this.evictSide();
    return {
      kind: 'accepted',
      connected: branch.map((x) => x.block),
      reorg: { forkHeight, oldTip: tip.block, newTip: block, disconnected },
    };
  }

  /** Drop side leaves, least work first (lowest; the oldest among equals), down to the cap. */
  private evictSide(): void {
    while (this.side.size > MAX_SIDE_BLOCKS) {
      let victim: ChainEntry | undefined;
      for (const e of this.side) if (e.children === 0 && (!victim || e.height < victim.height)) victim = e;
      if (!victim) return; // cannot happen: a finite side set has a leaf
      this.side.delete(victim);
      this.entries.delete(victim.block.hash);
      if (victim.parent) victim.parent.children--;
    }
  }
}
