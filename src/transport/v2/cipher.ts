// The BIP324 packet cipher of one connection (Core bip324.{h,cpp} BIP324Cipher): both
// directions' FSChaCha20 length ciphers and FSChaCha20Poly1305 packet ciphers from the derived
// keys (keys.ts), the garbage terminators and the session id; packet encryption and decryption.
import type { ECDH } from 'node:crypto';
import { FSChaCha20, LENGTH_FIELD_LEN } from './fschacha20.js';
import { FSChaCha20Poly1305, TAG_LEN } from './fschacha20poly1305.js';

/** BIP324: ElligatorSwift public keys are 64 bytes. */
export const ELLSWIFT_LEN = 64;
/** BIP324 / Core net.h GARBAGE_TERMINATOR_LEN. */
export const GARBAGE_TERMINATOR_LEN = 16;
/** BIP324 header byte (1) + length field (3) + tag (16): Core BIP324Cipher::EXPANSION. */
export const HEADER_LEN = 1;
export const EXPANSION = LENGTH_FIELD_LEN + HEADER_LEN + TAG_LEN;
/** BIP324 header bit 7: the packet is a decoy, to be ignored. */
export const IGNORE_BIT = 0x80;

export interface EphemeralKey {
  readonly privateKey: Uint8Array;
  /** The 64-byte ElligatorSwift encoding of x(privateKey·G), as sent on the wire. */
  readonly ellswift: Uint8Array;
  /** The OpenSSL key it was made with (saves re-deriving it from `privateKey`). */
  readonly ecdh?: ECDH;
}

export interface DerivedKeys {
  readonly sharedSecret: Uint8Array;
  readonly initiatorL: Uint8Array;
  readonly initiatorP: Uint8Array;
  readonly responderL: Uint8Array;
  readonly responderP: Uint8Array;
  readonly initiatorTerminator: Uint8Array;
  readonly responderTerminator: Uint8Array;
  readonly sessionId: Uint8Array;
}

/** Both directions' ciphers of one connection, from our side's point of view. */
export class Bip324Cipher {
  readonly sessionId: Uint8Array;
  readonly sendTerminator: Uint8Array;
  readonly recvTerminator: Uint8Array;
  private readonly sendL: FSChaCha20;
  private readonly sendP: FSChaCha20Poly1305;
  private readonly recvL: FSChaCha20;
  private readonly recvP: FSChaCha20Poly1305;

  constructor(keys: DerivedKeys, initiator: boolean) {
    this.sessionId = keys.sessionId;
    this.sendL = new FSChaCha20(initiator ? keys.initiatorL : keys.responderL);
    this.sendP = new FSChaCha20Poly1305(initiator ? keys.initiatorP : keys.responderP);
    this.recvL = new FSChaCha20(initiator ? keys.responderL : keys.initiatorL);
    this.recvP = new FSChaCha20Poly1305(initiator ? keys.responderP : keys.initiatorP);
    this.sendTerminator = initiator ? keys.initiatorTerminator : keys.responderTerminator;
    this.recvTerminator = initiator ? keys.responderTerminator : keys.initiatorTerminator;
  }

  /** BIP324 v2_enc_packet: length ‖ AEAD(header ‖ contents); `contents` given in parts. */
  encrypt(contents: readonly Uint8Array[], aad: Uint8Array, ignore = false): Uint8Array {
    let length = 0;
    for (const p of contents) length += p.length;
    const out = Buffer.allocUnsafe(length + EXPANSION);
    out.set(this.encryptLength(length), 0);
    this.sendP.encryptInto([ignore ? HEADER_IGNORE : HEADER_PLAIN, ...contents], aad, out, LENGTH_FIELD_LEN);
    return out;
  }

  /** The 3 encrypted length bytes of the next packet alone (advances the length cipher only:
   * `encrypt` calls it; tests use it to announce a length without making the body). */
  encryptLength(length: number): Uint8Array {
    const out = new Uint8Array(LENGTH_FIELD_LEN);
    this.sendL.crypt3(new Uint8Array([length & 0xff, (length >>> 8) & 0xff, (length >>> 16) & 0xff]), 0, out, 0);
    return out;
  }

  /** The contents length of the next packet, from its 3 encrypted length bytes at `at`. */
  decryptLength(input: Uint8Array, at = 0): number {
    const b = new Uint8Array(LENGTH_FIELD_LEN);
    this.recvL.crypt3(input, at, b, 0);
    return b[0]! | (b[1]! << 8) | (b[2]! << 16);
  }

  /** Header ‖ contents ‖ tag (everything after the length) → header byte and contents, or
   * undefined when the tag does not verify. */
  decrypt(sealed: Uint8Array, aad: Uint8Array): { readonly ignore: boolean; readonly contents: Uint8Array } | undefined {
    const pt = this.recvP.decrypt(sealed, aad);
    if (pt === undefined || pt.length < HEADER_LEN) return undefined;
    return { ignore: (pt[0]! & IGNORE_BIT) !== 0, contents: pt.subarray(HEADER_LEN) };
  }
}

const HEADER_PLAIN = new Uint8Array([0]);
const HEADER_IGNORE = new Uint8Array([IGNORE_BIT]);
