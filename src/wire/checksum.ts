// Fast SHA256d for message checksums, using node:crypto (native, SHA-NI where available).
// @noble/hashes (src/util/hash.ts) stays the reference; tests/wire compare the two.
import * as crypto from 'node:crypto';

// crypto.hash (one-shot, Node >= 20.12) is about twice as fast as createHash for small inputs.
const oneShot: ((alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array) | undefined =
  typeof crypto.hash === 'function' ? (crypto.hash as (alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array) : undefined;

function sha256(data: Uint8Array): Uint8Array {
  return oneShot ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest();
}

/** SHA256(SHA256(data)), 32 bytes. */
export function sha256dFast(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** First 4 bytes of SHA256d(payload): the v1 envelope checksum (Core protocol.h CMessageHeader). */
export function messageChecksum(payload: Uint8Array): Uint8Array {
  return sha256dFast(payload).subarray(0, 4);
}

/** Compares the checksum of `payload` with the 4 bytes at `at[offset..offset+4)`. */
export function checksumMatches(payload: Uint8Array, at: Uint8Array, offset: number): boolean {
  const h = sha256dFast(payload);
  return h[0] === at[offset] && h[1] === at[offset + 1] && h[2] === at[offset + 2] && h[3] === at[offset + 3];
}
