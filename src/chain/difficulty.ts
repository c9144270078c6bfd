// Which nBits a new header must carry, per network (Core pow.cpp GetNextWorkRequired and
// CalculateNextWorkRequired): the retarget every interval with the x4 clamp and Core's
// off-by-one, testnet's 20-minute minimum-difficulty rule with its walk-back, BIP94's
// retarget base, and regtest's fPowNoRetargeting. Ancestors are read through AncestorView.
import type { NetworkParams } from '../params/networks.js';
import { decodeCompact, encodeCompact } from './pow.js';

const U256_MASK = (1n << 256n) - 1n;

/** Header fields of the branch being extended, by height (0..parent height). */
export interface AncestorView {
  timeAt(height: number): number;
  bitsAt(height: number): number;
  /**
   * Optional fast path for the min-difficulty walk-back: the bits of the last block at or
   * below `height` that is a period start or whose bits are not powLimitBits. Must equal
   * walkBackMinDifficulty(...) below (the chain memoises it).
   */
  lastNonMinDifficultyBits?(height: number, interval: number, powLimitBits: number): number;
}

/** Core DifficultyAdjustmentInterval: 2016 on every public network, 144 on regtest. */
export function retargetInterval(p: Pick<NetworkParams, 'targetTimespanS' | 'targetSpacingS'>): number {
  return Math.floor(p.targetTimespanS / p.targetSpacingS);
}

/** The plain walk-back of Core GetNextWorkRequired (testnet branch). */
export function walkBackMinDifficulty(view: AncestorView, height: number, interval: number, powLimitBits: number): number {
  let h = height;
  while (h > 0 && h % interval !== 0 && view.bitsAt(h) === powLimitBits) h--;
  return view.bitsAt(h);
}

/**
 * walkBackMinDifficulty along one chain that grows at its tip, remembering the last answer:
 * walking back from the next height stops where the previous walk began, so validating a
 * run of min-difficulty headers stays O(1) each. Forget (from) heights a reorg removed.
 */
export class MinDifficultyWalk {
  private from = -1;
  private bits = 0;

  lastNonMinDifficultyBits(view: AncestorView, height: number, interval: number, powLimitBits: number): number {
    let h = height;
    let bits: number;
    for (;;) {
      if (h === this.from) {
        bits = this.bits;
        break;
      }
      if (h > 0 && h % interval !== 0 && view.bitsAt(h) === powLimitBits) h--;
      else {
        bits = view.bitsAt(h);
        break;
      }
    }
    this.from = height;
    this.bits = bits;
    return bits;
  }

  /** Heights above `height` are gone (or everything, without an argument). */
  forgetAbove(height = -1): void {
    if (this.from > height) this.from = -1;
  }
}

/**
 * Core CalculateNextWorkRequired. `baseBits` is the last block's bits, or under BIP94 the
 * bits of the period's first block. Multiplication is modulo 2^256 as in arith_uint256.
 */
export function calculateNextWorkRequired(
  p: Pick<NetworkParams, 'targetTimespanS' | 'powLimit' | 'noRetargeting'>,
  lastBits: number,
  lastTime: number,
  firstTime: number,
  baseBits: number = lastBits,
): number {
  if (p.noRetargeting) return lastBits;
  let actual = lastTime - firstTime;
  // Limit the adjustment step to a factor of 4 either way.
  if (actual < Math.floor(p.targetTimespanS / 4)) actual = Math.floor(p.targetTimespanS / 4);
  if (actual > p.targetTimespanS * 4) actual = p.targetTimespanS * 4;
  let target = decodeCompact(baseBits).target;
  target = ((target * BigInt(actual)) & U256_MASK) / BigInt(p.targetTimespanS);
  if (target > p.powLimit) target = p.powLimit;
  return encodeCompact(target);
}

/**
 * Core GetNextWorkRequired: the bits required of a header at parentHeight + 1 with
 * timestamp newTime, given its ancestors.
 */
export function nextWorkRequired(p: NetworkParams, view: AncestorView, parentHeight: number, newTime: number, interval = retargetInterval(p)): number {
  const powLimitBits = p.powLimitBits;
  if ((parentHeight + 1) % interval !== 0) {
    if (p.allowMinDifficultyBlocks) {
      // Testnet: a block more than 2 * spacing (20 minutes) after its parent may use the minimum difficulty.
      if (newTime > view.timeAt(parentHeight) + p.targetSpacingS * 2) return powLimitBits;
      // Otherwise: the bits of the last block that is not a min-difficulty one (or a period start).
      return view.lastNonMinDifficultyBits
        ? view.lastNonMinDifficultyBits(parentHeight, interval, powLimitBits)
        : walkBackMinDifficulty(view, parentHeight, interval, powLimitBits);
    }
    return view.bitsAt(parentHeight);
  }
  // Retarget. Core's off-by-one: first = N - 2016 (not N - 2017), so 2015 intervals are measured.
  const firstHeight = parentHeight - (interval - 1);
  const lastBits = view.bitsAt(parentHeight);
  if (p.noRetargeting) return lastBits;
  // BIP94: scale the period's first block's bits, which never use the min-difficulty exception.
  const baseBits = p.enforceBip94 ? view.bitsAt(firstHeight) : lastBits;
  return calculateNextWorkRequired(p, lastBits, view.timeAt(parentHeight), view.timeAt(firstHeight), baseBits);
}

/** An AncestorView over plain arrays (index = height), for tests and small builders. */
export function arrayAncestors(times: ArrayLike<number>, bits: ArrayLike<number>): AncestorView {
  return { timeAt: (h) => times[h], bitsAt: (h) => bits[h] };
}
