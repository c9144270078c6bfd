// SipHash-2-4: the 64 reference outputs from the SipHash paper (appendix A / reference
// implementation vectors.h: key 00..0f, message 00..(n-1)), plus a random comparison against a
// direct BigInt transcription of the algorithm.
import fc from 'fast-check';
import { sipHash24, sipHash24Into, sipKey } from '../../src/filters/siphash.js';
import { FilterError } from '../../src/filters/errors.js';

/** Output bytes (little-endian) for message lengths 0..63. */
const VECTORS = [
  '310e0edd47db6f72', 'fd67dc93c539f874', '5a4fa9d909806c0d', '2d7efbd796666785',
  'b7877127e09427cf', '8da699cd64557618', 'cee3fe586e46c9cb', '37d1018bf50002ab',
  '6224939a79f5f593', 'b0e4a90bdf82009e', 'f3b9dd94c5bb5d7a', 'a7ad6b22462fb3f4',
  'fbe50e86bc8f1e75', '903d84c02756ea14', 'eef27a8e90ca23f7', 'e545be4961ca29a1',
  'db9bc2577fcc2a3f', '9447be2cf5e99a69', '9cd38d96f0b3c14b', 'bd6179a71dc96dbb',
  '98eea21af25cd6be', 'c7673b2eb0cbf2d0', '883ea3e395675393', 'c8ce5ccd8c030ca8',
  '94af49f6c650adb8', 'eab8858ade92e1bc', 'f315bb5bb835d817', 'adcf6b0763612e2f',
  'a5c91da7acaa4dde', '716595876650a2a6', '28ef495c53a387ad', '42c341d8fa92d832',
  'ce7cf2722f512771', 'e37859f94623f3a7', '381205bb1ab0e012', 'ae97a10fd434e015',
  'b4a31508beff4d31', '81396229f0907902', '4d0cf49ee5d4dcca', '5c73336a76d8bf9a',
  'd0a704536ba93e0e', '925958fcd6420cad', 'a915c29bc8067318', '952b79f3bc0aa6d4',
  'f21df2e41d4535f9', '87577519048f53a9', '10a56cf5dfcd9adb', 'eb75095ccd986cd0',
  '51a9cb9ecba312e6', '96afadfc2ce666c7', '72fe52975a4364ee', '5a1645b276d592a1',
  'b274cb8ebf87870a', '6f9bb4203de7b381', 'eaecb2a30b22a87f', '9924a43cc1315724',
  'bd838d3aafbf8db7', '0b1a2a3265d51aea', '135079a3231ce660', '932b2846e4d70666',
  'e1915f5cb1eca46c', 'f325965ca16d629f', '575ff28e60381be5', '724506eb4c328a95',
];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);

function leBytes(x: bigint): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += ((x >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return s;
}

/** Straightforward 64-bit BigInt SipHash-2-4, independent of the limb implementation. */
function referenceSipHash(key: Uint8Array, msg: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M;
  const le = (b: Uint8Array, i: number, n: number): bigint => {
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]);
    return v;
  };
  const k0 = le(key, 0, 8);
  const k1 = le(key, 8, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const full = msg.length - (msg.length % 8);
  for (let i = 0; i < full; i += 8) {
    const m = le(msg, i, 8);
    v3 ^= m; round(); round(); v0 ^= m;
  }
  const last = (BigInt(msg.length & 0xff) << 56n) | le(msg, full, msg.length - full);
  v3 ^= last; round(); round(); v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

describe('SipHash-2-4', () => {
  test('has all 64 reference vectors', () => {
    expect(VECTORS).toHaveLength(64);
  });

  test.each(VECTORS.map((v, n) => [n, v] as const))('message of %i bytes', (n, expected) => {
    const msg = Uint8Array.from({ length: n }, (_, i) => i);
    expect(leBytes(sipHash24(KEY, msg))).toBe(expected);
  });

  test('the BigInt reference transcription agrees with the vectors', () => {
    VECTORS.forEach((v, n) => {
      expect(leBytes(referenceSipHash(KEY, Uint8Array.from({ length: n }, (_, i) => i)))).toBe(v);
    });
  });

  test('matches the BigInt reference on random keys and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 300 }), (key, msg) => {
        expect(sipHash24(key, msg)).toBe(referenceSipHash(key, msg));
      }),
      { numRuns: 500 },
    );
  });

  test('sipHash24Into writes low and high halves', () => {
    const out = new Uint32Array(2);
    sipHash24Into(sipKey(KEY), new Uint8Array(0), out);
    expect(out[0]).toBe(0xdd0e0e31);
    expect(out[1]).toBe(0x726fdb47);
  });

  test('rejects a key that is not 16 bytes', () => {
    expect(() => sipKey(new Uint8Array(15))).toThrow(FilterError);
    expect(() => sipHash24(new Uint8Array(17), new Uint8Array(1))).toThrow(/16 bytes/);
  });
});
