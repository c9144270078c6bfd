// SHA256d of an 80-byte block header, specialised and allocation-free: the hot path of header
// sync. Works on 32-bit words (FIPS 180-4), reuses module-level scratch buffers, and exposes a
// midstate entry point for mining (the first 64 bytes are fixed while the nonce varies).
// Tested against @noble/hashes (tests/chain/sha256d-header.test.ts); not reentrant (no await inside).

// FIPS 180-4 section 4.2.2: the 64 round constants.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
// FIPS 180-4 section 5.3.3: initial hash value.
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const HEADER_BITS = 640; // message length in bits for the padding block of an 80-byte header
const HASH_BITS = 256; // message length in bits for the second SHA-256 over a 32-byte digest

const W = new Int32Array(64); // message schedule, reused
const S1 = new Int32Array(8); // state after the whole header (first SHA-256)

/** SHA-256 compression of the 16 words in W[0..15] into `state` (in place). */
function compress(state: Int32Array): void {
  const w = W;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3];
  let e = state[4], f = state[5], g = state[6], h = state[7];
  for (let i = 0; i < 64; i++) {
    const S1e = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1e + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const S0a = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0a + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

const bswap = (x: number): number => (x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);

/** Big-endian word i of an 80-byte header starting at byte `off`. */
function beWord(b: Uint8Array, off: number): number {
  return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
}

/**
 * Midstate: the SHA-256 state after the header's first 64 bytes, copied into `mid` (8 words).
 * Bytes 64..79 (end of merkle root, time, bits, nonce) are not used.
 */
export function headerMidstate(raw: Uint8Array, off: number, mid: Int32Array): void {
  for (let i = 0; i < 16; i++) W[i] = beWord(raw, off + 4 * i);
  mid.set(IV);
  compress(mid);
}

/**
 * Finishes a header hash from a midstate and the last four header words, given as
 * little-endian u32 values as they sit in the header (merkle tail, time, bits, nonce).
 * Writes the block hash as 8 little-endian u32 words (i.e. the wire-order hash bytes read
 * as LE u32: word 7 is the most significant limb of the hash as a 256-bit number).
 */
export function finishHeaderHash(mid: Int32Array, merkleTail: number, time: number, bits: number, nonce: number, out: Uint32Array | Int32Array, outOff = 0): void {
  const s = S1;
  s.set(mid);
  W[0] = bswap(merkleTail);
  W[1] = bswap(time);
  W[2] = bswap(bits);
  W[3] = bswap(nonce);
  W[4] = 0x80000000 | 0;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = HEADER_BITS;
  compress(s);
  secondHash(s, out, outOff);
}

/** SHA-256 of the 32-byte digest in `s` (big-endian words), result as LE words into out. */
function secondHash(s: Int32Array, out: Uint32Array | Int32Array, outOff: number): void {
  for (let i = 0; i < 8; i++) W[i] = s[i];
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = HASH_BITS;
  s.set(IV);
  compress(s);
  for (let i = 0; i < 8; i++) out[outOff + i] = bswap(s[i]);
}

/**
 * Block hash of the 80-byte header at `raw[off..off+80)`, written as 8 little-endian u32
 * words into out[outOff..outOff+8). Allocation-free.
 */
export function hashHeaderInto(raw: Uint8Array, off: number, out: Uint32Array | Int32Array, outOff = 0): void {
  for (let i = 0; i < 16; i++) W[i] = beWord(raw, off + 4 * i);
  const s = S1;
  s.set(IV);
  compress(s);
  W[0] = beWord(raw, off + 64);
  W[1] = beWord(raw, off + 68);
  W[2] = beWord(raw, off + 72);
  W[3] = beWord(raw, off + 76);
  W[4] = 0x80000000 | 0;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = HEADER_BITS;
  compress(s);
  secondHash(s, out, outOff);
}

/**
 * Same as hashHeaderInto for a header held in a Uint32Array (little-endian words, as a typed
 * array view over aligned storage): header words are src[wordOff..wordOff+20).
 */
export function hashHeaderWordsInto(src: Uint32Array, wordOff: number, out: Uint32Array | Int32Array, outOff = 0): void {
  for (let i = 0; i < 16; i++) W[i] = bswap(src[wordOff + i]);
  const s = S1;
  s.set(IV);
  compress(s);
  W[0] = bswap(src[wordOff + 16]);
  W[1] = bswap(src[wordOff + 17]);
  W[2] = bswap(src[wordOff + 18]);
  W[3] = bswap(src[wordOff + 19]);
  W[4] = 0x80000000 | 0;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = HEADER_BITS;
  compress(s);
  secondHash(s, out, outOff);
}

const OUT_WORDS = new Uint32Array(8);

/** Block hash (wire order, 32 bytes) of the 80-byte header at raw[off..off+80). Allocates the result. */
export function hashHeader(raw: Uint8Array, off = 0): Uint8Array {
  if (raw.length - off < 80) throw new RangeError(`header needs 80 bytes, got ${raw.length - off}`);
  hashHeaderInto(raw, off, OUT_WORDS, 0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = OUT_WORDS[i];
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = v >>> 24;
  }
  return out;
}
