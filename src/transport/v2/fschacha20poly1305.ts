// FSChaCha20Poly1305 (BIP324 "Rekeying wrappers: FSChaCha20Poly1305"): the AEAD of packet
// headers and contents. RFC 8439 ChaCha20-Poly1305 (node:crypto) with nonce
// LE32(n mod 224) ‖ LE64(n div 224), n counting packets in this direction (decoys and the
// version packet included); after every 224th packet the key becomes keystream bytes 64..95
// under nonce ffffffff ‖ LE64(n div 224).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { chacha20Keystream, REKEY_INTERVAL } from './fschacha20.js';

/** RFC 8439 Poly1305 tag length. */
export const TAG_LEN = 16;

export class FSChaCha20Poly1305 {
  private key: Buffer;
  private packet = 0;
  private rekeys = 0n;
  private readonly nonce = Buffer.alloc(12);

  constructor(key: Uint8Array) {
    this.key = Buffer.from(key);
  }

  /** Encrypts `parts` (concatenated) with `aad`; returns ciphertext ‖ tag written into
   * `out[at..]` (`out` must have room for the plaintext length + 16). */
  encryptInto(parts: readonly Uint8Array[], aad: Uint8Array, out: Uint8Array, at: number): void {
    let length = 0;
    for (const p of parts) length += p.length;
    const c = createCipheriv('chacha20-poly1305', this.key, this.currentNonce(), { authTagLength: TAG_LEN });
    if (aad.length > 0) c.setAAD(aad, { plaintextLength: length });
    let o = at;
    for (const p of parts) {
      if (p.length === 0) continue;
      const ct = c.update(p);
      out.set(ct, o);
      o += ct.length;
    }
    c.final();
    out.set(c.getAuthTag(), o);
    this.next();
  }

  /** Decrypts ciphertext ‖ tag; undefined when the tag does not verify. The cipher state
   * advances either way (a failure ends the connection). */
  decrypt(sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    const ctLen = sealed.length - TAG_LEN;
    try {
      if (ctLen < 0) return undefined;
      const d = createDecipheriv('chacha20-poly1305', this.key, this.currentNonce(), { authTagLength: TAG_LEN });
      if (aad.length > 0) d.setAAD(aad, { plaintextLength: ctLen });
      d.setAuthTag(sealed.subarray(ctLen));
      const pt = d.update(sealed.subarray(0, ctLen));
      d.final(); // throws when the tag is wrong
      return pt;
    } catch {
      return undefined;
    } finally {
      this.next();
    }
  }

  private currentNonce(): Buffer {
    this.nonce.writeUInt32LE(this.packet, 0);
    this.nonce.writeBigUInt64LE(this.rekeys, 4);
    return this.nonce;
  }

  private next(): void {
    if (++this.packet < REKEY_INTERVAL) return;
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32LE(0xffffffff, 0);
    nonce.writeBigUInt64LE(this.rekeys, 4);
    // AEAD-encrypting 32 zero bytes starts at block 1: keystream bytes 64..95.
    this.key = Buffer.from(chacha20Keystream(this.key, nonce, 1, 32));
    this.packet = 0;
    this.rekeys++;
  }
}
