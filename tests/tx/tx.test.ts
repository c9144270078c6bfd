// Transaction and block codec: the real blocks of the reference pack (txids, block hashes,
// merkle roots, byte-exact re-encoding, segwit included), Core's parsing rules, random segwit
// round trips, and a truncation sweep in which only WireError may escape.
import fc from 'fast-check';
import { fromHex, hashToDisplay, toHex } from '../../src/util/bytes.js';
import { WireError } from '../../src/wire/errors.js';
import { decodeTx, makeTx, stripWitness, hasWitness, isCoinbase, baseSize, txWeight, outpointBytes, type Tx } from '../../src/tx/tx.js';
import { decodeBlock, makeBlock, blockMerkleRoot, verifyBlockMerkleRoot, headerMerkleRoot, MAX_BLOCK_SERIALIZED_SIZE } from '../../src/tx/block.js';
import { BLOOM, REAL_BLOCKS } from './vectors.js';
import { arbTx, arbBlock } from './arbitraries.js';
import { errorCode } from '../helpers/errors.js';

const code = (fn: () => unknown): string => errorCode(WireError, fn) ?? 'ok';

describe('real blocks from the reference pack', () => {
  test('the pack has the blocks we expect (3 from merkleblock.json, 10 from BIP158)', () => {
    expect(REAL_BLOCKS).toHaveLength(13);
  });

  test.each(REAL_BLOCKS.map((b) => [b.name, b] as const))('%s: hash, txids, merkle root, byte-exact re-encoding', (_name, b) => {
    const bytes = fromHex(b.hex);
    const block = decodeBlock(bytes);
    expect(hashToDisplay(block.hash)).toBe(b.hash);
    if (b.txids) expect(block.txs.map((t) => hashToDisplay(t.txid))).toEqual(b.txids);
    expect(isCoinbase(block.txs[0]!)).toBe(true);
    expect(block.txs.slice(1).some(isCoinbase)).toBe(false);
    const { root, mutated } = blockMerkleRoot(block.txs);
    expect(mutated).toBe(false);
    expect(toHex(root)).toBe(toHex(headerMerkleRoot(block.header)));
    expect(() => verifyBlockMerkleRoot(block)).not.toThrow();
    // the same bytes come back, from the block and from each tx rebuilt from its fields
    expect(toHex(makeBlock(block.header, block.txs).raw)).toBe(b.hex);
    const rebuilt = block.txs.map((t) => makeTx(t));
    expect(rebuilt.map((t) => toHex(t.raw))).toEqual(block.txs.map((t) => toHex(t.raw)));
    expect(rebuilt.map((t) => toHex(t.txid))).toEqual(block.txs.map((t) => toHex(t.txid)));
  });

  test('the segwit block (testnet 1263442): witness txs have txid != wtxid, txid = hash of the stripped form', () => {
    const b = REAL_BLOCKS.find((x) => x.name.includes('1263442'))!;
    const block = decodeBlock(fromHex(b.hex));
    const segwit = block.txs.filter(hasWitness);
    expect(segwit.length).toBeGreaterThan(0);
    for (const tx of segwit) {
      expect(tx.raw[4]).toBe(0x00); // marker
      expect(tx.raw[5]).toBe(0x01); // flag
      expect(toHex(tx.wtxid)).not.toBe(toHex(tx.txid));
      const stripped = stripWitness(tx);
      expect(toHex(stripped.txid)).toBe(toHex(tx.txid));
      expect(toHex(decodeTx(stripped.raw).txid)).toBe(toHex(tx.txid));
      expect(baseSize(tx)).toBe(stripped.raw.length);
      expect(txWeight(tx)).toBe(stripped.raw.length * 3 + tx.raw.length);
    }
    // the merkle root only matches because txids ignore witnesses: it was checked above
  });

  test('the BIP37 vector transactions parse to their published txids', () => {
    const tx = decodeTx(fromHex(BLOOM.tx_matching.tx_hex));
    expect(hashToDisplay(tx.txid)).toBe(BLOOM.tx_matching.txid);
    const spend = decodeTx(fromHex(BLOOM.tx_matching.spending_tx_hex));
    expect(hashToDisplay(spend.txid)).toBe(BLOOM.tx_matching.spending_txid);
    expect(toHex(spend.inputs[0]!.prevout.txid)).toBe(toHex(tx.txid));
    expect(toHex(outpointBytes(spend.inputs[0]!.prevout))).toBe(toHex(tx.txid) + '00000000');
  });
});

describe('CVE-2012-2459', () => {
  test('duplicating the last tx of an odd-sized block keeps the merkle root but is detected', () => {
    const b = REAL_BLOCKS.find((x) => x.txids?.length === 7)!;
    const block = decodeBlock(fromHex(b.hex));
    const mutated = makeBlock(block.header, [...block.txs, block.txs[6]!]);
    const again = decodeBlock(mutated.raw);
    expect(again.txs).toHaveLength(8);
    const { root, mutated: flag } = blockMerkleRoot(again.txs);
    expect(toHex(root)).toBe(toHex(headerMerkleRoot(block.header))); // same root: the attack works on the root alone
    expect(flag).toBe(true);
    expect(() => verifyBlockMerkleRoot(again)).toThrow(expect.objectContaining({ code: 'mutated' }));
  });

  test('duplicating the last two of six (a,b,c,d,e,f -> ...,e,f,e,f) is detected too', () => {
    const txs = Array.from({ length: 6 }, (_, i) => makeTx({ version: 1, inputs: [{ prevout: { txid: new Uint8Array(32).fill(i + 1), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }], outputs: [], lockTime: 0 }));
    const honest = blockMerkleRoot(txs);
    const forged = blockMerkleRoot([...txs, txs[4]!, txs[5]!]);
    expect(toHex(forged.root)).toBe(toHex(honest.root));
    expect(honest.mutated).toBe(false);
    expect(forged.mutated).toBe(true);
  });

  test('a wrong root and an empty block are rejected with their own codes', () => {
    const block = decodeBlock(fromHex(REAL_BLOCKS[0]!.hex));
    expect(() => verifyBlockMerkleRoot(block, new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'root_mismatch' }));
    expect(() => verifyBlockMerkleRoot({ header: block.header, txs: [] })).toThrow(expect.objectContaining({ code: 'no_transactions' }));
  });
});

describe('parsing rules (Core UnserializeTransaction)', () => {
  const legacy = BLOOM.tx_matching.tx_hex as string;
  const segwitTx = (): Tx => decodeBlock(fromHex(REAL_BLOCKS.find((x) => x.name.includes('1263442'))!.hex)).txs.find(hasWitness)!;

  test('trailing bytes after a tx are rejected', () => {
    expect(code(() => decodeTx(fromHex(legacy + '00')))).toBe('trailing_bytes');
  });

  test('a segwit flag with all witnesses empty is a superfluous witness record', () => {
    const tx = segwitTx();
    const fields = { ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) };
    // hand-write the BIP144 form with empty witnesses: version, 00 01, body, one 00 per input, lockTime
    const stripped = makeTx(fields).raw;
    const body = stripped.subarray(4, stripped.length - 4);
    const forged = new Uint8Array([...stripped.subarray(0, 4), 0, 1, ...body, ...new Uint8Array(tx.inputs.length), ...stripped.subarray(stripped.length - 4)]);
    expect(code(() => decodeTx(forged))).toBe('bad_value');
    expect(() => decodeTx(forged)).toThrow(/superfluous witness/);
  });

  test('unknown flag bits are rejected (flag 0x03 and 0x02)', () => {
    const raw = Uint8Array.from(segwitTx().raw);
    raw[5] = 0x03;
    expect(code(() => decodeTx(raw))).toBe('bad_value');
    expect(() => decodeTx(raw)).toThrow(/unknown optional data/);
    raw[5] = 0x02; // no witness bit: vin and vout are read, then the flag is refused
    expect(() => decodeTx(raw)).toThrow(/unknown optional data \(flag byte 0x2\)/);
  });

  test('non-canonical CompactSize counts are rejected', () => {
    // version 1, vin count 0xfd 0x01 0x00 (non-canonical 1)
    expect(code(() => decodeTx(fromHex('01000000fd0100' + '00'.repeat(41) + '0000000000')))).toBe('non_canonical');
  });

  test('a lying tx count is refused before allocating (count checked against the bytes left)', () => {
    const header = '00'.repeat(80);
    expect(code(() => decodeBlock(fromHex(header + 'fe00000001')))).toBe('too_many');
    expect(code(() => decodeBlock(fromHex(header + 'fd0010' + '00'.repeat(100))))).toBe('truncated');
    expect(code(() => decodeBlock(fromHex(header + 'ffffffffffffffffff')))).toBe('oversized');
  });

  test('a 0-input 0-output tx parses (Core reads the 0 as the flag byte) and round-trips', () => {
    const tx = decodeTx(fromHex('01000000000000000000'));
    expect(tx.inputs).toHaveLength(0);
    expect(tx.outputs).toHaveLength(0);
    expect(toHex(makeTx(tx).raw)).toBe('01000000000000000000');
  });

  test('makeTx refuses outputs without inputs (its bytes would read back as a segwit marker)', () => {
    expect(code(() => makeTx({ version: 1, inputs: [], outputs: [{ value: 1n, scriptPubKey: new Uint8Array(0) }], lockTime: 0 }))).toBe('bad_value');
  });

  test('blocks over 4,000,000 bytes are refused outright', () => {
    expect(code(() => decodeBlock(new Uint8Array(MAX_BLOCK_SERIALIZED_SIZE + 1)))).toBe('oversized');
  });
});

describe('property tests', () => {
  test('random txs (legacy and segwit): decode(raw) gives the same value; txid is the stripped hash', () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        const back = decodeTx(tx.raw);
        expect(back).toEqual(tx);
        expect(toHex(back.raw)).toBe(toHex(tx.raw));
        const stripped = stripWitness(tx);
        expect(toHex(stripped.txid)).toBe(toHex(tx.txid));
        expect(toHex(stripped.wtxid)).toBe(toHex(tx.txid));
        if (hasWitness(tx)) {
          expect(tx.raw[4]).toBe(0);
          expect(tx.raw[5]).toBe(1);
          expect(stripped.raw.length).toBeLessThan(tx.raw.length);
        } else {
          expect(toHex(tx.wtxid)).toBe(toHex(tx.txid));
        }
        expect(baseSize(tx)).toBe(stripped.raw.length);
      }),
      { numRuns: 300 },
    );
  });

  test('random blocks: decode(raw) gives the same block, merkle root verified', () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        const back = decodeBlock(block.raw);
        expect(back.txs.map((t) => toHex(t.raw))).toEqual(block.txs.map((t) => toHex(t.raw)));
        expect(toHex(back.hash)).toBe(toHex(block.hash));
        expect(() => verifyBlockMerkleRoot(back)).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });

  test('random bytes: decodeTx/decodeBlock throw WireError or succeed, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        code(() => decodeTx(bytes));
        code(() => decodeBlock(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test('single-byte mutations of a segwit tx: WireError or a valid tx, nothing else', () => {
    const base = decodeBlock(fromHex(REAL_BLOCKS.find((x) => x.name.includes('1263442'))!.hex)).txs.find(hasWitness)!.raw;
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const m = Uint8Array.from(base);
        m[pos % m.length]! ^= xor;
        code(() => decodeTx(m));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('truncation sweep: every prefix throws WireError', () => {
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['legacy tx', fromHex(BLOOM.tx_matching.tx_hex), decodeTx],
    ...REAL_BLOCKS.map((b): [string, Uint8Array, (b: Uint8Array) => unknown] => [b.name, fromHex(b.hex), decodeBlock]),
  ];
  test.each(cases)('%s', (_name, bytes, decode) => {
    for (let n = 0; n < bytes.length; n++) {
      const prefix = bytes.slice(0, n);
      let threw: unknown;
      try {
        decode(prefix);
      } catch (err) {
        threw = err;
      }
      if (!(threw instanceof WireError)) throw new Error(`prefix of ${n}/${bytes.length} bytes: ${threw === undefined ? 'decoded' : String(threw)}`);
    }
  });

  test('random segwit txs: every prefix throws WireError', () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        for (let n = 0; n < tx.raw.length; n++) {
          const c = code(() => decodeTx(tx.raw.slice(0, n)));
          if (c === 'ok') throw new Error(`prefix ${n} of ${tx.raw.length} decoded`);
        }
      }),
      { numRuns: 100 },
    );
  });
});
