// The toy chain: linkage, index, timestamps, orphans, most-work choice, reorgs, locators.
import { GENESIS_BLOCK, mineBlock, ToyChain, type ToyBlock } from '../../src/toy/index.js';
import { buildChain, T0 } from './helpers.js';

const NOW_MS = (T0 + 10_000) * 1000;
const newChain = (): ToyChain => new ToyChain(1, () => NOW_MS);
const addAll = (c: ToyChain, bs: ToyBlock[]): string[] => bs.map((b) => c.add(b).kind);
const remine = (b: ToyBlock, patch: Partial<ToyBlock>): ToyBlock => mineBlock({ ...b, ...patch, nonce: 0 }, 1);

describe('toy chain', () => {
  test('extends block by block and reports what joined the best chain', () => {
    const c = newChain();
    const bs = buildChain(5, 1);
    for (const b of bs) {
      const r = c.add(b);
      expect(r).toEqual({ kind: 'accepted', connected: [b], reorg: undefined });
    }
    expect(c.height).toBe(5);
    expect(c.tip).toEqual(bs[4]);
    expect(c.add(bs[2]!).kind).toBe('duplicate');
    expect(c.add(GENESIS_BLOCK).kind).toBe('duplicate');
  });

  test('unknown parent is an orphan, not a rejection', () => {
    const c = newChain();
    const bs = buildChain(3, 1);
    expect(c.add(bs[2]!).kind).toBe('orphan');
    expect(addAll(c, bs)).toEqual(['accepted', 'accepted', 'accepted']);
  });

  test('index gaps, timestamps before the median of 11, far-future timestamps are rejected', () => {
    const c = newChain();
    const bs = buildChain(12, 1);
    addAll(c, bs);
    const tip = c.tip;
    const gap = mineBlock({ index: tip.index + 2, timestamp: T0 + 100, nonce: 0, data: 'gap', prev_hash: tip.hash, transactions: [] }, 1);
    expect(c.add(gap)).toMatchObject({ kind: 'invalid', error: { code: 'bad_index' } });
    const old = mineBlock({ index: tip.index + 1, timestamp: T0, nonce: 0, data: 'old', prev_hash: tip.hash, transactions: [] }, 1);
    expect(c.add(old)).toMatchObject({ kind: 'invalid', error: { code: 'bad_timestamp' } });
    const future = remine(old, { timestamp: NOW_MS / 1000 + 3 * 3600, data: 'future' });
    expect(c.add(future)).toMatchObject({ kind: 'invalid', error: { code: 'time_too_new' } });
    const fine = remine(old, { timestamp: c.medianTimePast(), data: 'equal to the median is fine' });
    expect(c.add(fine).kind).toBe('accepted');
  });

  test('a different genesis is rejected', () => {
    const c = newChain();
    const fake = mineBlock({ index: 0, timestamp: T0, nonce: 0, data: 'other genesis', prev_hash: 'ff'.repeat(32), transactions: [] }, 1);
    expect(c.add(fake)).toMatchObject({ kind: 'invalid', error: { code: 'bad_genesis' } });
  });

  test('the longer branch wins with a reorg; an equal branch does not displace the first seen', () => {
    const c = newChain();
    const common = buildChain(2, 1);
    const a = buildChain(2, 1, common[1], 'a');
    const b = buildChain(3, 1, common[1], 'b');
    addAll(c, [...common, ...a]);
    expect(c.tip).toEqual(a[1]);
    expect(c.add(b[0]!)).toEqual({ kind: 'accepted', connected: [], reorg: undefined });
    expect(c.add(b[1]!)).toEqual({ kind: 'accepted', connected: [], reorg: undefined }); // equal height: keep a
    expect(c.tip).toEqual(a[1]);
    const r = c.add(b[2]!);
    expect(r).toEqual({
      kind: 'accepted',
      connected: b,
      reorg: { forkHeight: 2, oldTip: a[1], newTip: b[2], disconnected: [a[1], a[0]] },
    });
    expect(c.tip).toEqual(b[2]);
    expect(c.isOnBestChain(a[0]!.hash)).toBe(false);
    expect(c.blockAt(3)).toEqual(b[0]);
  });

  test('locator and fork point find where two chains split', () => {
    const c = newChain();
    const bs = buildChain(40, 1);
    addAll(c, bs);
    const loc = c.locator();
    expect(loc[0]).toBe(c.tip.hash);
    expect(loc[loc.length - 1]).toBe(GENESIS_BLOCK.hash);
    expect(loc.length).toBeLessThan(20);
    expect(c.forkPoint([bs[29]!.hash, bs[5]!.hash])).toBe(30);
    expect(c.forkPoint(['11'.repeat(32), bs[5]!.hash])).toBe(6);
    expect(c.forkPoint(['11'.repeat(32)])).toBe(0);
    expect(c.hashesFrom(39)).toEqual([bs[38]!.hash, bs[39]!.hash]);
  });
});
