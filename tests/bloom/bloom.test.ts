// BIP37 bloom filters against bip37-bloom.json: MurmurHash3, Core's sizing, the three serialized
// filters, the ten transaction-matching cases, and the update rules (ALL / P2PUBKEY_ONLY / NONE).
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { murmur3 } from '../../src/bloom/murmur3.js';
import { BloomFilter, BloomFlags, bloomSeed, bloomSize } from '../../src/bloom/filter.js';
import { BloomError } from '../../src/bloom/errors.js';
import { bloomElementsForScript, filterBlock, isRelevantAndUpdate } from '../../src/bloom/match.js';
import { decodeTx, makeTx, type Tx } from '../../src/tx/tx.js';
import { buildBlock, coinbaseTx, p2pkhScript, p2trScript, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { verifyMerkleBlock } from '../../src/tx/merkle-block.js';
import { decodePayload, encodePayload } from '../../src/wire/envelope.js';
import { BLOOM } from '../tx/vectors.js';
import { errorCode } from '../helpers/errors.js';

describe('MurmurHash3 x86_32', () => {
  test.each<[string, string, string]>(BLOOM.murmur3_32.map((v: any) => [v.seed, v.data_hex, v.expected]))('seed %s data %j = %s', (seed, data, expected) => {
    expect(murmur3(Number(seed), fromHex(data))).toBe(Number(expected));
  });

  test('the BIP37 text example seed: hash 1 of 4 with tweak 5', () => {
    const ex = BLOOM.parameters.bip37_text_example;
    expect(bloomSeed(ex.hash_index, ex.nTweak)).toBe(ex.seed);
  });
});

describe('filters', () => {
  test.each<[string, any]>(BLOOM.filters.map((f: any) => [f.name, f]))('%s serializes byte for byte', (_name, f: any) => {
    expect(bloomSize(f.nElements, f.fpRate)).toEqual({ bytes: f.derived.filter_size_bytes, hashFuncs: f.derived.nHashFuncs });
    const filter = BloomFilter.create(f.nElements, f.fpRate, f.nTweak, f.nFlags);
    for (const e of f.elements_hex) filter.insert(fromHex(e));
    for (const e of f.elements_hex) expect(filter.contains(fromHex(e))).toBe(true);
    for (const e of f.must_not_contain_hex ?? []) expect(filter.contains(fromHex(e))).toBe(false);
    const payload = encodePayload(filter.toMessage());
    expect(toHex(payload)).toBe(f.expected_serialized_hex);
    // and back: a filter loaded from that message answers the same
    const m = decodePayload('filterload', payload);
    if (m.command !== 'filterload') throw new Error(m.command);
    const loaded = BloomFilter.fromMessage(m);
    for (const e of f.elements_hex) expect(loaded.contains(fromHex(e))).toBe(true);
  });

  test('sizing follows Core to the integer division, and caps at 36,000 bytes / 50 functions', () => {
    expect(bloomSize(10, 0.000001)).toEqual({ bytes: 35, hashFuncs: 19 });
    // 7 elements at 1%: 67 bits -> 8 bytes; 64 / 7 = 9 (integer) x ln 2 = 6.2 -> 6 (not 64/7 x ln2 = 6.34)
    expect(bloomSize(7, 0.01)).toEqual({ bytes: 8, hashFuncs: 6 });
    expect(bloomSize(1_000_000, 0.0001)).toEqual({ bytes: 36_000, hashFuncs: 0 });
    expect(bloomSize(1, 1e-300).hashFuncs).toBe(50);
    expect(bloomSize(1, 0.9)).toEqual({ bytes: 0, hashFuncs: 0 });
  });

  test('a 0-byte filter matches everything and ignores inserts (Core)', () => {
    const f = BloomFilter.create(1, 0.9, 0);
    expect(f.size).toBe(0);
    f.insert(Uint8Array.of(1));
    expect(f.contains(Uint8Array.of(2))).toBe(true);
  });

  test('bad parameters and oversized filters are BloomErrors', () => {
    const code = (fn: () => unknown): string => errorCode(BloomError, fn) ?? 'ok';
    expect(code(() => BloomFilter.create(0, 0.01, 0))).toBe('bad_parameters');
    expect(code(() => BloomFilter.create(10, 0, 0))).toBe('bad_parameters');
    expect(code(() => BloomFilter.create(10, 1, 0))).toBe('bad_parameters');
    expect(code(() => BloomFilter.create(10, 0.01, -1))).toBe('bad_parameters');
    expect(code(() => BloomFilter.create(10, 0.01, 0, 256))).toBe('bad_parameters');
    expect(code(() => BloomFilter.fromMessage({ filter: new Uint8Array(36_001), hashFuncs: 1, tweak: 0, flags: 0 }))).toBe('too_large');
    expect(code(() => BloomFilter.fromMessage({ filter: new Uint8Array(10), hashFuncs: 51, tweak: 0, flags: 0 }))).toBe('too_large');
    expect(code(() => BloomFilter.fromMessage({ filter: new Uint8Array(36_000), hashFuncs: 50, tweak: 0xffffffff, flags: 2 }))).toBe('ok');
  });

  test('no false negatives, and a false-positive rate near the one asked for', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 0xffffffff }), (els, tweak) => {
        const f = BloomFilter.create(els.length, 0.01, tweak);
        for (const e of els) f.insert(e);
        for (const e of els) expect(f.contains(e)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const f = BloomFilter.create(1000, 0.01, 12345);
    for (let i = 0; i < 1000; i++) f.insert(Uint8Array.of(1, i >> 8, i & 0xff));
    let fp = 0;
    for (let i = 0; i < 20_000; i++) if (f.contains(Uint8Array.of(2, i >> 8, i & 0xff, 7))) fp++;
    expect(fp / 20_000).toBeLessThan(0.03); // p = 0.01; generous for 20,000 deterministic trials
  });
});

describe('BIP37 transaction matching (Core bloom_tests.cpp bloom_match)', () => {
  const tm = BLOOM.tx_matching;
  const tx = decodeTx(fromHex(tm.tx_hex));
  const spending = decodeTx(fromHex(tm.spending_tx_hex));

  test('ten cases', () => expect(tm.cases).toHaveLength(10));

  test.each<[string, any]>(tm.cases.map((c: any) => [c.description, c]))('%s', (_d, c: any) => {
    const filter = BloomFilter.create(10, 0.000001, 0, BloomFlags.UPDATE_ALL);
    filter.insert(fromHex(c.insert_hex));
    expect(isRelevantAndUpdate(filter, tx)).toBe(c.matches_tx);
    if (c.then_matches_spending_tx !== undefined) expect(isRelevantAndUpdate(filter, spending)).toBe(c.then_matches_spending_tx);
  });

  test('with UPDATE_NONE the output match does not carry over to the spending tx', () => {
    const c = tm.cases.find((x: any) => x.then_matches_spending_tx);
    const filter = BloomFilter.create(10, 0.000001, 0, BloomFlags.UPDATE_NONE);
    filter.insert(fromHex(c.insert_hex));
    expect(isRelevantAndUpdate(filter, tx)).toBe(true);
    expect(isRelevantAndUpdate(filter, spending)).toBe(false);
  });
});

describe('update rules on generated transactions', () => {
  const key = Uint8Array.from([0x02, ...new Uint8Array(32).fill(9)]);
  const p2pk = Uint8Array.from([33, ...key, 0xac]);
  const h20 = new Uint8Array(20).fill(3);
  const make = (outs: Uint8Array[]): Tx => makeTx({ version: 1, inputs: [{ prevout: { txid: new Uint8Array(32).fill(1), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }], outputs: outs.map((s) => ({ value: 1n, scriptPubKey: s })), lockTime: 0 });

  test('P2PUBKEY_ONLY inserts outpoints of pay-to-pubkey outputs only', () => {
    const tx = make([p2pk, p2pkhScript(h20)]);
    const f = BloomFilter.create(10, 0.000001, 0, BloomFlags.UPDATE_P2PUBKEY_ONLY);
    f.insert(key);
    f.insert(h20);
    expect(isRelevantAndUpdate(f, tx)).toBe(true);
    expect(f.containsOutpoint({ txid: tx.txid, vout: 0 })).toBe(true);
    expect(f.containsOutpoint({ txid: tx.txid, vout: 1 })).toBe(false);
  });

  test('UPDATE_ALL inserts the outpoint of every matching output; a later spend then matches', () => {
    const tx = make([p2wpkhScript(h20), p2trScript(new Uint8Array(32).fill(4))]);
    const f = BloomFilter.create(10, 0.000001, 0, BloomFlags.UPDATE_ALL);
    for (const e of bloomElementsForScript(p2wpkhScript(h20))) f.insert(e);
    expect(isRelevantAndUpdate(f, tx)).toBe(true);
    expect(f.containsOutpoint({ txid: tx.txid, vout: 0 })).toBe(true);
    expect(f.containsOutpoint({ txid: tx.txid, vout: 1 })).toBe(false);
    const spend = spendTx({ spends: [{ prevout: { txid: tx.txid, vout: 0 }, spentScript: p2wpkhScript(h20) }], outputs: [] });
    expect(isRelevantAndUpdate(f, spend)).toBe(true); // via the outpoint: the witness is never looked at
  });

  test('bloomElementsForScript gives the hash / key pushes of standard scripts', () => {
    expect(bloomElementsForScript(p2pkhScript(h20)).map(toHex)).toEqual([toHex(h20)]);
    expect(bloomElementsForScript(p2wpkhScript(h20)).map(toHex)).toEqual([toHex(h20)]);
    expect(bloomElementsForScript(p2trScript(new Uint8Array(32).fill(4))).map(toHex)).toEqual(['04'.repeat(32)]);
    expect(bloomElementsForScript(p2pk).map(toHex)).toEqual([toHex(key)]);
  });

  test('filterBlock on a generated chain piece: receive then spend, proven by a verifiable merkleblock', () => {
    const mine = p2wpkhScript(h20);
    const cb = coinbaseTx({ height: 1, outputs: [{ value: 50n, scriptPubKey: p2pkhScript(new Uint8Array(20)) }] });
    const pay = spendTx({ spends: [{ prevout: { txid: cb.txid, vout: 0 } }], outputs: [{ value: 40n, scriptPubKey: mine }] });
    const other = spendTx({ spends: [{ prevout: { txid: new Uint8Array(32).fill(8), vout: 1 } }], outputs: [{ value: 1n, scriptPubKey: p2pkhScript(new Uint8Array(20).fill(5)) }] });
    const spend = spendTx({ spends: [{ prevout: { txid: pay.txid, vout: 0 }, spentScript: mine }], outputs: [{ value: 30n, scriptPubKey: p2pkhScript(new Uint8Array(20).fill(6)) }] });
    const block = buildBlock({ prevBlock: new Uint8Array(32), time: 1, bits: 0x207fffff }, [cb, pay, other, spend]);
    const f = BloomFilter.create(10, 0.000001, 77, BloomFlags.UPDATE_ALL);
    for (const e of bloomElementsForScript(mine)) f.insert(e);
    const { merkleBlock, matches } = filterBlock(f, block);
    expect(matches.map((m) => m.index)).toEqual([1, 3]);
    expect(verifyMerkleBlock(merkleBlock).map((m) => toHex(m.txid))).toEqual([pay, spend].map((t) => toHex(t.txid)));
  });
});
