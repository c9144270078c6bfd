// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012), the keyed hash
// BIP158 uses to map filter elements into the Golomb-coded set. 64-bit lanes are kept as pairs of
// 32-bit halves so the hot path never allocates a BigInt; `sipHash24` is the readable BigInt face.
import { FilterError } from './errors.js';

/** A 128-bit SipHash key, pre-split into little-endian uint32 halves (k0 = bytes 0-7, k1 = 8-15). */
export interface SipKey {
  readonly k0lo: number;
  readonly k0hi: number;
  readonly k1lo: number;
  readonly k1hi: number;
}

export const SIPHASH_KEY_BYTES = 16;

const u32le = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/** Reads the key as two little-endian uint64 values k0 and k1 (BIP158 "SipHash key"). */
export function sipKey(key: Uint8Array): SipKey {
  if (key.length !== SIPHASH_KEY_BYTES) throw new FilterError('bad_argument', `SipHash key must be 16 bytes, got ${key.length}`);
  return { k0lo: u32le(key, 0), k0hi: u32le(key, 4), k1lo: u32le(key, 8), k1hi: u32le(key, 12) };
}

/**
 * SipHash-2-4 of `data` under `key`; writes the 64-bit result to out[0] (low half) and out[1]
 * (high half). Allocation-free: the filter matcher calls this once per watched script per block.
 * Lanes are held as int32 halves (`| 0`), which V8 keeps in machine registers; the carry of a
 * low-half addition is an unsigned compare of the sum against one addend.
 */
export function sipHash24Into(key: SipKey, data: Uint8Array, out: Uint32Array): void {
  // Initialisation constants "somepseudorandomlygeneratedbytes" (paper section 2).
  let v0l = key.k0lo ^ 0x70736575;
  let v0h = key.k0hi ^ 0x736f6d65;
  let v1l = key.k1lo ^ 0x6e646f6d;
  let v1h = key.k1hi ^ 0x646f7261;
  let v2l = key.k0lo ^ 0x6e657261;
  let v2h = key.k0hi ^ 0x6c796765;
  let v3l = key.k1lo ^ 0x79746573;
  let v3h = key.k1hi ^ 0x74656462;
  let t = 0;
  let s = 0;

  const len = data.length;
  const fullBlocks = len >>> 3;
  // One pass per block, then one more for finalization, so a single copy of the SipRound serves
  // both. Blocks 0..fullBlocks-1 are message words; block fullBlocks holds the 0-7 tail bytes plus
  // (len mod 256) in its top byte (paper section 2.2, "Compression"), each followed by 2 rounds.
  // The last pass is finalization: v2 ^= 0xff, then four rounds (paper section 2.3); its message
  // word is zero, so the v3/v0 xors around the rounds leave the state unchanged.
  for (let pass = 0; pass <= fullBlocks + 1; pass++) {
    const i = pass << 3;
    let ml = 0;
    let mh = 0;
    let rounds = 2;
    if (pass < fullBlocks) {
      ml = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
      mh = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    } else if (pass === fullBlocks) {
      const rem = len & 7;
      mh = len << 24;
      for (let j = 0; j < rem; j++) {
        if (j < 4) ml |= data[i + j] << (8 * j);
        else mh |= data[i + j] << (8 * (j - 4));
      }
    } else {
      v2l ^= 0xff;
      rounds = 4;
    }
    v3l ^= ml;
    v3h ^= mh;
    for (let r = 0; r < rounds; r++) {
      // SipRound (paper figure 2), every lane as (hi, lo) halves.
      s = (v0l + v1l) | 0; v0h = (v0h + v1h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0; v0l = s;
      t = v1h; v1h = (v1h << 13) | (v1l >>> 19); v1l = (v1l << 13) | (t >>> 19);
      v1l ^= v0l; v1h ^= v0h;
      t = v0l; v0l = v0h; v0h = t;
      s = (v2l + v3l) | 0; v2h = (v2h + v3h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0; v2l = s;
      t = v3h; v3h = (v3h << 16) | (v3l >>> 16); v3l = (v3l << 16) | (t >>> 16);
      v3l ^= v2l; v3h ^= v2h;
      s = (v0l + v3l) | 0; v0h = (v0h + v3h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0; v0l = s;
      t = v3h; v3h = (v3h << 21) | (v3l >>> 11); v3l = (v3l << 21) | (t >>> 11);
      v3l ^= v0l; v3h ^= v0h;
      s = (v2l + v1l) | 0; v2h = (v2h + v1h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0; v2l = s;
      t = v1h; v1h = (v1h << 17) | (v1l >>> 15); v1l = (v1l << 17) | (t >>> 15);
      v1l ^= v2l; v1h ^= v2h;
      t = v2l; v2l = v2h; v2h = t;
    }
    v0l ^= ml;
    v0h ^= mh;
  }
  out[0] = v0l ^ v1l ^ v2l ^ v3l; // Uint32Array stores the int32 bit pattern
  out[1] = v0h ^ v1h ^ v2h ^ v3h;
}

const scratch = new Uint32Array(2);

/** SipHash-2-4 of `data` under a 16-byte key, as an unsigned 64-bit BigInt. */
export function sipHash24(key: Uint8Array, data: Uint8Array): bigint {
  sipHash24Into(sipKey(key), data, scratch);
  return (BigInt(scratch[1]) << 32n) | BigInt(scratch[0]);
}
