// The v1 envelope checksum: the first 4 bytes of SHA256d(payload), with the fast native hash.
import { sha256dFast } from '../util/sha256d-fast.js';

/** First 4 bytes of SHA256d(payload): the v1 envelope checksum (Core protocol.h CMessageHeader). */
export function messageChecksum(payload: Uint8Array): Uint8Array {
  return sha256dFast(payload).subarray(0, 4);
}

/** Compares the checksum of `payload` with the 4 bytes at `at[offset..offset+4)`. */
export function checksumMatches(payload: Uint8Array, at: Uint8Array, offset: number): boolean {
  const h = sha256dFast(payload);
  return h[0] === at[offset] && h[1] === at[offset + 1] && h[2] === at[offset + 2] && h[3] === at[offset + 3];
}
