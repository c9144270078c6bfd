// HeaderRanges, the pure planner of the parallel download: which ranges exist (window), what
// a reply to a range request means (complete, partial, not linked, invalid), failures leading to
// sequential fetching, and what is validated next. Download hints: parsing, formatting, and the
// shipped files.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { concatBytes, hashToDisplay } from '../../src/util/bytes.js';
import { generatedChain } from '../../src/bitcoin/local-chain.js';
import { HeaderRanges, RANGE_FAILURES_BEFORE_SEQUENTIAL } from '../../src/bitcoin/header-ranges.js';
import { formatHints, parseHints, type DownloadHint } from '../../src/bitcoin/download-hints.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { ChainBuilder, splitHeaders } from '../../src/chain/generate.js';
import { hashHeader } from '../../src/chain/sha256d-header.js';
import { ROOT } from '../helpers/cli.js';

const regtest = NETWORKS.regtest;
const CHAIN = generatedChain(regtest, 5000, 'ranges-unit');
const hint = (h: number): DownloadHint => ({ height: h, hash: CHAIN.hashAt(h) });
const headers = (from: number, to: number): Uint8Array[] => splitHeaders(concatBytes(CHAIN.headerBytes(from, to)));
const genesis = (): DownloadHint => ({ height: 0, hash: CHAIN.hashAt(0) });
const planner = (hints: DownloadHint[], window?: number): HeaderRanges<string> => new HeaderRanges<string>(hints, genesis(), regtest.powLimit, window);

test('ranges between hints, opened within the window (always at least one)', () => {
  const p = planner([hint(1000), hint(2000), hint(3000), hint(4000)], 2500);
  p.fill(10_000);
  expect(p.list.map((r) => [r.from.height, r.to.height])).toEqual([
    [0, 1000],
    [1000, 2000],
  ]);
  const big = planner([hint(4000)], 100);
  big.fill(10_000);
  expect(big.list).toHaveLength(1); // larger than the window, alone
  const claimed = planner([hint(1000), hint(2000)]);
  claimed.fill(1500); // no peer claims 2000
  expect(claimed.list).toHaveLength(1);
  expect(claimed.finished(1500)).toBe(false);
});

test('a reply that reaches the end hint completes the range; one of 2,000 short of it is partial', () => {
  const p = planner([hint(3000)]);
  p.fill(5000);
  const r = p.assign('a', 5000, 0)!;
  expect(r.to.height).toBe(3000);
  expect(p.receive(r, 'a', headers(1, 2001)).kind).toBe('partial');
  expect(hashToDisplay(r.lastHash)).toBe(hashToDisplay(CHAIN.hashAt(2000)));
  expect(p.receive(r, 'a', headers(2001, 3001)).kind).toBe('complete');
  expect(r.state).toBe('complete');
  expect(p.heldHeaders).toBe(3000);
  expect(p.nextToValidate(new HeaderChain(regtest))).toBe(r); // builds on genesis, our tip
});

test('replies that do not link: another start, short, past the hint with another hash, empty', () => {
  const p = planner([hint(1000), hint(2000)]);
  p.fill(5000);
  const [r1, r2] = [p.assign('a', 5000, 0)!, p.assign('b', 5000, 0)!];
  expect(p.receive(r2, 'b', headers(1, 1001))).toMatchObject({ kind: 'unlinked', why: expect.stringMatching(/does not build on/) });
  expect(p.receive(r1, 'a', headers(1, 990))).toMatchObject({ kind: 'unlinked', why: expect.stringMatching(/ends at height 989, before the hint at 1000/) });
  expect(p.receive(r1, 'a', [])).toMatchObject({ kind: 'unlinked' });
  const wrong = planner([{ height: 1000, hash: new Uint8Array(32).fill(7) }]);
  wrong.fill(5000);
  const w = wrong.assign('a', 5000, 0)!;
  expect(wrong.receive(w, 'a', headers(1, 1001))).toMatchObject({ kind: 'unlinked', why: expect.stringMatching(/header at height 1000 is .* the hint says 0707/) });
  expect(wrong.heldHeaders).toBe(0);
});

test('invalid replies: broken continuity, proof of work above target, wrong length', () => {
  const p = planner([hint(1000)]);
  p.fill(5000);
  const r = p.assign('a', 5000, 0)!;
  const gap = headers(1, 1001);
  gap.splice(500, 1);
  expect(p.receive(r, 'a', gap)).toMatchObject({ kind: 'invalid', code: 'headers_not_continuous', index: 500 });
  const b = new ChainBuilder(regtest, { seed: 'bad' }, concatBytes(CHAIN.headerBytes(0, 401)));
  const bad = [...headers(1, 401), b.next({ pow: 'invalid' })];
  expect(p.receive(r, 'a', bad)).toMatchObject({ kind: 'invalid', code: 'high_hash', index: 400 });
  expect(p.receive(r, 'a', [headers(1, 2)[0]!.subarray(0, 79)])).toMatchObject({ kind: 'invalid', code: 'bad_header_length' });
  expect(p.heldHeaders).toBe(0);
});

test(`a range failed by ${RANGE_FAILURES_BEFORE_SEQUENTIAL} peers (or with no other peer left) is fetched sequentially`, () => {
  const p = planner([hint(1000)]);
  p.fill(5000);
  let r = p.assign('a', 5000, 0)!;
  p.fail(r, 'a', true);
  expect(r.state).toBe('queued');
  expect(p.assign('a', 5000, 0)).toBeUndefined(); // not back to the peer that failed it
  r = p.assign('b', 5000, 0)!;
  p.fail(r, 'b', true);
  expect(r.state).toBe('sequential');
  const lone = planner([hint(1000)]);
  lone.fill(5000);
  const l = lone.assign('a', 5000, 0)!;
  lone.fail(l, 'a', false);
  expect(l.state).toBe('sequential');
});

test('a released peer\'s range is queued again keeping what arrived; ranges the chain passed are dropped', () => {
  const p = planner([hint(3000), hint(4000)]);
  p.fill(5000);
  const r = p.assign('a', 5000, 0)!;
  p.receive(r, 'a', headers(1, 2001));
  expect(p.release('a')).toEqual([r]);
  expect(r.state).toBe('queued');
  expect(r.received).toBe(2000);
  // Our chain already holds 0..5000 (a sequential fetch ran ahead): both ranges are passed.
  const passed: number[] = [];
  expect(p.nextToValidate(CHAIN, (x, matches) => matches && passed.push(x.to.height))).toBeUndefined();
  expect(passed).toEqual([3000, 4000]);
  expect(p.heldHeaders).toBe(0);
  expect(p.finished(5000)).toBe(true);
});

test('hints: parse, format, reject bad lines', () => {
  const text = formatHints([hint(1000), hint(2000)], ['made by a test']);
  expect(text.startsWith('# made by a test\n1000 ')).toBe(true);
  const back = parseHints(text, 'x');
  expect(back.map((h) => [h.height, hashToDisplay(h.hash)])).toEqual([
    [1000, hashToDisplay(CHAIN.hashAt(1000))],
    [2000, hashToDisplay(CHAIN.hashAt(2000))],
  ]);
  expect(() => parseHints('1000 abc\n', 'f.txt')).toThrow(/f\.txt:1: expected "height hash"/);
  expect(() => parseHints(`2000 ${'a'.repeat(64)}\n1000 ${'b'.repeat(64)}\n`, 'f')).toThrow(/height 1000 does not follow 2000/);
  expect(() => parseHints(`0 ${'a'.repeat(64)}\n`, 'f')).toThrow(/start at 1/);
});

test('shipped hint files: mainnet, testnet3 and signet, every 2016 heights, hashes of real headers', () => {
  const files = readdirSync(join(ROOT, 'hints')).sort();
  expect(files).toEqual(['mainnet.txt', 'signet.txt', 'testnet3.txt']);
  const expected: Record<string, [number, number]> = { 'mainnet.txt': [436, 878_976], 'signet.txt': [114, 229_824], 'testnet3.txt': [1792, 3_612_672] };
  for (const f of files) {
    const hints = parseHints(readFileSync(join(ROOT, 'hints', f), 'utf8'), f);
    expect([hints.length, hints[hints.length - 1]!.height]).toEqual(expected[f]);
    expect(hints.every((h, i) => h.height === 2016 * (i + 1))).toBe(true);
  }
  // Spot check against a header we can hash: mainnet's first period start (2016).
  const header2016 = Buffer.from(
    '010000006397bb6abd4fc521c0d3f6071b5650389f0b4551bc40b4e6b067306900000000ace470aecda9c8818c8fe57688cd2a772b5a57954a00df0420a7dd546b6d2c576b0e7f49ffff001d33f0192f',
    'hex',
  );
  const main = parseHints(readFileSync(join(ROOT, 'hints', 'mainnet.txt'), 'utf8'), 'mainnet');
  expect(hashToDisplay(main[0]!.hash)).toBe(hashToDisplay(hashHeader(header2016)));
});
