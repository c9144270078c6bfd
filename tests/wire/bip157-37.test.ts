// The BIP37 / BIP157 / tx / block messages through the wire layer: per-command caps (and which
// breaches Core treats as misbehaviour), full-size blocks, real blocks in random chunks, and
// the decoded objects handed to the protocol layer.
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import type { Frame } from '../../src/net/codec.js';
import type { Message } from '../../src/wire/message.js';
import { sha256dFast } from '../../src/util/sha256d-fast.js';
import { WireError } from '../../src/wire/errors.js';
import { decodePayload, encodeMessage, encodePayload, maxPayloadFor } from '../../src/wire/envelope.js';
import { BitcoinFrameDecoder } from '../../src/wire/frame-decoder.js';
import { ByteWriter } from '../../src/codec/writer.js';
import { decodeBlock, MAX_BLOCK_SERIALIZED_SIZE } from '../../src/tx/block.js';
import { buildBlock, coinbaseTx } from '../../src/tx/builder.js';
import { verifyBlockMerkleRoot } from '../../src/tx/block.js';
import { MERKLEBLOCK } from '../tx/vectors.js';
import { MAINNET_MAGIC, decodeFrames } from './helpers.js';
import { MAX_BASIC_FILTER_BYTES } from '../../src/wire/messages/cfilter.js';

const MAGIC = MAINNET_MAGIC;

function frame(command: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(24 + payload.length);
  out.set(MAGIC, 0);
  out.set(new TextEncoder().encode(command), 4);
  new DataView(out.buffer).setUint32(16, payload.length, true);
  out.set(sha256dFast(payload).subarray(0, 4), 20);
  out.set(payload, 24);
  return out;
}

function one(command: string, payload: Uint8Array): Frame<Message> {
  const frames = decodeFrames(MAGIC, frame(command, payload));
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

function invalid(f: Frame<Message>): { code: string; misbehaving: boolean } {
  if (f.kind !== 'invalid') throw new Error(`expected an invalid frame, got ${f.kind}`);
  return { code: f.error.code, misbehaving: f.misbehaving === true };
}

const hash = (b: number): Uint8Array => new Uint8Array(32).fill(b);

describe('per-command caps', () => {
  test('filterload: 36,000 bytes and 50 functions pass; more is misbehaviour', () => {
    const max = encodePayload({ command: 'filterload', filter: new Uint8Array(36_000).fill(1), hashFuncs: 50, tweak: 7, flags: 2 });
    expect(max.length).toBe(maxPayloadFor('filterload'));
    const ok = one('filterload', max);
    expect(ok.kind === 'message' && ok.message.command === 'filterload' && ok.message.filter.length).toBe(36_000);
    // 36,001 bytes: the payload exceeds the cap, skipped from the header alone
    const big = new ByteWriter().compactSize(36_001).bytes(new Uint8Array(36_001)).u32le(1).u32le(0).u8(0).finish();
    expect(invalid(one('filterload', big))).toEqual({ code: 'oversized', misbehaving: true });
    // a length claiming 36,001 inside a small payload, and 51 hash functions
    expect(invalid(one('filterload', fromHex('fda18c')))).toEqual({ code: 'too_many', misbehaving: true });
    const fns = new ByteWriter().compactSize(1).u8(0).u32le(51).u32le(0).u8(0).finish();
    expect(invalid(one('filterload', fns))).toEqual({ code: 'too_many', misbehaving: true });
    expect(() => encodePayload({ command: 'filterload', filter: new Uint8Array(1), hashFuncs: 51, tweak: 0, flags: 0 })).toThrow(WireError);
  });

  test('filteradd: 520 bytes pass, 521 is misbehaviour', () => {
    const f = one('filteradd', encodePayload({ command: 'filteradd', data: new Uint8Array(520) }));
    expect(f.kind === 'message' && f.message.command).toBe('filteradd');
    const big = new ByteWriter().compactSize(521).bytes(new Uint8Array(521)).finish();
    expect(invalid(one('filteradd', big))).toEqual({ code: 'oversized', misbehaving: true });
    expect(invalid(one('filteradd', fromHex('fd0902')))).toEqual({ code: 'too_many', misbehaving: true });
    expect(() => encodePayload({ command: 'filteradd', data: new Uint8Array(521) })).toThrow(WireError);
  });

  test.each([
    ['cfheaders', (n: number): Message => ({ command: 'cfheaders', filterType: 0, stopHash: hash(1), previousFilterHeader: hash(2), filterHashes: Array.from({ length: n }, () => hash(3)) })],
    ['cfcheckpt', (n: number): Message => ({ command: 'cfcheckpt', filterType: 0, stopHash: hash(1), filterHeaders: Array.from({ length: n }, () => hash(3)) })],
  ] as const)('%s: 2000 entries pass, 2001 are too many', (command, make) => {
    const max = encodePayload(make(2000));
    expect(max.length).toBe(maxPayloadFor(command));
    expect(one(command, max).kind).toBe('message');
    expect(() => encodePayload(make(2001))).toThrow(WireError);
    // 2001 entries in a payload that still fits under the byte cap (count field lies upward)
    const lying = Uint8Array.from(max);
    const countAt = command === 'cfheaders' ? 65 : 33;
    expect(lying[countAt]).toBe(0xfd);
    new DataView(lying.buffer).setUint16(countAt + 1, 2001, true);
    expect(invalid(one(command, lying))).toEqual({ code: 'too_many', misbehaving: true });
  });

  test('merkleblock: more than 16,666 hashes are too many; a lying hash count is truncated', () => {
    const w = new ByteWriter().bytes(new Uint8Array(80)).u32le(20_000).compactSize(16_667);
    expect(invalid(one('merkleblock', w.finish()))).toMatchObject({ code: 'too_many' });
    const lying = new ByteWriter().bytes(new Uint8Array(80)).u32le(3).compactSize(3).bytes(hash(1)).finish();
    expect(invalid(one('merkleblock', lying)).code).toBe('truncated');
  });

  test('cfilter carries up to the largest BIP158 filter of a valid block; BIP157 requests are fixed-size', () => {
    const f = one('cfilter', encodePayload({ command: 'cfilter', filterType: 0, blockHash: hash(9), filter: new Uint8Array(100_000).fill(5) }));
    expect(f.kind === 'message' && f.message.command === 'cfilter' && f.message.filter.length).toBe(100_000);
    // 100,000 elements at most (4,000,000 WU / 40 WU per 10-byte output), ~21.5 bits each.
    expect(MAX_BASIC_FILTER_BYTES).toBe(268_720);
    const largest = one('cfilter', encodePayload({ command: 'cfilter', filterType: 0, blockHash: hash(9), filter: new Uint8Array(MAX_BASIC_FILTER_BYTES) }));
    expect(largest.kind).toBe('message');
    // One byte more: refused from the frame header, before the payload is buffered, as misbehaviour.
    const over = new ByteWriter().u8(0).bytes(hash(9)).compactSize(MAX_BASIC_FILTER_BYTES + 1).bytes(new Uint8Array(MAX_BASIC_FILTER_BYTES + 1)).finish();
    expect(invalid(one('cfilter', over))).toEqual({ code: 'oversized', misbehaving: true });
    expect(invalid(one('cfilter', new Uint8Array(1_000_000)))).toEqual({ code: 'oversized', misbehaving: true });
    expect(invalid(one('getcfilters', new Uint8Array(38))).code).toBe('oversized');
    expect(invalid(one('getcfheaders', new Uint8Array(36))).code).toBe('truncated');
    expect(invalid(one('getcfcheckpt', new Uint8Array(34))).code).toBe('oversized');
    expect(invalid(one('mempool', new Uint8Array(1))).code).toBe('oversized');
    expect(invalid(one('filterclear', new Uint8Array(1))).code).toBe('oversized');
  });
});

describe('tx and block messages', () => {
  const realBlock = (): Uint8Array => fromHex(MERKLEBLOCK.cases.find((c: any) => c.all_txids_in_block_order?.length === 7).block_hex);

  test('a real block decodes the same in random chunks, keeping its raw bytes', () => {
    const payload = realBlock();
    const wire = encodeMessage(MAGIC, { command: 'block', block: decodeBlock(payload) });
    expect(toHex(wire.subarray(24))).toBe(toHex(payload));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (cuts) => {
        const frames = decodeFrames(MAGIC, concatBytes([wire, wire]), cuts);
        expect(frames.map((f) => f.kind)).toEqual(['message', 'message']);
        for (const f of frames) {
          if (f.kind !== 'message' || f.message.command !== 'block') throw new Error('not a block');
          expect(toHex(f.message.block.raw)).toBe(toHex(payload));
          expect(f.message.block.txs).toHaveLength(7);
        }
      }),
      { numRuns: 50 },
    );
  });

  test('each tx of the block travels as a tx message and comes back with the same txid', () => {
    for (const tx of decodeBlock(realBlock()).txs) {
      const m = decodePayload('tx', encodePayload({ command: 'tx', tx }));
      expect(m.command === 'tx' && toHex(m.tx.txid)).toBe(toHex(tx.txid));
    }
  });

  test('a block of exactly 4,000,000 bytes is accepted; one byte more is refused', () => {
    const filler = (n: number) => coinbaseTx({ height: 1, outputs: [{ value: 0n, scriptPubKey: new Uint8Array(n) }] });
    const probe = buildBlock({ prevBlock: hash(0), time: 0, bits: 0 }, [filler(100_000)]);
    let n = 100_000 + (MAX_BLOCK_SERIALIZED_SIZE - probe.raw.length);
    let block = buildBlock({ prevBlock: hash(0), time: 0, bits: 0 }, [filler(n)]);
    n += MAX_BLOCK_SERIALIZED_SIZE - block.raw.length; // the script's CompactSize grew from 5 to... still 5 bytes
    block = buildBlock({ prevBlock: hash(0), time: 0, bits: 0 }, [filler(n)]);
    expect(block.raw.length).toBe(MAX_BLOCK_SERIALIZED_SIZE);
    const d = new BitcoinFrameDecoder(MAGIC);
    const frames = d.push(encodeMessage(MAGIC, { command: 'block', block }));
    expect(frames.map((f) => f.kind)).toEqual(['message']);
    const got = frames[0]!.kind === 'message' ? frames[0]!.message : undefined;
    if (got?.command !== 'block') throw new Error('not a block');
    expect(() => verifyBlockMerkleRoot(got.block)).not.toThrow();
    expect(() => buildBlock({ prevBlock: hash(0), time: 0, bits: 0 }, [filler(n + 1)])).toThrow(expect.objectContaining({ code: 'oversized' }));
    const tooBig = concatBytes([block.raw, Uint8Array.of(0)]);
    const f = one('block', tooBig); // above MAX_PROTOCOL_MESSAGE_LENGTH: Core drops the connection
    expect(f.kind === 'fatal' && f.error.code).toBe('oversized');
    expect(() => decodeBlock(tooBig)).toThrow(expect.objectContaining({ code: 'oversized' }));
  });

  test('a truncated or padded block payload is an invalid frame carrying a WireError, and the stream goes on', () => {
    const payload = realBlock();
    const ping = encodeMessage(MAGIC, { command: 'ping', nonce: 5n });
    const frames = decodeFrames(MAGIC, concatBytes([frame('block', payload.subarray(0, payload.length - 1)), frame('block', concatBytes([payload, Uint8Array.of(0)])), ping]));
    expect(frames.map((f) => (f.kind === 'message' ? f.message.command : `${f.kind}:${f.error.code}`))).toEqual(['invalid:truncated', 'invalid:trailing_bytes', 'ping']);
  });
});
