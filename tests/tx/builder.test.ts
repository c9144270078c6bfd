// Builders for tests and the local peer, and the small Script helpers: BIP34 coinbases, spends
// shaped like the spent output, witness commitments, headers that commit to their txs.
import { toHex, fromHex } from '../../src/util/bytes.js';
import { decodeBlock, headerMerkleRoot, verifyBlockMerkleRoot } from '../../src/tx/block.js';
import { decodeTx, hasWitness, isCoinbase } from '../../src/tx/tx.js';
import {
  buildBlock,
  coinbaseTx,
  spendTx,
  witnessCommitment,
  p2pkhScript,
  p2shScript,
  p2wpkhScript,
  p2wshScript,
  p2trScript,
  opReturnScript,
  WITNESS_COMMITMENT_HEADER,
} from '../../src/tx/builder.js';
import { merkleRoot } from '../../src/tx/merkle.js';
import { isBareMultisig, isPayToPubkey, pushData, pushInt, scriptNum, scriptOps, scriptPushes } from '../../src/tx/script.js';
import { WireError } from '../../src/wire/errors.js';

const h20 = new Uint8Array(20).fill(0xab);
const h32 = new Uint8Array(32).fill(0xcd);

describe('script helpers', () => {
  test.each([
    [0, ''],
    [1, '01'],
    [127, '7f'],
    [128, '8000'],
    [255, 'ff00'],
    [256, '0001'],
    [32767, 'ff7f'],
    [32768, '008000'],
    [-1, '81'],
    [-128, '8080'],
    [500_000, '20a107'],
  ])('scriptNum(%d) = %s (CScriptNum)', (n, hex) => {
    expect(toHex(scriptNum(n))).toBe(hex);
  });

  test('pushInt uses OP_0, OP_1..OP_16 and OP_1NEGATE like CScript << int', () => {
    expect(toHex(pushInt(0))).toBe('00');
    expect(toHex(pushInt(1))).toBe('51');
    expect(toHex(pushInt(16))).toBe('60');
    expect(toHex(pushInt(-1))).toBe('4f');
    expect(toHex(pushInt(17))).toBe('0111');
    expect(toHex(pushInt(227_931))).toBe('035b7a03'); // BIP34 activation height on mainnet
  });

  test('pushData picks the shortest opcode', () => {
    expect(toHex(pushData(new Uint8Array(75))).slice(0, 2)).toBe('4b');
    expect(toHex(pushData(new Uint8Array(76))).slice(0, 4)).toBe('4c4c');
    expect(toHex(pushData(new Uint8Array(256))).slice(0, 6)).toBe('4d0001');
    expect(toHex(pushData(new Uint8Array(65536))).slice(0, 10)).toBe('4e00000100');
  });

  test('scriptOps walks pushes of every form and stops at a truncated push', () => {
    const s = fromHex('00' + '02aabb' + '4c01cc' + '4d0100dd' + '4e01000000ee' + 'ac' + '4c05ff');
    const ops = [...scriptOps(s)];
    expect(ops.map((o) => o.opcode)).toEqual([0x00, 0x02, 0x4c, 0x4d, 0x4e, 0xac]);
    expect(ops.map((o) => (o.data ? toHex(o.data) : null))).toEqual(['', 'aabb', 'cc', 'dd', 'ee', null]);
    expect(scriptPushes(s).map(toHex)).toEqual(['aabb', 'cc', 'dd', 'ee']);
  });

  test('pay-to-pubkey and bare multisig shapes (Core solver.cpp)', () => {
    const key33 = Uint8Array.from([0x02, ...new Uint8Array(32).fill(1)]);
    const key65 = Uint8Array.from([0x04, ...new Uint8Array(64).fill(2)]);
    expect(isPayToPubkey(Uint8Array.from([33, ...key33, 0xac]))).toBe(true);
    expect(isPayToPubkey(Uint8Array.from([65, ...key65, 0xac]))).toBe(true);
    expect(isPayToPubkey(Uint8Array.from([33, 0x05, ...key33.subarray(1), 0xac]))).toBe(false); // bad prefix
    expect(isPayToPubkey(p2pkhScript(h20))).toBe(false);
    const ms = (m: number, keys: Uint8Array[], n: number): Uint8Array => Uint8Array.from([0x50 + m, ...keys.flatMap((k) => [k.length, ...k]), 0x50 + n, 0xae]);
    expect(isBareMultisig(ms(1, [key33, key65], 2))).toBe(true);
    expect(isBareMultisig(ms(2, [key33, key65], 2))).toBe(true);
    expect(isBareMultisig(ms(3, [key33, key65], 2))).toBe(false); // m > n
    expect(isBareMultisig(ms(1, [key33, key65], 3))).toBe(false); // n != key count
    expect(isBareMultisig(ms(1, [key33, new Uint8Array(20)], 2))).toBe(false); // not a key
    expect(isBareMultisig(Uint8Array.of(0x51, 0xae))).toBe(false);
  });

  test('standard output scripts', () => {
    expect(toHex(p2pkhScript(h20))).toBe('76a914' + 'ab'.repeat(20) + '88ac');
    expect(toHex(p2shScript(h20))).toBe('a914' + 'ab'.repeat(20) + '87');
    expect(toHex(p2wpkhScript(h20))).toBe('0014' + 'ab'.repeat(20));
    expect(toHex(p2wshScript(h32))).toBe('0020' + 'cd'.repeat(32));
    expect(toHex(p2trScript(h32))).toBe('5120' + 'cd'.repeat(32));
    expect(toHex(opReturnScript(Uint8Array.of(1, 2)))).toBe('6a020102');
    expect(() => p2pkhScript(h32)).toThrow(WireError);
  });
});

describe('coinbase', () => {
  test.each([1, 16, 17, 227_931, 2_000_000])('height %d: BIP34 push first, then OP_0; null prevout', (height) => {
    const cb = coinbaseTx({ height, outputs: [{ value: 5_000_000_000n, scriptPubKey: p2wpkhScript(h20) }] });
    expect(isCoinbase(cb)).toBe(true);
    const s = cb.inputs[0]!.scriptSig;
    const push = pushInt(height);
    expect(toHex(s.subarray(0, push.length))).toBe(toHex(push));
    expect(s.length).toBeGreaterThanOrEqual(2); // consensus: 2..100 bytes
    expect(toHex(decodeTx(cb.raw).txid)).toBe(toHex(cb.txid));
  });

  test('different extra nonces give different txids at the same height', () => {
    const a = coinbaseTx({ height: 5, outputs: [], extraNonce: Uint8Array.of(1) });
    const b = coinbaseTx({ height: 5, outputs: [], extraNonce: Uint8Array.of(2) });
    expect(toHex(a.txid)).not.toBe(toHex(b.txid));
  });
});

describe('blocks with spends', () => {
  test('a segwit block: P2PKH, P2WPKH and P2TR spends, witness commitment, merkle root, round trip', () => {
    const funding = coinbaseTx({ height: 1, outputs: [
      { value: 1000n, scriptPubKey: p2pkhScript(h20) },
      { value: 2000n, scriptPubKey: p2wpkhScript(h20) },
      { value: 3000n, scriptPubKey: p2trScript(h32) },
    ] });
    const spend = spendTx({
      spends: [
        { prevout: { txid: funding.txid, vout: 0 }, spentScript: p2pkhScript(h20) },
        { prevout: { txid: funding.txid, vout: 1 }, spentScript: p2wpkhScript(h20) },
        { prevout: { txid: funding.txid, vout: 2 }, spentScript: p2trScript(h32) },
      ],
      outputs: [{ value: 5900n, scriptPubKey: p2wshScript(h32) }],
    });
    expect(hasWitness(spend)).toBe(true);
    expect(spend.inputs[0]!.scriptSig.length).toBeGreaterThan(100); // sig + pubkey pushes
    expect(spend.inputs[0]!.witness).toEqual([]);
    expect(spend.inputs[1]!.scriptSig).toHaveLength(0);
    expect(spend.inputs[1]!.witness.map((w) => w.length)).toEqual([72, 33]);
    expect(spend.inputs[2]!.witness.map((w) => w.length)).toEqual([64]);

    const commitment = witnessCommitment([spend]);
    const cb = coinbaseTx({ height: 2, outputs: [{ value: 50n, scriptPubKey: p2pkhScript(h20) }], witnessCommitment: commitment });
    const commitOut = cb.outputs[cb.outputs.length - 1]!.scriptPubKey;
    expect(toHex(commitOut.subarray(0, 6))).toBe(toHex(WITNESS_COMMITMENT_HEADER));
    expect(cb.inputs[0]!.witness).toEqual([new Uint8Array(32)]);

    const block = buildBlock({ prevBlock: new Uint8Array(32), time: 1_700_000_000, bits: 0x207fffff }, [cb, spend]);
    expect(() => verifyBlockMerkleRoot(block)).not.toThrow();
    expect(toHex(headerMerkleRoot(block.header))).toBe(toHex(merkleRoot([cb.txid, spend.txid]).root));
    const back = decodeBlock(block.raw);
    expect(back.txs.map((t) => toHex(t.wtxid))).toEqual([cb, spend].map((t) => toHex(t.wtxid)));
    // the commitment is to the wtxids (coinbase counted as zero) with a zero reserved value
    expect(toHex(commitOut.subarray(6))).toBe(toHex(witnessCommitment(back.txs.slice(1))));
  });

  test('explicit scriptSig / witness win over the dummy', () => {
    const tx = spendTx({ spends: [{ prevout: { txid: h32, vout: 3 }, scriptSig: Uint8Array.of(0x51), witness: [Uint8Array.of(7)], sequence: 5 }], outputs: [], lockTime: 9 });
    expect(toHex(tx.inputs[0]!.scriptSig)).toBe('51');
    expect(tx.inputs[0]!.witness.map(toHex)).toEqual(['07']);
    expect(tx.inputs[0]!.sequence).toBe(5);
    expect(tx.lockTime).toBe(9);
  });

  test('buildBlock refuses an empty block, spendTx an empty spend list', () => {
    expect(() => buildBlock({ prevBlock: h32, time: 0, bits: 0 }, [])).toThrow(WireError);
    expect(() => spendTx({ spends: [], outputs: [] })).toThrow(WireError);
  });
});
