// FSChaCha20 (BIP324 "Rekeying wrappers: FSChaCha20"): the cipher of the 3-byte packet lengths.
// One ChaCha20 stream per direction, nonce = 4 zero bytes ‖ LE64(rekey count), used in 3-byte
// chunks; after REKEY_INTERVAL chunks the next 32 keystream bytes are the new key. 224 × 3 + 32
// = 704 bytes = 11 blocks, so a key's whole keystream is made in one node:crypto call.
import { createCipheriv } from 'node:crypto';

/** Core bip324.h: REKEY_INTERVAL, packets per key for both ciphers. */
export const REKEY_INTERVAL = 224;
/** BIP324: LENGTH_FIELD_LEN. */
export const LENGTH_FIELD_LEN = 3;
const KEY_LEN = 32;
const STREAM_LEN = REKEY_INTERVAL * LENGTH_FIELD_LEN + KEY_LEN;
const ZEROS = new Uint8Array(STREAM_LEN);

/** RFC 8439 ChaCha20 keystream: `length` bytes from block `counter` under a 12-byte nonce.
 * OpenSSL's 16-byte IV is LE32(counter) ‖ nonce. */
export function chacha20Keystream(key: Uint8Array, nonce12: Uint8Array, counter: number, length: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter >>> 0, 0);
  iv.set(nonce12, 4);
  const c = createCipheriv('chacha20', key, iv);
  const out = c.update(length <= ZEROS.length ? ZEROS.subarray(0, length) : new Uint8Array(length));
  c.final();
  return out;
}

export class FSChaCha20 {
  private key: Uint8Array;
  private rekeys = 0n;
  private chunk = 0;
  private stream: Uint8Array;

  constructor(key: Uint8Array) {
    this.key = Uint8Array.from(key);
    this.stream = this.makeStream();
  }

  /** XOR 3 bytes (encrypt and decrypt are the same) from `input[at..]` into `out[outAt..]`. */
  crypt3(input: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
    const k = this.chunk * LENGTH_FIELD_LEN;
    out[outAt] = input[at]! ^ this.stream[k]!;
    out[outAt + 1] = input[at + 1]! ^ this.stream[k + 1]!;
    out[outAt + 2] = input[at + 2]! ^ this.stream[k + 2]!;
    if (++this.chunk === REKEY_INTERVAL) {
      // BIP324: the next 32 keystream bytes become the key; the nonce (rekey count) goes up.
      this.key = this.stream.slice(STREAM_LEN - KEY_LEN);
      this.rekeys++;
      this.chunk = 0;
      this.stream = this.makeStream();
    }
  }

  private makeStream(): Uint8Array {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64LE(this.rekeys, 4);
    return chacha20Keystream(this.key, nonce, 0, STREAM_LEN);
  }
}
