// BIP37 merkleblocks and partial merkle trees: all merkleblock.json cases (filter -> matched
// txs -> payload, byte for byte, and back), the captured mainnet message, the three invalid
// payloads with their reasons, every other rejection of protocol.md 8.4, and property tests.
import fc from 'fast-check';
import { fromHex, hashToDisplay, toHex } from '../../src/util/bytes.js';
import { decodeBlock } from '../../src/tx/block.js';
import { MerkleError } from '../../src/tx/errors.js';
import { merkleRoot } from '../../src/tx/merkle.js';
import { merkleBlockFor, verifyMerkleBlock } from '../../src/tx/merkle-block.js';
import { buildPartialMerkleTree, extractMatches, verifyPartialMerkleTree, MAX_PARTIAL_TREE_TRANSACTIONS, type PartialMerkleTree } from '../../src/tx/partial-merkle.js';
import { BloomFilter } from '../../src/bloom/filter.js';
import { filterBlock } from '../../src/bloom/match.js';
import { decodePayload, encodePayload } from '../../src/wire/envelope.js';
import type { MerkleBlockMessage } from '../../src/wire/message.js';
import { decodeOne } from '../wire/helpers.js';
import { MERKLEBLOCK } from './vectors.js';
import { errorCode } from '../helpers/errors.js';

function merkleBlockFrom(hex: string): MerkleBlockMessage {
  const m = decodePayload('merkleblock', fromHex(hex));
  if (m.command !== 'merkleblock') throw new Error(m.command);
  return m;
}

const merkleCode = (fn: () => unknown): string => errorCode(MerkleError, fn) ?? 'ok';

const display = (ms: readonly { index: number; txid: Uint8Array }[]): { index: number; txid: string }[] => ms.map((m) => ({ index: m.index, txid: hashToDisplay(m.txid) }));

describe('merkleblock.json cases', () => {
  test('six cases', () => expect(MERKLEBLOCK.cases).toHaveLength(6));

  test.each<[string, any]>(MERKLEBLOCK.cases.map((c: any) => [c.name, c]))('%s: the filter matches the expected txs and the merkleblock is byte-exact', (_name, c: any) => {
    const payloadHex: string = c.merkleblock_payload_hex ?? c.expected_merkleblock_payload_hex;
    const block = decodeBlock(fromHex(c.block_hex));
    expect(hashToDisplay(block.hash)).toBe(c.block_hash);
    const filter = BloomFilter.create(c.filter.nElements, c.filter.fpRate, c.filter.nTweak, c.filter.nFlags);
    for (const e of c.filter.inserted_hex) filter.insert(fromHex(e));
    const { merkleBlock, matches } = filterBlock(filter, block);
    expect(display(matches)).toEqual(c.expected_matched);
    expect(matches.map((m) => toHex(m.tx.txid))).toEqual(matches.map((m) => toHex(m.txid)));
    expect(toHex(encodePayload(merkleBlock))).toBe(payloadHex);
    // and the client side: the published payload proves exactly these txs
    expect(display(verifyMerkleBlock(merkleBlockFrom(payloadHex)))).toEqual(c.expected_matched);
    // building from the match set alone gives the same tree
    const set = new Set(c.expected_matched.map((m: any) => m.index));
    expect(toHex(encodePayload({ command: 'merkleblock', ...merkleBlockFor(block, block.txs.map((_, i) => set.has(i))) }))).toBe(payloadHex);
  });

  test('captured mainnet message: frame-decoded, verified, and rebuilt from block + {index 4}', () => {
    const cap = MERKLEBLOCK.captured_message;
    const m = decodeOne(fromHex('f9beb4d9'), cap.full_message_hex);
    expect(m.command).toBe('merkleblock');
    if (m.command !== 'merkleblock') return;
    expect(m.totalTransactions).toBe(cap.total_transactions);
    expect(display(verifyMerkleBlock(m))).toEqual(cap.expected_matched);
    const blockCase = MERKLEBLOCK.cases.find((c: any) => c.block_hash === cap.block_hash);
    const block = decodeBlock(fromHex(blockCase.block_hex));
    expect(toHex(encodePayload({ command: 'merkleblock', ...merkleBlockFor(block, block.txs.map((_, i) => i === 4)) }))).toBe(cap.merkleblock_payload_hex);
  });

  const REASONS: Record<string, string> = { extra_hash: 'hashes_left_over', missing_hash: 'hashes_exhausted', extra_flag_byte: 'bits_left_over' };
  test.each<[string, any]>(MERKLEBLOCK.invalid.map((c: any) => [c.name, c]))('invalid %s is rejected for its reason', (name, c: any) => {
    const m = merkleBlockFrom(c.merkleblock_payload_hex); // syntactically fine
    expect(merkleCode(() => verifyMerkleBlock(m))).toBe(REASONS[name]);
  });
});

function headerWithRoot(root: Uint8Array): Uint8Array {
  const h = new Uint8Array(80);
  h.set(root, 36);
  return h;
}

/** Txids 1..n (distinct), wire order. */
function txids(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, i + 1, true);
    h[31] = 0x5a;
    return h;
  });
}

describe('every rejection of protocol.md 8.4', () => {
  const ids = txids(7);
  const root = merkleRoot(ids).root;
  const good = buildPartialMerkleTree(ids, [false, true, false, false, true, false, true]);

  test('the honest tree verifies', () => {
    expect(verifyPartialMerkleTree(good, root).map((m) => m.index)).toEqual([1, 4, 6]);
  });

  const cases: [string, PartialMerkleTree, string][] = [
    ['zero transactions', { ...good, totalTransactions: 0 }, 'no_transactions'],
    ['more transactions than fit in a block', { ...good, totalTransactions: MAX_PARTIAL_TREE_TRANSACTIONS + 1 }, 'too_many_transactions'],
    ['more hashes than transactions', { totalTransactions: 2, hashes: txids(3), flags: Uint8Array.of(0xff) }, 'too_many_hashes'],
    ['fewer flag bits than hashes', { totalTransactions: 12, hashes: txids(9), flags: Uint8Array.of(0xff) }, 'too_few_bits'],
    ['flag bits run out', { ...good, flags: good.flags.subarray(0, 1).map(() => 0xff) }, 'bits_exhausted'],
    ['hashes run out', { ...good, hashes: good.hashes.slice(0, -1) }, 'hashes_exhausted'],
    ['a hash left over', { ...good, hashes: [...good.hashes, ids[0]!] }, 'hashes_left_over'],
    ['a whole unused flag byte', { ...good, flags: Uint8Array.of(...good.flags, 0) }, 'bits_left_over'],
    ['a changed hash', { ...good, hashes: good.hashes.map((h, i) => (i === 0 ? h.map((b) => b ^ 1) : h)) }, 'root_mismatch'],
    ['a different tx count (another tree shape: the walk needs more hashes)', { ...good, totalTransactions: 8 }, 'hashes_exhausted'],
    ['a different tx count (fewer leaves: hashes left)', { ...good, totalTransactions: 6 }, 'hashes_left_over'],
  ];
  test.each(cases)('%s', (_name, tree, want) => {
    expect(merkleCode(() => verifyPartialMerkleTree(tree, root))).toBe(want);
  });

  test('CVE-2012-2459: a tree over [a,b,c,c] has the root of [a,b,c] but is rejected as duplicate', () => {
    const three = txids(3);
    const forgedIds = [three[0]!, three[1]!, three[2]!, three[2]!];
    expect(toHex(merkleRoot(forgedIds).root)).toBe(toHex(merkleRoot(three).root));
    const forged = buildPartialMerkleTree(forgedIds, [false, false, false, true]);
    expect(merkleCode(() => verifyPartialMerkleTree(forged, merkleRoot(three).root))).toBe('duplicate_hash');
    // the honest 3-tx proof of the same tx verifies
    expect(verifyPartialMerkleTree(buildPartialMerkleTree(three, [false, false, true]), merkleRoot(three).root).map((m) => m.index)).toEqual([2]);
  });

  test('unused bits inside the final byte are fine (Core only rejects whole unused bytes)', () => {
    // 7 txs, match index 0: bits root, h2/0, h1/0, leaf 0, leaf 1, h1/1, h2/1 = 7 bits, 1 byte
    const t = buildPartialMerkleTree(ids, [true, false, false, false, false, false, false]);
    expect(toHex(t.flags)).toBe('0f');
    const padded = { ...t, flags: Uint8Array.of(0x8f) };
    expect(verifyPartialMerkleTree(padded, root).map((m) => m.index)).toEqual([0]);
  });
});

describe('property tests', () => {
  const arbCase = fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.boolean(), { minLength: n, maxLength: n })));

  test('build -> extract: the matches, in order, and the full merkle root', () => {
    fc.assert(
      fc.property(arbCase, ([n, matched]) => {
        const ids = txids(n);
        const tree = buildPartialMerkleTree(ids, matched);
        const { root, matches } = extractMatches(tree);
        expect(toHex(root)).toBe(toHex(merkleRoot(ids).root));
        expect(matches.map((m) => m.index)).toEqual(matched.flatMap((m, i) => (m ? [i] : [])));
        expect(matches.every((m) => toHex(m.txid) === toHex(ids[m.index]!))).toBe(true);
        expect(tree.hashes.length).toBeLessThanOrEqual(n);
        // and it survives the wire
        const msg: MerkleBlockMessage = { command: 'merkleblock', header: new Uint8Array(80), ...tree };
        const wire = encodePayload(msg);
        expect(toHex(encodePayload(decodePayload('merkleblock', wire)))).toBe(toHex(wire));
      }),
      { numRuns: 200 },
    );
  });

  test('any mutation of an honest tree: MerkleError, or only real txids at their real positions', () => {
    fc.assert(
      fc.property(arbCase, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('flag', 'hash', 'total'), ([n, matched], at, xor, what) => {
        const ids = txids(n);
        const root = merkleRoot(ids).root;
        const tree = buildPartialMerkleTree(ids, matched);
        let bad: PartialMerkleTree;
        if (what === 'flag') bad = { ...tree, flags: tree.flags.map((b, i) => (i === at % tree.flags.length ? b ^ xor : b)) };
        else if (what === 'hash') bad = { ...tree, hashes: tree.hashes.map((h, i) => (i === at % tree.hashes.length ? h.map((b, j) => (j === xor % 32 ? b ^ xor : b)) : h)) };
        else bad = { ...tree, totalTransactions: (tree.totalTransactions + 1 + (at % 20)) >>> 0 };
        let err: unknown;
        try {
          verifyPartialMerkleTree(bad, root);
        } catch (e) {
          err = e;
        }
        if (err !== undefined) {
          if (!(err instanceof MerkleError)) throw err;
          return;
        }
        // accepted: then it still proves only real txids at their real positions (changed flag
        // bits can change what is reported as matched, and an unmatched subtree's hash does not
        // commit to the tx count; neither lets a peer slip in a tx that is not in the block)
        if (what === 'hash') throw new Error('a changed hash still proved the root');
        const ms = verifyPartialMerkleTree(bad, root);
        for (const m of ms) expect(toHex(m.txid)).toBe(toHex(ids[m.index]!));
      }),
      { numRuns: 500 },
    );
  });

  test('random trees: only MerkleError escapes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }), fc.uint8Array({ maxLength: 12 }), (total, hashes, flags) => {
        merkleCode(() => extractMatches({ totalTransactions: total, hashes, flags }));
      }),
      { numRuns: 2000 },
    );
  });

  test('a full-size block of 16,666 txs, all matched and none matched', () => {
    const ids = txids(MAX_PARTIAL_TREE_TRANSACTIONS);
    const root = merkleRoot(ids).root;
    const all = buildPartialMerkleTree(ids, ids.map(() => true));
    expect(verifyPartialMerkleTree(all, root)).toHaveLength(ids.length);
    expect(all.hashes).toHaveLength(ids.length);
    const wire = encodePayload({ command: 'merkleblock', header: new Uint8Array(80), ...all });
    expect(verifyMerkleBlock({ ...merkleBlockFrom(toHex(wire)), header: headerWithRoot(root) })).toHaveLength(ids.length);
    const none = buildPartialMerkleTree(ids, ids.map(() => false));
    expect(none.hashes).toHaveLength(1);
    expect(verifyPartialMerkleTree(none, root)).toEqual([]);
  });
});
