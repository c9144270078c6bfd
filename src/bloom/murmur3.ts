// MurmurHash3 x86_32 (Austin Appleby's reference; Core hash.cpp MurmurHash3), the hash behind
// BIP37 bloom filters. 32-bit arithmetic via Math.imul and >>> 0.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3_x86_32(data, seed) as an unsigned 32-bit number. */
export function murmur3(seed: number, data: Uint8Array): number {
  let h1 = seed >>> 0;
  const n = data.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k1 = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k1 = Math.imul(k1, C1);
    k1 = rotl32(k1, 15);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = rotl32(h1, 13);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k1 = data[blocks]!;
    if (tail > 1) k1 ^= data[blocks + 1]! << 8;
    if (tail > 2) k1 ^= data[blocks + 2]! << 16;
    k1 = Math.imul(k1, C1);
    k1 = rotl32(k1, 15);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
  }
  h1 ^= n;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}
