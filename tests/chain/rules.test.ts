// The difficulty and contextual rules as pure functions over synthetic ancestors, with the
// real network parameters (2016-block periods, real pow limits): retarget and both clamps,
// Core's off-by-one, testnet's 20-minute rule and walk-back, BIP94, regtest, median time
// past, the future limit and the BIP34/66/65 version minimums.
import fc from 'fast-check';
import { NETWORKS } from '../../src/params/networks.js';
import { nextWorkRequired, retargetInterval, walkBackMinDifficulty, type AncestorView } from '../../src/chain/difficulty.js';
import { checkContextual, isAfterMedianTimePast, medianTimePast, minimumVersion } from '../../src/chain/rules.js';
import { decodeCompact } from '../../src/chain/pow.js';
import { expectedRetarget } from './helpers.js';

const MAIN = NETWORKS.mainnet;
const T3 = NETWORKS.testnet3;
const T4 = NETWORKS.testnet4;
const MIN = 0x1d00ffff;
const NOW = 4_000_000_000;

/** Ancestors described by functions of height, with per-height overrides. */
function chain(time: (h: number) => number, bits: (h: number) => number, over: Record<number, { time?: number; bits?: number }> = {}): AncestorView {
  return { timeAt: (h) => over[h]?.time ?? time(h), bitsAt: (h) => over[h]?.bits ?? bits(h) };
}

const T0 = 1_300_000_000;
const REAL = 0x1c05a3f4; // a real mainnet difficulty

describe('retarget every 2016 blocks (mainnet rules)', () => {
  const N = 2016 * 10; // height of the new, first-of-period block
  const periodOf = (actual: number, bits = REAL, extra: Record<number, { time?: number; bits?: number }> = {}) =>
    chain(
      (h) => T0 + h * 600,
      () => bits,
      { [N - 2016]: { time: T0 }, [N - 1]: { time: T0 + actual }, ...extra },
    );

  test('interval is 2016 on public networks and 144 on regtest', () => {
    expect(retargetInterval(MAIN)).toBe(2016);
    expect(retargetInterval(NETWORKS.signet)).toBe(2016);
    expect(retargetInterval(NETWORKS.regtest)).toBe(144);
  });

  test('inside a period the bits must equal the parent’s', () => {
    const v = chain((h) => T0 + h * 600, () => REAL);
    expect(nextWorkRequired(MAIN, v, N + 4, T0)).toBe(REAL);
    expect(checkContextual(MAIN, v, N + 5, 4, T0 + (N + 5) * 600, REAL, NOW)).toBeNull();
    expect(checkContextual(MAIN, v, N + 5, 4, T0 + (N + 5) * 600, REAL - 1, NOW)).toBe('bad_diffbits');
  });

  test.each([
    ['on schedule', 1_209_600],
    ['one week (twice as hard)', 604_800],
    ['four weeks (half as hard)', 2_419_200],
    ['just inside the fast clamp', 302_401],
    ['just inside the slow clamp', 4_838_399],
  ])('%s', (_name, actual) => {
    const got = nextWorkRequired(MAIN, periodOf(actual), N - 1, T0 + actual + 600);
    expect(got).toBe(expectedRetarget(MAIN, REAL, actual));
  });

  test('a very fast period is clamped to 4x harder', () => {
    const got = nextWorkRequired(MAIN, periodOf(1000), N - 1, 0);
    expect(got).toBe(expectedRetarget(MAIN, REAL, 302_400));
    expect(decodeCompact(got).target).toBe((decodeCompact(REAL).target * 302_400n) / 1_209_600n >> 0n);
    expect(got).toBe(nextWorkRequired(MAIN, periodOf(1), N - 1, 0));
  });

  test('a very slow period is clamped to 4x easier', () => {
    const got = nextWorkRequired(MAIN, periodOf(100_000_000), N - 1, 0);
    expect(got).toBe(expectedRetarget(MAIN, REAL, 4_838_400));
    expect(got).toBe(nextWorkRequired(MAIN, periodOf(4_838_400), N - 1, 0));
  });

  test('easier than the pow limit is capped at the pow limit', () => {
    expect(nextWorkRequired(MAIN, periodOf(100_000_000, 0x1d00ffff), N - 1, 0)).toBe(0x1d00ffff);
  });

  test("Core's off-by-one: first = N-2016, the block N-2017 is not looked at", () => {
    const base = nextWorkRequired(MAIN, periodOf(604_800), N - 1, 0);
    const moved = nextWorkRequired(MAIN, periodOf(604_800, REAL, { [N - 2017]: { time: T0 - 500_000 } }), N - 1, 0);
    expect(moved).toBe(base);
    const shifted = nextWorkRequired(MAIN, periodOf(604_800, REAL, { [N - 2016]: { time: T0 - 500_000 } }), N - 1, 0);
    expect(shifted).not.toBe(base);
  });

  test('a wrong retarget is bad_diffbits through checkContextual', () => {
    const v = periodOf(604_800);
    const need = expectedRetarget(MAIN, REAL, 604_800);
    const t = T0 + N * 600; // after the median of the (linearly timed) previous 11
    expect(checkContextual(MAIN, v, N, 4, t, need, NOW)).toBeNull();
    expect(checkContextual(MAIN, v, N, 4, t, REAL, NOW)).toBe('bad_diffbits');
  });

  test('signet retargets the same way against its own pow limit', () => {
    const s = NETWORKS.signet;
    const v = chain((h) => T0 + h * 600, () => s.powLimitBits, { [N - 2016]: { time: T0 }, [N - 1]: { time: T0 + 604_800 } });
    expect(nextWorkRequired(s, v, N - 1, 0)).toBe(expectedRetarget(s, s.powLimitBits, 604_800));
  });
});

describe('testnet3: the 20-minute minimum-difficulty rule', () => {
  const P = 2016 * 100; // a period start
  const REALT = 0x1c0fffff;
  const times = (h: number) => T0 + h * 600;

  test('more than 20 minutes after the parent: minimum difficulty allowed', () => {
    const v = chain(times, () => REALT);
    const parent = P + 10;
    expect(nextWorkRequired(T3, v, parent, times(parent) + 1201)).toBe(MIN);
    expect(checkContextual(T3, v, parent + 1, 4, times(parent) + 1201, MIN, NOW)).toBeNull();
    expect(checkContextual(T3, v, parent + 1, 4, times(parent) + 1201, REALT, NOW)).toBe('bad_diffbits');
  });

  test('exactly 20 minutes is not enough (strictly greater)', () => {
    const v = chain(times, () => REALT);
    expect(nextWorkRequired(T3, v, P + 10, times(P + 10) + 1200)).toBe(REALT);
  });

  test('otherwise: walk back over min-difficulty blocks to the real difficulty', () => {
    const bits = (h: number) => (h > P + 5 ? MIN : REALT);
    const v = chain(times, bits);
    expect(walkBackMinDifficulty(v, P + 12, 2016, MIN)).toBe(REALT);
    expect(nextWorkRequired(T3, v, P + 12, times(P + 12) + 60)).toBe(REALT);
    expect(checkContextual(T3, v, P + 13, 4, times(P + 12) + 60, MIN, NOW)).toBe('bad_diffbits');
    expect(checkContextual(T3, v, P + 13, 4, times(P + 12) + 60, REALT, NOW)).toBeNull();
  });

  test('the walk-back stops at the period start even when it is min-difficulty (block storm)', () => {
    const bits = (h: number) => (h >= P ? MIN : REALT);
    const v = chain(times, bits);
    expect(nextWorkRequired(T3, v, P + 50, times(P + 50) + 60)).toBe(MIN);
  });

  test('the walk-back stops at genesis', () => {
    const v = chain(times, () => MIN);
    expect(nextWorkRequired(T3, v, 30, times(30) + 60)).toBe(MIN);
  });

  test('at a period boundary the retarget scales the LAST block’s bits, even a min-difficulty one', () => {
    const N = P + 2016;
    const v = chain(times, (h) => (h === N - 1 ? MIN : REALT), { [N - 2016]: { time: T0 }, [N - 1]: { time: T0 + 604_800 } });
    expect(nextWorkRequired(T3, v, N - 1, T0 + 604_800 + 5000)).toBe(expectedRetarget(T3, MIN, 604_800));
  });

  test('a boundary block gets no 20-minute exception', () => {
    const N = P + 2016;
    const v = chain(times, () => REALT, { [N - 2016]: { time: T0 }, [N - 1]: { time: T0 + 1_209_600 } });
    expect(nextWorkRequired(T3, v, N - 1, T0 + 1_209_600 + 100_000)).toBe(expectedRetarget(T3, REALT, 1_209_600));
  });
});

describe('testnet4: BIP94', () => {
  const P = 2016 * 40;
  const N = P + 2016;
  const REALT = 0x1c0fffff;
  const times = (h: number) => T0 + h * 600;

  test("retarget base is the period's first block, so a trailing min-difficulty block does not drag it", () => {
    const v = chain(times, (h) => (h === N - 1 ? MIN : REALT), { [N - 2016]: { time: T0 }, [N - 1]: { time: T0 + 604_800 } });
    const t4 = nextWorkRequired(T4, v, N - 1, T0 + 604_800 + 600);
    expect(t4).toBe(expectedRetarget(T4, REALT, 604_800));
    expect(t4).not.toBe(nextWorkRequired(T3, v, N - 1, T0 + 604_800 + 600));
  });

  test('time-warp bound: a period-first block may be at most 600 s before its parent', () => {
    // Parent far ahead of the median so only the BIP94 bound can bite.
    const v = chain(times, () => REALT, { [N - 2016]: { time: T0 + (N - 2016) * 600 }, [N - 1]: { time: times(N - 1) + 5000 } });
    const parentTime = times(N - 1) + 5000;
    const need = nextWorkRequired(T4, v, N - 1, parentTime - 600);
    expect(checkContextual(T4, v, N, 4, parentTime - 600, need, NOW)).toBeNull();
    expect(checkContextual(T4, v, N, 4, parentTime - 601, need, NOW)).toBe('time_timewarp_attack');
    // Not on other heights, and not on testnet3.
    expect(checkContextual(T4, v, N - 1, 4, times(N - 2) + 10, REALT, NOW)).toBeNull();
    const need3 = nextWorkRequired(T3, v, N - 1, parentTime - 601);
    expect(checkContextual(T3, v, N, 4, parentTime - 601, need3, NOW)).toBeNull();
  });
});

describe('regtest', () => {
  test('no retargeting: a period boundary keeps the parent’s bits', () => {
    const R = NETWORKS.regtest;
    const v = chain((h) => T0 + h, () => R.powLimitBits, { 0: { time: T0 }, 143: { time: T0 + 1 } });
    expect(nextWorkRequired(R, v, 143, T0 + 2)).toBe(R.powLimitBits);
    expect(checkContextual(R, v, 144, 4, T0 + 200, R.powLimitBits, NOW)).toBeNull();
  });
});

describe('median time past', () => {
  test('the new time must be strictly greater than the median of the previous 11', () => {
    const ts = [10, 50, 20, 40, 30, 60, 90, 80, 70, 100, 5];
    const v = chain((h) => ts[h], () => MIN);
    expect(medianTimePast(v, 10)).toBe(50);
    expect(isAfterMedianTimePast(v, 10, 50)).toBe(false);
    expect(isAfterMedianTimePast(v, 10, 51)).toBe(true);
    expect(checkContextual(T3, v, 11, 1, 50, MIN, NOW)).toBe('time_too_old');
    expect(checkContextual(T3, v, 11, 1, 51, MIN, NOW)).toBeNull();
  });

  test('with fewer than 11 ancestors the median of those is used', () => {
    const ts = [100, 300, 200];
    const v = chain((h) => ts[h], () => MIN);
    expect(medianTimePast(v, 2)).toBe(200);
    expect(isAfterMedianTimePast(v, 2, 200)).toBe(false);
    expect(isAfterMedianTimePast(v, 2, 201)).toBe(true);
  });

  test('the counting shortcut agrees with sorting on random timestamps', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 41 }), (ts, t) => {
        const v = chain((h) => ts[h], () => MIN);
        const parent = ts.length - 1;
        expect(isAfterMedianTimePast(v, parent, t)).toBe(t > medianTimePast(v, parent));
      }),
      { numRuns: 500 },
    );
  });
});

describe('future limit and version minimums', () => {
  const v = chain((h) => T0 + h * 600, () => REAL);
  const H = 200_001; // not a period boundary; below BIP34 on mainnet

  test('no more than 2 hours past the clock: time_too_new, a retry-later condition', () => {
    const now = T0 + H * 600;
    const t = now + 7200;
    expect(checkContextual(MAIN, v, H, 1, t, REAL, now)).toBeNull();
    expect(checkContextual(MAIN, v, H, 1, t + 1, REAL, now)).toBe('time_too_new');
  });

  test('minimum versions at the BIP34/66/65 heights', () => {
    const b = MAIN.buried;
    expect(minimumVersion(MAIN, b.bip34 - 1)).toBe(0);
    expect(minimumVersion(MAIN, b.bip34)).toBe(2);
    expect(minimumVersion(MAIN, b.bip66)).toBe(3);
    expect(minimumVersion(MAIN, b.bip65)).toBe(4);
    expect(minimumVersion(T4, 1)).toBe(4);
    const at = (height: number, version: number) => checkContextual(MAIN, v, height, version, T0 + height * 600, REAL, NOW);
    expect(at(b.bip34 - 1, 1)).toBeNull();
    expect(at(b.bip34, 1)).toBe('bad_version');
    expect(at(b.bip34, 2)).toBeNull();
    expect(at(b.bip66, 2)).toBe('bad_version');
    expect(at(b.bip66, 3)).toBeNull();
    expect(at(b.bip65, 3)).toBe('bad_version');
    expect(at(b.bip65, 4)).toBeNull();
    expect(at(b.bip65, 0x20000000)).toBeNull();
    expect(at(b.bip65, -1)).toBe('bad_version'); // versions compare signed, as in Core
  });
});
