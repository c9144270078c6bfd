// Bit stream and Golomb-Rice coder: known bit layouts, random round trips for many P, and
// reads past the end that must fail with FilterError('truncated') and nothing else.
import fc from 'fast-check';
import { BitReader, BitWriter } from '../../src/filters/bitstream.js';
import { golombRiceDecode, golombRiceEncode } from '../../src/filters/golomb.js';
import { FilterError } from '../../src/filters/errors.js';
import { toHex } from '../../src/util/bytes.js';
import { errorCode } from '../helpers/errors.js';

const codeOf = (fn: () => unknown): string | undefined => errorCode(FilterError, fn);

describe('BitWriter / BitReader', () => {
  test('packs most-significant bit first and zero-pads the last byte', () => {
    const w = new BitWriter(1);
    w.writeBit(1);
    w.writeBits(0b0101, 4);
    w.writeUnary(3);
    w.writeBits(0xabc, 12);
    // 1 0101 1110 101010111100 -> 10101111 01010101 111000(pad)00
    expect(w.bitLength).toBe(21);
    expect(toHex(w.finish())).toBe('af55e0');
  });

  test('reads back what was written, including 32-bit and 0-bit fields', () => {
    const w = new BitWriter();
    w.writeBits(0xffffffff, 32);
    w.writeBits(0, 0);
    w.writeBits(0x12345678, 32);
    w.writeUnary(0);
    w.writeUnary(17);
    w.writeBits(5, 3);
    const r = new BitReader(w.finish());
    expect(r.readBits(32)).toBe(0xffffffff);
    expect(r.readBits(0)).toBe(0);
    expect(r.readBits(32)).toBe(0x12345678);
    expect(r.readUnary()).toBe(0);
    expect(r.readUnary()).toBe(17);
    expect(r.readBits(3)).toBe(5);
    expect(r.bitPosition).toBe(w.bitLength);
  });

  test('random sequences of fields round-trip', () => {
    const field = fc.oneof(
      fc.record({ kind: fc.constant('bits' as const), n: fc.integer({ min: 0, max: 32 }), v: fc.nat() }),
      fc.record({ kind: fc.constant('unary' as const), n: fc.constant(0), v: fc.integer({ min: 0, max: 70 }) }),
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (fields, lead) => {
        const w = new BitWriter(1);
        for (let i = 0; i < lead * 8; i++) w.writeBit(1); // start at a non-zero byte offset
        for (const f of fields) {
          if (f.kind === 'bits') w.writeBits(f.v, f.n);
          else w.writeUnary(f.v);
        }
        const r = new BitReader(w.finish(), lead);
        for (const f of fields) {
          if (f.kind === 'bits') expect(r.readBits(f.n)).toBe(f.n === 32 ? f.v >>> 0 : f.v % 2 ** f.n);
          else expect(r.readUnary()).toBe(f.v);
        }
        expect(r.bitsLeft).toBeLessThan(8);
      }),
      { numRuns: 300 },
    );
  });

  test('reads past the end throw truncated', () => {
    expect(codeOf(() => new BitReader(new Uint8Array(0)).readBit())).toBe('truncated');
    expect(codeOf(() => new BitReader(Uint8Array.of(0xff)).readBits(9))).toBe('truncated');
    expect(codeOf(() => new BitReader(Uint8Array.of(0xff, 0xff, 0xff)).readUnary())).toBe('truncated');
    const r = new BitReader(Uint8Array.of(0xfe));
    expect(r.readUnary()).toBe(7);
    expect(codeOf(() => r.readBit())).toBe('truncated');
  });

  test('a unary run over a long all-ones stream is bounded by its length', () => {
    const bytes = new Uint8Array(1 << 20).fill(0xff);
    expect(codeOf(() => new BitReader(bytes).readUnary())).toBe('truncated');
    bytes[bytes.length - 1] = 0xfe;
    expect(new BitReader(bytes).readUnary()).toBe(bytes.length * 8 - 1);
  });

  test('writer rejects bad arguments', () => {
    const w = new BitWriter();
    expect(codeOf(() => w.writeBits(1, 33))).toBe('bad_argument');
    expect(codeOf(() => w.writeUnary(-1))).toBe('bad_argument');
  });
});

describe('Golomb-Rice', () => {
  test('BIP158 layout for P = 19: quotient in unary, then 19 remainder bits', () => {
    const w = new BitWriter();
    golombRiceEncode(w, 19, 2 * 2 ** 19 + 5);
    // 110 then 0000000000000000101 -> 11000000 00000000 000101(00 pad)
    expect(toHex(w.finish())).toBe('c00014');
  });

  test('round-trips random values for P in 0..32', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 32 }),
        fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 40 }),
        (p, xs) => {
          const w = new BitWriter();
          // Keep quotients small (< 2^8) so P = 0 does not write megabits of unary.
          const vals = xs.map((x) => x % 2 ** Math.min(p + 8, 53));
          for (const x of vals) golombRiceEncode(w, p, x);
          const r = new BitReader(w.finish());
          for (const x of vals) expect(golombRiceDecode(r, p)).toBe(x);
          expect(r.bitPosition).toBe(w.bitLength);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('round-trips the extremes of a P = 19 GCS delta', () => {
    for (const x of [0, 1, 2 ** 19 - 1, 2 ** 19, 2 ** 19 + 1, 784931, 5 * 784931, 2 ** 30]) {
      const w = new BitWriter();
      golombRiceEncode(w, 19, x);
      expect(w.bitLength).toBe(Math.floor(x / 2 ** 19) + 1 + 19);
      expect(golombRiceDecode(new BitReader(w.finish()), 19)).toBe(x);
    }
  });

  test('truncated codes fail with truncated, whatever the cut', () => {
    const w = new BitWriter();
    golombRiceEncode(w, 19, 3 * 2 ** 19 + 77);
    const bytes = w.finish();
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(codeOf(() => golombRiceDecode(new BitReader(bytes.subarray(0, cut)), 19))).toBe('truncated');
    }
  });

  test('rejects bad parameters and values', () => {
    const w = new BitWriter();
    expect(codeOf(() => golombRiceEncode(w, 33, 1))).toBe('bad_argument');
    expect(codeOf(() => golombRiceEncode(w, 19, -1))).toBe('bad_argument');
    expect(codeOf(() => golombRiceEncode(w, 19, 1.5))).toBe('bad_argument');
  });
});
