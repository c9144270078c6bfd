// The rejected candidate for BIP324's ciphers, kept as a test and bench reference: the same
// packet cipher as src/transport/v2/cipher.ts (FSChaCha20 lengths, FSChaCha20Poly1305 packets,
// rekeying every 224) written on @noble/ciphers instead of node:crypto. The vector test runs it on
// every packet row (both candidates pass), the v2transport bench times both on the same stream.
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { EXPANSION, IGNORE_BIT, type DerivedKeys } from '../../src/transport/v2/cipher.js';
import { LENGTH_FIELD_LEN, REKEY_INTERVAL } from '../../src/transport/v2/fschacha20.js';
import { TAG_LEN } from '../../src/transport/v2/fschacha20poly1305.js';

const KEY_LEN = 32;

function nonce(low32: number, high64: bigint): Uint8Array {
  const n = new Uint8Array(12);
  const v = new DataView(n.buffer);
  v.setUint32(0, low32 >>> 0, true);
  v.setBigUint64(4, high64, true);
  return n;
}

/** BIP324 FSChaCha20 on @noble/ciphers' ChaCha20 (one 3-byte chunk at a time). */
class NobleFSChaCha20 {
  private key: Uint8Array;
  private rekeys = 0n;
  private chunk = 0;
  private stream: Uint8Array;

  constructor(key: Uint8Array) {
    this.key = Uint8Array.from(key);
    this.stream = this.makeStream();
  }

  crypt3(input: Uint8Array): Uint8Array {
    const k = this.chunk * LENGTH_FIELD_LEN;
    const out = Uint8Array.of(input[0]! ^ this.stream[k]!, input[1]! ^ this.stream[k + 1]!, input[2]! ^ this.stream[k + 2]!);
    if (++this.chunk === REKEY_INTERVAL) {
      this.key = this.stream.slice(REKEY_INTERVAL * LENGTH_FIELD_LEN);
      this.rekeys++;
      this.chunk = 0;
      this.stream = this.makeStream();
    }
    return out;
  }

  private makeStream(): Uint8Array {
    return chacha20(this.key, nonce(0, this.rekeys), new Uint8Array(REKEY_INTERVAL * LENGTH_FIELD_LEN + KEY_LEN));
  }
}

/** BIP324 FSChaCha20Poly1305 on @noble/ciphers' ChaCha20-Poly1305. */
class NobleFSChaCha20Poly1305 {
  private key: Uint8Array;
  private packet = 0;
  private rekeys = 0n;

  constructor(key: Uint8Array) {
    this.key = Uint8Array.from(key);
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const out = chacha20poly1305(this.key, nonce(this.packet, this.rekeys), aad).encrypt(plaintext);
    this.next();
    return out;
  }

  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    try {
      return chacha20poly1305(this.key, nonce(this.packet, this.rekeys), aad).decrypt(sealed);
    } catch {
      return undefined;
    } finally {
      this.next();
    }
  }

  private next(): void {
    if (++this.packet < REKEY_INTERVAL) return;
    // BIP324: the new key is the AEAD encryption of 32 zero bytes under nonce ffffffff ‖ LE64(rekeys), without its tag.
    this.key = chacha20poly1305(this.key, nonce(0xffffffff, this.rekeys)).encrypt(new Uint8Array(KEY_LEN)).subarray(0, KEY_LEN);
    this.packet = 0;
    this.rekeys++;
  }
}

/** Bip324Cipher's interface (encrypt, decryptLength, decrypt) on @noble/ciphers. */
export class NobleBip324Cipher {
  private readonly sendL: NobleFSChaCha20;
  private readonly sendP: NobleFSChaCha20Poly1305;
  private readonly recvL: NobleFSChaCha20;
  private readonly recvP: NobleFSChaCha20Poly1305;

  constructor(keys: DerivedKeys, initiator: boolean) {
    this.sendL = new NobleFSChaCha20(initiator ? keys.initiatorL : keys.responderL);
    this.sendP = new NobleFSChaCha20Poly1305(initiator ? keys.initiatorP : keys.responderP);
    this.recvL = new NobleFSChaCha20(initiator ? keys.responderL : keys.initiatorL);
    this.recvP = new NobleFSChaCha20Poly1305(initiator ? keys.responderP : keys.initiatorP);
  }

  encrypt(contents: readonly Uint8Array[], aad: Uint8Array, ignore = false): Uint8Array {
    let length = 0;
    for (const p of contents) length += p.length;
    const plain = new Uint8Array(1 + length);
    plain[0] = ignore ? IGNORE_BIT : 0;
    let o = 1;
    for (const p of contents) {
      plain.set(p, o);
      o += p.length;
    }
    const out = new Uint8Array(length + EXPANSION);
    out.set(this.sendL.crypt3(Uint8Array.of(length & 0xff, (length >>> 8) & 0xff, (length >>> 16) & 0xff)), 0);
    out.set(this.sendP.seal(plain, aad), LENGTH_FIELD_LEN);
    return out;
  }

  decryptLength(input: Uint8Array, at = 0): number {
    const b = this.recvL.crypt3(input.subarray(at, at + LENGTH_FIELD_LEN));
    return b[0]! | (b[1]! << 8) | (b[2]! << 16);
  }

  decrypt(sealed: Uint8Array, aad: Uint8Array): { readonly ignore: boolean; readonly contents: Uint8Array } | undefined {
    const pt = this.recvP.open(sealed, aad);
    if (pt === undefined || pt.length < 1) return undefined;
    return { ignore: (pt[0]! & IGNORE_BIT) !== 0, contents: pt.subarray(1) };
  }
}

export { TAG_LEN };
