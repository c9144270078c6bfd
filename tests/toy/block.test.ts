// Toy blocks: the fixed genesis, the documented hash preimage, proof of work, mining and the
// strict JSON shape check.
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  blockToJson, checkBlock, computeBlockHash, GENESIS_BLOCK, hashPreimage, MAX_DATA_BYTES, meetsDifficulty, mineBlock, parseBlock,
  ToyError, type ToyBlock,
} from '../../src/toy/index.js';
import { toHex } from '../../src/util/bytes.js';
import { errorCode } from '../helpers/errors.js';

const code = (f: () => unknown): string => errorCode(ToyError, f) ?? 'no error';

describe('toy block', () => {
  test('the genesis block is fixed (a vector every node must agree on)', () => {
    expect(GENESIS_BLOCK.index).toBe(0);
    expect(GENESIS_BLOCK.prev_hash).toBe('0'.repeat(64));
    expect(GENESIS_BLOCK.hash).toBe('f3ed036195a218d2b494d98c6d667ce545b9eb5d42698f29e91438849420c9fd');
  });

  test('the preimage is compact JSON of every field but hash, in the documented order', () => {
    const t = { index: 1, timestamp: 1700000000, nonce: 42, data: 'hi "there"', prev_hash: 'ab'.repeat(32), transactions: [{ sender: 'a', receiver: 'b', amount: 5 }] };
    const pre = hashPreimage(t);
    expect(pre).toBe(
      `{"index":1,"timestamp":1700000000,"nonce":42,"data":"hi \\"there\\"","prev_hash":"${'ab'.repeat(32)}","transactions":[{"sender":"a","receiver":"b","amount":5}]}`,
    );
    expect(computeBlockHash(t)).toBe(toHex(sha256(new TextEncoder().encode(pre))));
  });

  test('mining at the default difficulty 2 finds a hash with two zero bytes that validates', () => {
    const b = mineBlock({ index: 1, timestamp: 1750000000, nonce: 0, data: 'difficulty two', prev_hash: GENESIS_BLOCK.hash, transactions: [] }, 2);
    expect(b.hash.startsWith('0000')).toBe(true);
    expect(computeBlockHash(b)).toBe(b.hash);
    expect(() => checkBlock(b, 2)).not.toThrow();
    expect(code(() => checkBlock(b, 3))).toBe(b.hash.startsWith('000000') ? 'no error' : 'bad_pow');
  });

  test('meetsDifficulty counts whole zero bytes', () => {
    expect(meetsDifficulty('00ff' + '1'.repeat(60), 1)).toBe(true);
    expect(meetsDifficulty('0fff' + '1'.repeat(60), 1)).toBe(false);
    expect(meetsDifficulty('0000' + '1'.repeat(60), 2)).toBe(true);
    expect(meetsDifficulty('ffff' + '1'.repeat(60), 0)).toBe(true);
  });

  test('checkBlock: bad hash, bad proof of work, huge data', () => {
    const b = mineBlock({ index: 1, timestamp: 1750000000, nonce: 0, data: 'x', prev_hash: GENESIS_BLOCK.hash, transactions: [] }, 1);
    expect(code(() => checkBlock({ ...b, data: 'y' }, 1))).toBe('bad_hash');
    const weak = { ...b, nonce: 0 };
    const weakHashed = { ...weak, hash: computeBlockHash(weak) };
    if (!weakHashed.hash.startsWith('00')) expect(code(() => checkBlock(weakHashed, 1))).toBe('bad_pow');
    expect(code(() => checkBlock({ ...b, data: 'z'.repeat(MAX_DATA_BYTES + 1) }, 1))).toBe('data_too_large');
  });

  test('parseBlock rejects every wrong shape', () => {
    const good = JSON.parse(blockToJson(GENESIS_BLOCK)) as Record<string, unknown>;
    expect(parseBlock(good)).toEqual(GENESIS_BLOCK);
    const bad: unknown[] = [
      null, 42, 'BLOCK', [], {},
      { ...good, extra: 1 },
      { ...good, index: -1 }, { ...good, index: 1.5 }, { ...good, index: '1' },
      { ...good, timestamp: null }, { ...good, nonce: 1e300 },
      { ...good, data: 5 }, { ...good, prev_hash: 'xyz' }, { ...good, hash: 'AB'.repeat(32) },
      { ...good, transactions: {} }, { ...good, transactions: [1] },
      { ...good, transactions: [{ sender: 'a', receiver: 'b' }] },
      { ...good, transactions: [{ sender: 'a', receiver: 'b', amount: -1 }] },
      { ...good, transactions: [{ sender: 'a', receiver: 'b', amount: 1, memo: 'x' }] },
    ];
    for (const v of bad) expect(code(() => parseBlock(v))).toMatch(/^(bad_shape|too_many_transactions)$/);
    const { hash: _omit, ...missing } = good;
    expect(code(() => parseBlock(missing))).toBe('bad_shape');
  });

  test('JSON round trip (property)', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    const tx = fc.record({ sender: fc.string({ maxLength: 20 }), receiver: fc.string({ maxLength: 20 }), amount: fc.nat() });
    const block = fc.record({
      index: fc.nat(), timestamp: fc.nat(), nonce: fc.nat(), data: fc.string({ maxLength: 200 }),
      prev_hash: hex, hash: hex, transactions: fc.array(tx, { maxLength: 5 }),
    });
    fc.assert(
      fc.property(block, (b: ToyBlock) => {
        expect(parseBlock(JSON.parse(blockToJson(b)))).toEqual(b);
      }),
    );
  });
});
