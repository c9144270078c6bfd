// Golomb-coded sets: exact hash-to-range reduction (checked against BigInt), build/decode round
// trips, and hostile filters: lying counts, truncation, endless unary runs, leftover bytes,
// out-of-range values and random garbage. Only FilterError may escape, and nothing is
// allocated in proportion to a claimed N.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { buildGcs, decodeGcs, gcsElementCount, gcsMatchAny, GcsHasher, type GcsParams } from '../../src/filters/gcs.js';
import { BitWriter } from '../../src/filters/bitstream.js';
import { golombRiceEncode } from '../../src/filters/golomb.js';
import { FilterError } from '../../src/filters/errors.js';
import { sipHash24 } from '../../src/filters/siphash.js';
import { BASIC_FILTER_M, BASIC_FILTER_P, buildBasicFilter, matchAny } from '../../src/filters/basic.js';
import { concatBytes } from '../../src/util/bytes.js';
import { errorCode } from '../helpers/errors.js';

const BASIC = { p: BASIC_FILTER_P, m: BASIC_FILTER_M };

const codeOf = (fn: () => unknown): string | undefined => errorCode(FilterError, fn);

/** Serializes N and a list of raw deltas (no hashing): lets tests craft any stream. */
function craft(n: Uint8Array, deltas: number[], p = BASIC_FILTER_P): Uint8Array {
  const w = new BitWriter();
  for (const d of deltas) golombRiceEncode(w, p, d);
  return concatBytes([n, w.finish()]);
}

const params = (key: Uint8Array): GcsParams => ({ ...BASIC, key });

describe('hash to range', () => {
  test('equals (SipHash * F) >> 64 computed with BigInt, for F up to 2^52', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: 2 ** 52 })),
        (key, data, f) => {
          const expected = (sipHash24(key, data) * BigInt(f)) >> 64n;
          expect(new GcsHasher(key, f).hash(data)).toBe(Number(expected));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('build and decode', () => {
  test('empty set serializes to a single zero byte and matches nothing', () => {
    const key = new Uint8Array(16);
    const f = buildGcs(params(key), []);
    expect(Array.from(f)).toEqual([0]);
    expect(decodeGcs(BASIC, f).values.length).toBe(0);
    expect(gcsMatchAny(params(key), f, [Uint8Array.of(1)])).toBe(false);
  });

  test('round trip: decoded values are the sorted hashes, every element matches', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 300, selector: (a) => Buffer.from(a).toString('hex') }),
        fc.integer({ min: 1, max: 24 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (key, elements, p, mScale) => {
          // M up to 2^(p+2) keeps the unary quotients (about M / 2^P per element) short.
          const prm = { p, m: 1 + Math.floor(mScale * 2 ** (p + 2)), key };
          const filter = buildGcs(prm, elements);
          expect(gcsElementCount(filter)).toBe(elements.length);
          const { f, values } = decodeGcs(prm, filter);
          const hasher = new GcsHasher(key, f);
          const expected = Float64Array.from(elements.map((e) => hasher.hash(e))).sort();
          expect(Array.from(values)).toEqual(Array.from(expected));
          for (const e of elements) expect(gcsMatchAny(prm, filter, [e])).toBe(true);
          if (elements.length > 0) expect(gcsMatchAny(prm, filter, elements)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('duplicate elements count once (N is the number of distinct elements)', () => {
    const key = randomBytes(16);
    const a = Uint8Array.of(1, 2, 3);
    expect(buildGcs(params(key), [a, Uint8Array.of(1, 2, 3), a])).toEqual(buildGcs(params(key), [a]));
  });

  test('large filters use a multi-byte CompactSize N and still round-trip', () => {
    const key = randomBytes(16);
    const elements = Array.from({ length: 3000 }, () => randomBytes(25));
    const filter = buildGcs(params(key), elements);
    expect(filter[0]).toBe(0xfd);
    expect(gcsElementCount(filter)).toBe(3000);
    expect(decodeGcs(BASIC, filter).values.length).toBe(3000);
    expect(gcsMatchAny(params(key), filter, [randomBytes(25), elements[1234]])).toBe(true);
  });

  test('false positives on a 3000-element filter stay rare (1000 queries)', () => {
    const blockHash = randomBytes(32);
    const elements = Array.from({ length: 3000 }, () => randomBytes(25));
    const filter = buildBasicFilter(blockHash, elements);
    // 1000 random queries: expected false positives 1000/784931 ≈ 0.0013.
    expect(matchAny(filter, blockHash, Array.from({ length: 1000 }, () => randomBytes(25)))).toBe(false);
  });
});

describe('hostile filters', () => {
  const key = new Uint8Array(16);

  test('empty input and truncated CompactSize', () => {
    expect(codeOf(() => decodeGcs(BASIC, new Uint8Array(0)))).toBe('truncated');
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xfd, 0x01)))).toBe('truncated');
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xfe, 1, 2, 3)))).toBe('truncated');
    expect(codeOf(() => gcsElementCount(Uint8Array.of(0xff, 1, 2)))).toBe('truncated');
  });

  test('non-canonical CompactSize N is rejected (Core ReadCompactSize)', () => {
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xfd, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0)))).toBe('non_canonical');
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xfe, 0xff, 0xff, 0, 0)))).toBe('non_canonical');
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xff, 1, 0, 0, 0, 0, 0, 0, 0)))).toBe('non_canonical');
  });

  test('N above 2^32 - 1 or above what the bits can hold is rejected before allocating', () => {
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0xff, 0, 0, 0, 0, 1, 0, 0, 0)))).toBe('count_exceeds_data');
    const huge = concatBytes([Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff), new Uint8Array(100)]);
    expect(codeOf(() => decodeGcs(BASIC, huge))).toBe('count_exceeds_data');
    expect(codeOf(() => gcsMatchAny(params(key), huge, [Uint8Array.of(1)]))).toBe('count_exceeds_data');
    // N = 5 needs at least 5 * 20 = 100 bits; 12 bytes = 96 bits.
    expect(codeOf(() => decodeGcs(BASIC, concatBytes([Uint8Array.of(5), new Uint8Array(12)])))).toBe('count_exceeds_data');
    // ... and 13 bytes (104 bits) of zeros are five zero deltas: valid.
    expect(Array.from(decodeGcs(BASIC, concatBytes([Uint8Array.of(5), new Uint8Array(13)])).values)).toEqual([0, 0, 0, 0, 0]);
  });

  test('a unary run that never ends is truncated, in time linear in the length', () => {
    const ones = concatBytes([Uint8Array.of(1), new Uint8Array(4_000_000).fill(0xff)]);
    expect(codeOf(() => decodeGcs(BASIC, ones))).toBe('truncated');
    expect(codeOf(() => gcsMatchAny(params(key), ones, [Uint8Array.of(7)]))).toBe('truncated');
  });

  test('a stream that stops inside the remainder is truncated', () => {
    // N = 2, first element complete (20 bits), second has 4 bits of its 20.
    const good = craft(Uint8Array.of(2), [5, 6]);
    expect(decodeGcs(BASIC, good).values.length).toBe(2);
    expect(codeOf(() => decodeGcs(BASIC, concatBytes([Uint8Array.of(3), good.subarray(1)])))).toBe('count_exceeds_data');
    // N = 2: a first element with quotient 30 (50 bits), then a second whose 19-bit remainder
    // has only 5 bits before the stream ends (55 bits: 7 bytes, so N * 20 = 40 bits passes).
    const w = new BitWriter();
    golombRiceEncode(w, 19, 30 * 2 ** 19);
    w.writeUnary(0);
    w.writeBits(0, 4);
    expect(w.bitLength).toBe(55);
    expect(codeOf(() => decodeGcs(BASIC, concatBytes([Uint8Array.of(2), w.finish()])))).toBe('truncated');
  });

  test('whole bytes after the last element are rejected (Core: excess data)', () => {
    const f = buildGcs(params(key), [Uint8Array.of(1), Uint8Array.of(2)]);
    expect(codeOf(() => decodeGcs(BASIC, concatBytes([f, Uint8Array.of(0)])))).toBe('trailing_data');
    expect(codeOf(() => gcsMatchAny(params(key), concatBytes([f, Uint8Array.of(0)]), [Uint8Array.of(1)]))).toBe('trailing_data');
    expect(codeOf(() => decodeGcs(BASIC, Uint8Array.of(0, 0)))).toBe('trailing_data');
  });

  test('a value at or above F = N * M is rejected', () => {
    expect(decodeGcs(BASIC, craft(Uint8Array.of(1), [BASIC_FILTER_M - 1])).values[0]).toBe(BASIC_FILTER_M - 1);
    expect(codeOf(() => decodeGcs(BASIC, craft(Uint8Array.of(1), [BASIC_FILTER_M])))).toBe('value_out_of_range');
    expect(codeOf(() => gcsMatchAny(params(key), craft(Uint8Array.of(2), [10, 2 * BASIC_FILTER_M]), [Uint8Array.of(1)]))).toBe('value_out_of_range');
  });

  test('every truncation of a real filter fails with a FilterError', () => {
    const f = buildGcs(params(key), Array.from({ length: 50 }, (_, i) => Uint8Array.of(i, i + 1)));
    for (let cut = 0; cut < f.length; cut++) {
      const code = codeOf(() => decodeGcs(BASIC, f.subarray(0, cut)));
      expect(['truncated', 'count_exceeds_data']).toContain(code);
    }
  });

  test('random garbage: decode and match either succeed or throw FilterError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 5 }), (bytes, queries) => {
        codeOf(() => decodeGcs(BASIC, bytes));
        codeOf(() => gcsMatchAny(params(key), bytes, queries));
        // A filter decodes iff matching it does not throw.
        expect(codeOf(() => decodeGcs(BASIC, bytes))).toBe(codeOf(() => gcsMatchAny(params(key), bytes, queries)));
      }),
      { numRuns: 2000 },
    );
  });

  test('bad parameters are a caller error', () => {
    expect(codeOf(() => buildGcs({ p: 0, m: 1, key }, []))).toBe('bad_argument');
    expect(codeOf(() => buildGcs({ p: 19, m: 0, key }, []))).toBe('bad_argument');
    expect(codeOf(() => buildGcs({ p: 19, m: 1, key: new Uint8Array(8) }, [Uint8Array.of(1)]))).toBe('bad_argument');
    expect(codeOf(() => matchAny(Uint8Array.of(0), new Uint8Array(31), []))).toBe('bad_argument');
  });
});
