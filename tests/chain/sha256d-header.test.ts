// The allocation-free header SHA256d against @noble/hashes on random and real headers,
// through every entry point (bytes, words, midstate + finish).
import fc from 'fast-check';
import { sha256d } from '../../src/util/hash.js';
import { finishHeaderHash, hashHeader, hashHeaderInto, hashHeaderWordsInto, headerMidstate } from '../../src/chain/sha256d-header.js';
import { readHeaderFile } from './helpers.js';

function wordsToBytes(w: Uint32Array): Uint8Array {
  return new Uint8Array(Uint32Array.from(w).buffer);
}

describe('sha256d of an 80-byte header', () => {
  test('matches noble on 2000 random headers, through every entry point', () => {
    const out = new Uint32Array(8);
    const mid = new Int32Array(8);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (raw) => {
        const want = sha256d(raw);
        expect(hashHeader(raw)).toEqual(want);
        hashHeaderInto(raw, 0, out, 0);
        expect(wordsToBytes(out)).toEqual(want);
        const aligned = new Uint32Array(Uint8Array.from(raw).buffer);
        hashHeaderWordsInto(aligned, 0, out, 0);
        expect(wordsToBytes(out)).toEqual(want);
        headerMidstate(raw, 0, mid);
        const dv = new DataView(raw.buffer, raw.byteOffset);
        finishHeaderHash(mid, dv.getUint32(64, true), dv.getUint32(68, true), dv.getUint32(72, true), dv.getUint32(76, true), out, 0);
        expect(wordsToBytes(out)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  test('reads at an offset inside a larger buffer', () => {
    const big = new Uint8Array(80 * 5 + 3);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    for (let k = 0; k < 5; k++) expect(hashHeader(big, 3 + 80 * k)).toEqual(sha256d(big.subarray(3 + 80 * k, 3 + 80 * k + 80)));
  });

  test('matches noble on every real mainnet header 0..1111', () => {
    for (const raw of readHeaderFile('headers-mainnet-0-1111.txt')) expect(hashHeader(raw)).toEqual(sha256d(raw));
  });

  test('refuses fewer than 80 bytes', () => {
    expect(() => hashHeader(new Uint8Array(79))).toThrow(RangeError);
  });
});
