// SHA-256 helpers. @noble/hashes is the reference implementation (and what the toy chain
// uses); `sha256d` is Bitcoin's double SHA-256 (checksums, block hashes, txids).
import { sha256 } from '@noble/hashes/sha2.js';

export { sha256 };

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}
