// HeaderChain on synthetic chains with real proof of work: every difficulty rule enforced
// end to end (easy-powLimit variants of mainnet/testnet3/testnet4 rules, 16-block periods),
// reorgs of depth 1 and > 2000 across batches, batch limits, duplicates, checkpoints, the
// side-branch cap, minimum chain work, and Core-exact locator answers.
import { NETWORKS, type NetworkParams } from '../../src/params/networks.js';
import { ChainBuilder, type NextHeaderOptions } from '../../src/chain/generate.js';
import { DEEP_BRANCH_IDLE_S, HeaderChain, type AcceptResult } from '../../src/chain/header-chain.js';
import { MemoryBranchStorage, type HeaderArchive } from '../../src/chain/archive.js';
import { decodeCompact, encodeCompact, workFromBits } from '../../src/chain/pow.js';
import { medianTimePast } from '../../src/chain/rules.js';
import { headerBits, headerTime } from '../../src/chain/header.js';
import { hashFromDisplay, hashToDisplay } from '../../src/util/bytes.js';
import { MemoryLog } from '../../src/util/log.js';
import { easyParams, expectedRetarget, FAR_FUTURE, readHeaderFile, readVector } from './helpers.js';

const REG = NETWORKS.regtest;

function feed(chain: HeaderChain, headers: Uint8Array[], now = FAR_FUTURE): AcceptResult[] {
  const out: AcceptResult[] = [];
  for (let i = 0; i < headers.length; i += 2000) {
    const r = chain.acceptHeaders(headers.slice(i, i + 2000), now);
    out.push(r);
    if (r.error) break;
  }
  return out;
}

function feedOk(chain: HeaderChain, headers: Uint8Array[], now = FAR_FUTURE): void {
  for (const r of feed(chain, headers, now)) expect(r.error).toBeUndefined();
}

/** A header on top of b's tip that b does not keep (for headers meant to be rejected). */
function attempt(b: ChainBuilder, o: NextHeaderOptions): Uint8Array {
  return b.fork(b.height).next(o);
}

function code(r: AcceptResult): string | undefined {
  return r.error?.error.code;
}

describe('difficulty rules end to end (mainnet rules, 16-block periods)', () => {
  test('on-schedule retarget; a header keeping the old bits at the boundary is bad_diffbits', () => {
    const p = easyParams(NETWORKS.mainnet, { genesisBits: encodeCompact(((1n << 250n) - 1n) >> 2n) });
    const b = new ChainBuilder(p);
    const chain = new HeaderChain(p);
    b.extend(15); // heights 1..15, one second apart: the period measured 15 s of 16
    feedOk(chain, b.headers());
    const oldBits = b.bitsAt(15);
    expect(code(chain.acceptHeaders([attempt(b, { bits: oldBits })], FAR_FUTURE))).toBe('bad_diffbits');
    const h16 = b.next();
    expect(headerBits(h16)).toBe(expectedRetarget(p, oldBits, b.timeAt(15) - b.timeAt(0)));
    expect(headerBits(h16)).not.toBe(oldBits);
    expect(chain.acceptHeaders([h16], FAR_FUTURE).added).toBe(1);
    // Inside the next period the bits must stay.
    expect(code(chain.acceptHeaders([attempt(b, { bits: oldBits })], FAR_FUTURE))).toBe('bad_diffbits');
    feedOk(chain, b.extend(5));
  });

  test('a fast period is clamped to 4x harder', () => {
    const p = easyParams(NETWORKS.mainnet, { genesisBits: encodeCompact(((1n << 250n) - 1n) >> 2n) });
    const b = new ChainBuilder(p);
    // As fast as median-time-past allows: each header one second past the median.
    for (let h = 1; h < 32; h++) b.next({ time: medianTimePast(b, b.height) + 1 });
    const actual = b.timeAt(31) - b.timeAt(16);
    expect(actual).toBeLessThan(4); // below timespan / 4: the clamp applies
    const h32 = b.next({ time: medianTimePast(b, b.height) + 1 });
    expect(headerBits(h32)).toBe(expectedRetarget(p, b.bitsAt(31), 4));
    expect(decodeCompact(headerBits(h32)).target * 4n).toBeLessThanOrEqual(decodeCompact(b.bitsAt(31)).target);
    const chain = new HeaderChain(p);
    feedOk(chain, b.headers());
    expect(chain.height).toBe(32);
  });

  test('a slow period is clamped to 4x easier, then capped at the pow limit', () => {
    const p = easyParams(NETWORKS.mainnet, { genesisBits: encodeCompact(((1n << 250n) - 1n) >> 3n) });
    const b = new ChainBuilder(p);
    b.extend(15, { timeDelta: 10 }); // 150 s for a 16 s period
    const h16 = b.next({ timeDelta: 10 });
    expect(headerBits(h16)).toBe(expectedRetarget(p, b.bitsAt(15), 64));
    expect(decodeCompact(headerBits(h16)).target).toBeGreaterThan(decodeCompact(b.bitsAt(15)).target * 3n);
    b.extend(15, { timeDelta: 10 });
    const h32 = b.next({ timeDelta: 10 });
    expect(headerBits(h32)).toBe(p.powLimitBits);
    const chain = new HeaderChain(p);
    feedOk(chain, b.headers());
    expect(chain.height).toBe(32);
    expect(chain.tipWork).toBe(b.headers(0).reduce((s, raw) => s + workFromBits(headerBits(raw)), 0n));
  });

  test('bits easier than the pow limit: bad_pow_limit; a hash above the target: high_hash', () => {
    const p = easyParams();
    const b = new ChainBuilder(p);
    const chain = new HeaderChain(p);
    feedOk(chain, b.extend(3));
    const tooEasy = attempt(b, { bits: encodeCompact(1n << 252n) });
    expect(code(chain.acceptHeaders([tooEasy], FAR_FUTURE))).toBe('bad_pow_limit');
    const highHash = attempt(b, { pow: 'invalid' });
    const r = chain.acceptHeaders([highHash], FAR_FUTURE);
    expect(code(r)).toBe('high_hash');
    expect(r.error?.error.height).toBe(4);
    expect(chain.height).toBe(3);
  });
});

describe('testnet rules end to end', () => {
  const limit = (1n << 250n) - 1n;

  test('20-minute rule: min difficulty only after more than 2 x spacing, then walk back', () => {
    const p = easyParams(NETWORKS.testnet3, { genesisBits: encodeCompact(limit >> 2n) });
    const real = encodeCompact(limit >> 2n);
    const b = new ChainBuilder(p);
    const chain = new HeaderChain(p);
    feedOk(chain, b.extend(3));
    // Exactly 2 x spacing is not enough.
    expect(code(chain.acceptHeaders([attempt(b, { timeDelta: 2, bits: p.powLimitBits })], FAR_FUTURE))).toBe('bad_diffbits');
    // More than that: min difficulty allowed (and required: Core returns exactly the limit).
    expect(code(chain.acceptHeaders([attempt(b, { timeDelta: 3, bits: real })], FAR_FUTURE))).toBe('bad_diffbits');
    const mins = b.extend(3, { timeDelta: 3 });
    for (const m of mins) expect(headerBits(m)).toBe(p.powLimitBits);
    feedOk(chain, mins);
    // A quick block after a run of min-difficulty blocks walks back to the real difficulty.
    expect(code(chain.acceptHeaders([attempt(b, { timeDelta: 1, bits: p.powLimitBits })], FAR_FUTURE))).toBe('bad_diffbits');
    const back = b.next({ timeDelta: 1 });
    expect(headerBits(back)).toBe(real);
    feedOk(chain, [back]);
    expect(chain.height).toBe(7);
  });

  test('walk-back stops at a period start that is itself min difficulty', () => {
    const p = easyParams(NETWORKS.testnet3, { genesisBits: encodeCompact(limit >> 2n) });
    const b = new ChainBuilder(p);
    b.extend(14);
    b.next({ timeDelta: 3 }); // 15: min difficulty, last block of period 0
    const h16 = b.next({ timeDelta: 1 }); // retarget from the LAST block's bits (testnet3): the limit
    expect(headerBits(h16)).toBe(p.powLimitBits);
    const h17 = b.next({ timeDelta: 1 }); // walk back stops at 16 although it is min difficulty
    expect(headerBits(h17)).toBe(p.powLimitBits);
    const chain = new HeaderChain(p);
    feedOk(chain, b.headers());
    expect(chain.height).toBe(17);
  });

  test('BIP94: retarget from the period’s first block, and the time-warp bound', () => {
    const t4 = easyParams(NETWORKS.testnet4, { genesisBits: encodeCompact(limit >> 4n) });
    const b = new ChainBuilder(t4);
    b.extend(14);
    b.next({ timeDelta: 1000 }); // 15: far ahead, and min difficulty (> 2 s after its parent)
    expect(b.bitsAt(15)).toBe(t4.powLimitBits);
    const chain = new HeaderChain(t4);
    feedOk(chain, b.headers());
    const parentTime = b.timeAt(15);
    const warped = attempt(b, { time: parentTime - 601 });
    expect(code(chain.acceptHeaders([warped], FAR_FUTURE))).toBe('time_timewarp_attack');
    const h16 = b.next({ time: parentTime - 600 });
    // Base = bits of block 0 (not the min-difficulty block 15), timespan clamped to 4x.
    expect(headerBits(h16)).toBe(expectedRetarget(t4, b.bitsAt(0), 64));
    expect(chain.acceptHeaders([h16], FAR_FUTURE).added).toBe(1);

    // testnet3 rules on the same history: no time-warp bound, base = last block's bits.
    const t3 = { ...t4, enforceBip94: false };
    const c3 = new HeaderChain(t3);
    feedOk(c3, b.headers(1, 16));
    const b3 = new ChainBuilder(t3, {}, b.bytes(0, 16));
    const w3 = b3.next({ time: parentTime - 601 });
    expect(headerBits(w3)).toBe(expectedRetarget(t3, t3.powLimitBits, 64));
    expect(headerBits(w3)).not.toBe(headerBits(h16));
    expect(c3.acceptHeaders([w3], FAR_FUTURE).added).toBe(1);
  });
});

describe('time and version rules end to end', () => {
  test('median time past: a header at the median is time_too_old', () => {
    const b = new ChainBuilder(REG, { spacing: 60 });
    const chain = new HeaderChain(REG);
    feedOk(chain, b.extend(20));
    const mtp = medianTimePast(b, b.height);
    expect(code(chain.acceptHeaders([attempt(b, { time: mtp })], FAR_FUTURE))).toBe('time_too_old');
    expect(chain.acceptHeaders([attempt(b, { time: mtp + 1 })], FAR_FUTURE).added).toBe(1);
  });

  test('more than 2 h ahead of the clock: time_too_new, not ban-worthy, fine later', () => {
    const b = new ChainBuilder(REG, { spacing: 60 });
    const chain = new HeaderChain(REG);
    const hs = b.extend(10);
    const now = headerTime(hs[9]) - 7201;
    const r = chain.acceptHeaders(hs, now);
    expect(code(r)).toBe('time_too_new');
    expect(r.error?.error.retryLater).toBe(true);
    expect(r.error?.error.banWorthy).toBe(false);
    expect(r.added).toBe(9);
    expect(chain.acceptHeaders(hs, now + 1)).toMatchObject({ added: 1, duplicates: 9 });
  });

  test('version minimums at the BIP34/66/65 heights', () => {
    const p: NetworkParams = { ...REG, buried: { bip34: 5, bip66: 8, bip65: 11 } };
    const b = new ChainBuilder(p);
    const chain = new HeaderChain(p);
    feedOk(chain, b.extend(4, { version: 1 }));
    expect(code(chain.acceptHeaders([attempt(b, { version: 1 })], FAR_FUTURE))).toBe('bad_version');
    feedOk(chain, b.extend(3, { version: 2 }));
    expect(code(chain.acceptHeaders([attempt(b, { version: 2 })], FAR_FUTURE))).toBe('bad_version');
    feedOk(chain, b.extend(3, { version: 3 }));
    expect(code(chain.acceptHeaders([attempt(b, { version: 3 })], FAR_FUTURE))).toBe('bad_version');
    expect(code(chain.acceptHeaders([attempt(b, { version: -4 })], FAR_FUTURE))).toBe('bad_version');
    feedOk(chain, b.extend(1, { version: 4 }));
    expect(chain.height).toBe(11);
  });
});

describe('batches', () => {
  const b = new ChainBuilder(REG, { spacing: 60 });
  const hs = b.extend(2001);

  test('2,001 headers in one message are rejected whole', () => {
    const chain = new HeaderChain(REG);
    const r = chain.acceptHeaders(hs, FAR_FUTURE);
    expect(code(r)).toBe('too_many_headers');
    expect(r.error?.error.banWorthy).toBe(true);
    expect(r.added).toBe(0);
    expect(chain.height).toBe(0);
    expect(chain.acceptHeaders(hs.slice(0, 2000), FAR_FUTURE).added).toBe(2000);
  });

  test('unconnected first header: prev_not_found (not ban-worthy by itself)', () => {
    const chain = new HeaderChain(REG);
    const r = chain.acceptHeaders(hs.slice(5, 10), FAR_FUTURE);
    expect(code(r)).toBe('prev_not_found');
    expect(r.error?.index).toBe(0);
    expect(r.error?.error.banWorthy).toBe(false);
    expect(r.added).toBe(0);
  });

  test('a gap inside a message: headers_not_continuous, the ones before it kept', () => {
    const chain = new HeaderChain(REG);
    const r = chain.acceptHeaders([...hs.slice(0, 5), ...hs.slice(6, 10)], FAR_FUTURE);
    expect(code(r)).toBe('headers_not_continuous');
    expect(r.error?.index).toBe(5);
    expect(r.added).toBe(5);
    expect(chain.height).toBe(5);
  });

  test('the same batch again and again: all duplicates, nothing added, tip unchanged', () => {
    const chain = new HeaderChain(REG);
    expect(chain.acceptHeaders(hs.slice(0, 100), FAR_FUTURE)).toMatchObject({ added: 100, tipChanged: true });
    for (let i = 0; i < 3; i++) expect(chain.acceptHeaders(hs.slice(0, 100), FAR_FUTURE)).toEqual({ added: 0, duplicates: 100, tipChanged: false });
  });

  test('an overlapping batch adds only the new part', () => {
    const chain = new HeaderChain(REG);
    chain.acceptHeaders(hs.slice(0, 100), FAR_FUTURE);
    expect(chain.acceptHeaders(hs.slice(50, 150), FAR_FUTURE)).toEqual({ added: 50, duplicates: 50, tipChanged: true });
    expect(chain.height).toBe(150);
  });

  test('empty batch', () => {
    expect(new HeaderChain(REG).acceptHeaders([], FAR_FUTURE)).toEqual({ added: 0, duplicates: 0, tipChanged: false });
  });

  test('a header that is not 80 bytes', () => {
    const r = new HeaderChain(REG).acceptHeaders([hs[0], hs[1].subarray(0, 79)], FAR_FUTURE);
    expect(code(r)).toBe('bad_header_length');
    expect(r.added).toBe(1);
  });
});

describe('reorgs', () => {
  test('depth 1, and back (depth 2); ties keep the first-seen tip', () => {
    const log = new MemoryLog();
    const a = new ChainBuilder(REG, { seed: 'a' });
    a.extend(10);
    const chain = new HeaderChain(REG, { log });
    feedOk(chain, a.headers());
    const bb = a.fork(9, { seed: 'b' });
    const b10 = bb.next();
    const tie = chain.acceptHeaders([b10], FAR_FUTURE);
    expect(tie).toEqual({ added: 1, duplicates: 0, tipChanged: false });
    expect(chain.tip.hashHex).toBe(a.hashHexAt(10));
    const r = chain.acceptHeaders([bb.next()], FAR_FUTURE);
    expect(r.reorg).toMatchObject({ depth: 1, forkHeight: 9, oldTip: { height: 10, hashHex: a.hashHexAt(10) }, newTip: { height: 11, hashHex: bb.hashHexAt(11) } });
    expect(r.tipChanged).toBe(true);
    expect(chain.hashAt(10)).toEqual(bb.hashAt(10));
    expect(chain.heightOf(a.hashAt(10))).toBe(-1);
    expect(chain.findHeader(a.hashAt(10))).toMatchObject({ height: 10, onBestChain: false });
    expect(log.has(/reorg of depth 1/)).toBe(true);
    // The old branch was kept: two more headers on it win back.
    const r2 = chain.acceptHeaders(a.extend(2), FAR_FUTURE);
    expect(r2.reorg).toMatchObject({ depth: 2, forkHeight: 9, newTip: { height: 12 } });
    expect(chain.tip.hashHex).toBe(a.hashHexAt(12));
    expect(chain.findHeader(bb.hashAt(11))).toMatchObject({ onBestChain: false });
  });

  test('depth 2400: a competing branch delivered in two 2000-header messages', () => {
    const main = new ChainBuilder(REG, { seed: 'main', spacing: 60 });
    main.extend(2500);
    const fork = main.fork(100, { seed: 'fork' });
    fork.extend(2500); // heights 101..2600
    const chain = new HeaderChain(REG);
    feedOk(chain, main.headers());
    const first = chain.acceptHeaders(fork.headers(101, 2101), FAR_FUTURE);
    expect(first).toEqual({ added: 2000, duplicates: 0, tipChanged: false });
    expect(chain.sideHeaderCount).toBe(2000);
    const second = chain.acceptHeaders(fork.headers(2101, 2601), FAR_FUTURE);
    expect(second.reorg).toMatchObject({ depth: 2400, forkHeight: 100, oldTip: { height: 2500 }, newTip: { height: 2600, hashHex: fork.hashHexAt(2600) } });
    expect(chain.height).toBe(2600);
    expect(chain.tipWork).toBe(2n * 2601n);
    for (const h of [101, 1000, 2100, 2600]) expect(chain.hashAt(h)).toEqual(fork.hashAt(h));
    expect(chain.heightOf(main.hashAt(2000))).toBe(-1);
    expect(chain.sideHeaderCount).toBe(2400);
    expect(chain.takeRewind()).toBe(100);
    expect(chain.takeRewind()).toBeUndefined();
    // Locators and answers follow the new chain.
    expect(chain.headersAfterLocator([fork.hashAt(2590)], new Uint8Array(32))).toHaveLength(10);
    expect(chain.headersAfterLocator([main.hashAt(2400), fork.hashAt(50)], new Uint8Array(32), 5)[0]).toEqual(fork.headerAt(51));
  });
});

describe('checkpoints', () => {
  const b = new ChainBuilder(REG, { seed: 'cp' });
  b.extend(15);
  const p: NetworkParams = { ...REG, checkpoints: { 10: b.hashHexAt(10) } };

  test('a header at the checkpoint height with another hash is rejected', () => {
    const other = b.fork(9, { seed: 'other' });
    other.extend(4);
    const chain = new HeaderChain(p);
    const r = chain.acceptHeaders(other.headers(), FAR_FUTURE);
    expect(code(r)).toBe('checkpoint_mismatch');
    expect(r.error?.error.height).toBe(10);
    expect(chain.height).toBe(9);
  });

  test('no fork below the last checkpoint reached; above it forks are fine', () => {
    const chain = new HeaderChain(p);
    feedOk(chain, b.headers());
    const low = b.fork(5, { seed: 'low' });
    expect(code(chain.acceptHeaders(low.extend(2), FAR_FUTURE))).toBe('fork_before_checkpoint');
    const high = b.fork(10, { seed: 'high' });
    expect(chain.acceptHeaders(high.extend(2), FAR_FUTURE)).toMatchObject({ added: 2, tipChanged: false });
  });
});

describe('bounded side branches and minimum work', () => {
  test('over the cap, the least-work branch is evicted; a branch bigger than the cap continues outside memory and wins', () => {
    const main = new ChainBuilder(REG, { seed: 'm' });
    main.extend(30);
    const chain = new HeaderChain(REG, { maxSideHeaders: 10 });
    feedOk(chain, main.headers());
    const forks = [5, 10, 15, 20].map((at) => {
      const f = main.fork(at, { seed: `f${at}` });
      f.extend(3);
      return f;
    });
    for (const f of forks) expect(chain.acceptHeaders(f.headers(f.height - 2), FAR_FUTURE).error).toBeUndefined();
    expect(chain.sideHeaderCount).toBeLessThanOrEqual(10);
    expect(chain.hasHeader(forks[0].hashAt(8))).toBe(false); // least work: evicted
    for (const f of forks.slice(1)) expect(chain.hasHeader(f.hashAt(f.height))).toBe(true);
    // 20 headers from 15: bigger than the cap, so it continues as the deep branch, and wins at its 16th.
    const big = main.fork(15, { seed: 'big' });
    const r = chain.acceptHeaders(big.extend(20), FAR_FUTURE);
    expect(r.error).toBeUndefined();
    expect(r.added).toBe(20);
    expect(r.reorg).toMatchObject({ depth: 15, forkHeight: 15, newTip: { height: 35, hashHex: big.hashHexAt(35) } });
    expect(chain.deepBranchSize).toBe(0);
    expect(chain.sideHeaderCount).toBeLessThanOrEqual(10);
    expect(chain.hashAt(20)).toEqual(big.hashAt(20));
  });

  test('one deep branch at a time: a second too-big branch with no more work is refused (not ban-worthy: ask again later) until the first sits idle', () => {
    const main = new ChainBuilder(REG, { seed: 'm2' });
    main.extend(30);
    const chain = new HeaderChain(REG, { maxSideHeaders: 5 });
    feedOk(chain, main.headers());
    const a = main.fork(10, { seed: 'a' });
    expect(chain.acceptHeaders(a.extend(8), FAR_FUTURE)).toEqual({ added: 8, duplicates: 0, tipChanged: false });
    expect(chain.deepBranchSize).toBe(8);
    expect(chain.sideHeaderCount).toBe(0);
    const b = main.fork(12, { seed: 'b' });
    const bh = b.extend(8);
    const r = chain.acceptHeaders(bh, FAR_FUTURE);
    expect(code(r)).toBe('side_branch_limit');
    expect(r.error?.index).toBe(5);
    expect(r.error?.error.banWorthy).toBe(false);
    // The deep branch's headers are still known, and extending it works.
    expect(chain.hasHeader(a.hashAt(18))).toBe(true);
    expect(chain.acceptHeaders(a.extend(1), FAR_FUTURE).added).toBe(1);
    // Idle for DEEP_BRANCH_IDLE_S: the other branch may take its place.
    const later = chain.acceptHeaders(bh, FAR_FUTURE + DEEP_BRANCH_IDLE_S);
    expect(later).toMatchObject({ added: 3, duplicates: 5 });
    expect(chain.deepBranchSize).toBe(8);
    expect(chain.hasHeader(b.hashAt(20))).toBe(true);
    expect(chain.hasHeader(a.hashAt(19))).toBe(false);
  });

  test('a deep branch showing more work than the one in the deep slot takes the slot at once (the most-work chain wins, issue 13)', () => {
    const main = new ChainBuilder(REG, { seed: 'm' });
    main.extend(30);
    const chain = new HeaderChain(REG, { maxSideHeaders: 5 });
    feedOk(chain, main.headers());
    const a = main.fork(10, { seed: 'a' });
    expect(chain.acceptHeaders(a.extend(6), FAR_FUTURE).error).toBeUndefined();
    expect(chain.deepBranchSize).toBe(6); // tip at 16
    // b needs the slot at its 6th header (height 18): more work than a's 16 already.
    const b = main.fork(12, { seed: 'b' });
    const r = chain.acceptHeaders(b.extend(8), FAR_FUTURE);
    expect(r.error).toBeUndefined();
    expect(r.added).toBe(8);
    expect(chain.deepBranchSize).toBe(8);
    expect(chain.hasHeader(b.hashAt(20))).toBe(true);
    expect(chain.hasHeader(a.hashAt(16))).toBe(false);
    // a, still with less work, now waits for the slot; extended past the best tip it would win.
    expect(code(chain.acceptHeaders(a.extend(1), FAR_FUTURE))).toBe('prev_not_found');
    const again = chain.acceptHeaders(a.headers(11), FAR_FUTURE);
    expect(code(again)).toBe('side_branch_limit');
    expect(again.error?.error.retryLater).toBe(true);
  });

  test('isBelowMinimumWork until the chain has the network minimum', () => {
    const p: NetworkParams = { ...REG, minimumChainWork: 2n * 21n };
    const b = new ChainBuilder(p);
    const chain = new HeaderChain(p);
    feedOk(chain, b.extend(19));
    expect(chain.isBelowMinimumWork()).toBe(true);
    feedOk(chain, b.extend(1));
    expect(chain.tipWork).toBe(42n);
    expect(chain.isBelowMinimumWork()).toBe(false);
  });
});

describe('block locators and getheaders answers (mainnet 0..1111)', () => {
  const headers = readHeaderFile('headers-mainnet-0-1111.txt');
  const chain = new HeaderChain(NETWORKS.mainnet);
  chain.acceptHeaders(headers.slice(1), FAR_FUTURE);
  const zero = new Uint8Array(32);
  const hashAt = (h: number) => chain.hashAt(h);

  test('blockLocator equals the getheaders_tip1111 vector', () => {
    const v = JSON.parse(readVector('messages.json')) as { getheaders_tip1111: { decoded: { locator_heights: number[]; locator: string[] } } };
    const loc = chain.blockLocator();
    expect(loc.map(hashToDisplay)).toEqual(v.getheaders_tip1111.decoded.locator);
    expect(loc.map((h) => chain.heightOf(h))).toEqual(v.getheaders_tip1111.decoded.locator_heights);
    expect(chain.blockLocator(0).map(hashToDisplay)).toEqual([NETWORKS.mainnet.genesis.hash]);
  });

  test('first known locator entry wins; answers start after it', () => {
    expect(chain.headersAfterLocator([hashAt(1111)], zero)).toEqual([]);
    const r = chain.headersAfterLocator([hashAt(1000)], zero);
    expect(r).toHaveLength(111);
    expect(r[0]).toEqual(headers[1001]);
    expect(r[110]).toEqual(headers[1111]);
    const unknown = hashFromDisplay('11'.repeat(32));
    expect(chain.headersAfterLocator([unknown, hashAt(500), hashAt(10)], zero)[0]).toEqual(headers[501]);
  });

  test('no known entry: from genesis; max and hashStop bound the answer', () => {
    const all = chain.headersAfterLocator([hashFromDisplay('22'.repeat(32))], zero);
    expect(all).toHaveLength(1111);
    expect(all[0]).toEqual(headers[1]);
    expect(chain.headersAfterLocator([hashAt(0)], zero, 10)).toEqual(headers.slice(1, 11));
    expect(chain.headersAfterLocator([hashAt(1000)], hashAt(1005))).toEqual(headers.slice(1001, 1006));
    expect(chain.headersAfterLocator([hashAt(1000)], hashAt(500))).toHaveLength(111); // stop behind the start: ignored
  });

  test('empty locator: just hashStop’s header, if known', () => {
    expect(chain.headersAfterLocator([], hashAt(7))).toEqual([headers[7]]);
    expect(chain.headersAfterLocator([], hashFromDisplay('33'.repeat(32)))).toEqual([]);
  });

  test('the real getheaders_tip1111 message is answered with nothing new', () => {
    const v = JSON.parse(readVector('messages.json')) as { getheaders_tip1111: { decoded: { locator: string[] } } };
    expect(chain.headersAfterLocator(v.getheaders_tip1111.decoded.locator.map(hashFromDisplay), zero)).toEqual([]);
    const partial = v.getheaders_tip1111.decoded.locator.slice(5).map(hashFromDisplay); // from 1106 down
    expect(chain.headersAfterLocator(partial, zero)).toEqual(headers.slice(1107, 1112));
  });

  test('a side-branch locator entry is skipped (not on the active chain)', () => {
    const b = new ChainBuilder(REG, { seed: 's' });
    b.extend(10);
    const c = new HeaderChain(REG);
    feedOk(c, b.headers());
    const side = b.fork(5, { seed: 'side' });
    feedOk(c, side.extend(2));
    expect(c.headersAfterLocator([side.hashAt(7), b.hashAt(3)], zero)[0]).toEqual(b.headerAt(4));
    expect(c.headersAfterLocator([], side.hashAt(7))).toEqual([side.headerAt(7)]);
  });
});

describe('restart from stored bytes (HeaderChain.restore)', () => {
  test('restored chain equals the original and keeps validating', () => {
    const b = new ChainBuilder(REG, { spacing: 60 });
    b.extend(5000);
    const bytes = b.bytes(0);
    const archive: HeaderArchive = {
      storedCount: () => 5001,
      read: (dst, first, n) => dst.set(bytes.subarray(first * 80, (first + n) * 80)),
      persist: () => {},
      branch: new MemoryBranchStorage(),
    };
    const chain = HeaderChain.restore(REG, archive, 4032, (k) => 2n * 2016n * BigInt(k));
    expect(chain.height).toBe(4031);
    expect(chain.tipWork).toBe(2n * 4032n);
    feedOk(chain, b.headers(4032));
    expect(chain.height).toBe(5000);
    expect(chain.tip.hashHex).toBe(b.hashHexAt(5000));
    expect(chain.tipWork).toBe(2n * 5001n);
    expect(chain.heightOf(b.hashAt(1234))).toBe(1234);
    feedOk(chain, b.extend(3));
  });
});
