// SHA256d for txids, block hashes and merkle nodes: the native one of wire/checksum.ts, handed
// out as a plain Uint8Array (not a Buffer, whose slice() is a view rather than a copy).
import { sha256dFast } from '../util/sha256d-fast.js';

export function hash256(data: Uint8Array): Uint8Array {
  const b = sha256dFast(data);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
