// Contextual header rules (Core validation.cpp ContextualCheckBlockHeader), in Core's order:
// required bits, median-time-past, BIP94 time-warp bound, the future-time limit against an
// injected clock, and the BIP34/66/65 version minimums. Pure: returns the broken rule's code.
import { MAX_FUTURE_BLOCK_TIME_S, MAX_TIMEWARP_S, MEDIAN_TIME_SPAN, type NetworkParams } from '../params/networks.js';
import { nextWorkRequired, retargetInterval, type AncestorView } from './difficulty.js';
import type { ChainErrorCode } from './errors.js';

/** Core CBlockIndex::GetMedianTimePast of the block at `height`: median of it and its 10 predecessors. */
export function medianTimePast(view: AncestorView, height: number): number {
  const times: number[] = [];
  for (let h = height; h >= 0 && times.length < MEDIAN_TIME_SPAN; h--) times.push(view.timeAt(h));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * time > medianTimePast(view, parentHeight), without sorting: the median of n values is
 * exceeded iff at least floor(n/2) + 1 of them are below `time`.
 */
export function isAfterMedianTimePast(view: AncestorView, parentHeight: number, time: number): boolean {
  const n = parentHeight + 1 < MEDIAN_TIME_SPAN ? parentHeight + 1 : MEDIAN_TIME_SPAN;
  const need = (n >>> 1) + 1;
  let below = 0;
  for (let i = 0; i < n; i++) {
    if (view.timeAt(parentHeight - i) < time && ++below >= need) return true;
  }
  return false;
}

/** Minimum block version at `height` (Core: DeploymentActiveAfter for BIP34/66/65). */
export function minimumVersion(p: NetworkParams, height: number): number {
  if (height >= p.buried.bip65) return 4;
  if (height >= p.buried.bip66) return 3;
  if (height >= p.buried.bip34) return 2;
  return 0;
}

/**
 * Checks a header that would sit at `height` on top of the ancestors in `view`.
 * `now` is the local clock in Unix seconds (Core >= 27 compares with its own clock, not a
 * peer-adjusted time). Returns null when every rule passes.
 */
export function checkContextual(
  p: NetworkParams,
  view: AncestorView,
  height: number,
  version: number,
  time: number,
  bits: number,
  now: number,
  interval = retargetInterval(p),
): ChainErrorCode | null {
  const parent = height - 1;
  if (bits !== nextWorkRequired(p, view, parent, time, interval)) return 'bad_diffbits';
  if (!isAfterMedianTimePast(view, parent, time)) return 'time_too_old';
  // BIP94: the first block of a period may not be more than MAX_TIMEWARP before its parent.
  if (p.enforceBip94 && height % interval === 0 && time < view.timeAt(parent) - MAX_TIMEWARP_S) return 'time_timewarp_attack';
  if (time > now + MAX_FUTURE_BLOCK_TIME_S) return 'time_too_new';
  if (version < minimumVersion(p, height)) return 'bad_version';
  return null;
}

export const RULE_MESSAGES: Readonly<Record<ChainErrorCode, string>> = {
  bad_header_length: 'header is not 80 bytes',
  too_many_headers: 'more headers in one message than MAX_HEADERS_RESULTS (2000)',
  headers_not_continuous: 'header does not connect to the previous header of the message',
  prev_not_found: 'parent header unknown',
  bad_pow_limit: 'bits are negative, zero, overflow or easier than the network pow limit',
  high_hash: 'proof of work does not meet the claimed target',
  bad_diffbits: 'incorrect proof-of-work difficulty (bits) for this height',
  time_too_old: 'timestamp not after the median of the previous 11 blocks',
  time_too_new: 'timestamp more than 2 hours in the future',
  time_timewarp_attack: "period's first block more than 600 s before its parent (BIP94)",
  bad_version: 'block version below the BIP34/66/65 minimum for this height',
  checkpoint_mismatch: 'header conflicts with a checkpoint',
  fork_before_checkpoint: 'fork below the last checkpoint',
  side_branch_limit: 'too many side-branch headers held',
};
