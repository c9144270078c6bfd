// BIP324 key exchange (Core bip324.cpp BIP324Cipher::Initialize): ElligatorSwift encoding and
// decoding (@scure/btc-signer's p2p module), x-only ECDH on secp256k1 (node:crypto, OpenSSL: 2–7×
// faster than the pure-JS multiply, same result on every vector), the tagged-hash shared secret,
// HKDF-SHA256 (@noble/hashes) with salt "bitcoin_v2_shared_secret" ‖ network magic → the four
// packet keys, both garbage terminators and the session id. Loaded on first use (the curve
// libraries take ~150 ms to import), see BitcoinTransports.prepare.
import { createECDH } from 'node:crypto';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { GARBAGE_TERMINATOR_LEN, type DerivedKeys, type EphemeralKey } from './cipher.js';

export type { DerivedKeys, EphemeralKey };


const SALT_PREFIX = new TextEncoder().encode('bitcoin_v2_shared_secret');
const label = (s: string): Uint8Array => new TextEncoder().encode(s);


const SECRET_TAG = sha256(new TextEncoder().encode('bip324_ellswift_xonly_ecdh'));

/** A fresh ephemeral key with a random ElligatorSwift encoding of x(priv·G) (BIP324 "Key
 * generation": random u and case until the inverse map succeeds). */
export function generateKey(): EphemeralKey {
  const ecdh = createECDH('secp256k1');
  ecdh.generateKeys();
  const compressed = ecdh.getPublicKey(null, 'compressed');
  const x = BigInt(`0x${compressed.subarray(1).toString('hex')}`);
  const priv = new Uint8Array(32);
  const raw = ecdh.getPrivateKey();
  priv.set(raw, 32 - raw.length); // OpenSSL drops leading zero bytes
  return { privateKey: priv, ellswift: elligatorSwift.encode(x), ecdh };
}

/** The decoded x-coordinate of a 64-byte ElligatorSwift encoding (BIP324 XSwiftEC). */
export function decodeEllswift(ellswift: Uint8Array): Uint8Array {
  return elligatorSwift.decode(ellswift);
}

/** BIP324 x-only ECDH: x(priv · lift_x(XSwiftEC(theirs))). Either lift gives the same x, so the
 * even-y point (0x02 ‖ x) goes to OpenSSL's ECDH, which returns the shared point's x. */
export function xOnlyEcdh(privateKey: Uint8Array, theirs: Uint8Array, made?: EphemeralKey['ecdh']): Uint8Array {
  const x = decodeEllswift(theirs);
  const point = new Uint8Array(33);
  point[0] = 0x02;
  point.set(x, 1);
  let ecdh = made;
  if (ecdh === undefined) {
    ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(privateKey);
  }
  return ecdh.computeSecret(point);
}

/** BIP324 shared secret: tagged hash "bip324_ellswift_xonly_ecdh" of ellswift_I ‖ ellswift_R ‖
 * x_shared, the initiator's 64 bytes first whichever side computes it. */
export function sharedSecret(ours: EphemeralKey, theirs: Uint8Array, initiator: boolean): Uint8Array {
  const x = xOnlyEcdh(ours.privateKey, theirs, ours.ecdh);
  const [first, second] = initiator ? [ours.ellswift, theirs] : [theirs, ours.ellswift];
  const h = sha256.create();
  h.update(SECRET_TAG).update(SECRET_TAG).update(first).update(second).update(x);
  return h.digest();
}

/** Refilling starts this long after a key is taken: after the handshake that took it has had
 * its turn on the event loop, not in the middle of it. */
export const KEY_REFILL_DELAY_MS = 20;
/** Keys held ready: enough for a burst of dials or inbound connections (each key is ~1.5 ms of
 * CPU to make, so a pool of 4 costs at most ~6 ms, one key per event-loop turn). */
export const KEY_POOL_SIZE = 4;

/** Ephemeral keys made ahead of need: after keys are handed out the pool is refilled in idle
 * time, one key per event-loop turn (I/O runs in between), so a handshake waits only for the
 * ECDH. The keys are still single-use and random. */
export class KeyPool {
  private readonly ready: EphemeralKey[] = [];
  private scheduled = false;

  constructor(private readonly size = KEY_POOL_SIZE) {}

  /** Keys ready now (tests). */
  get available(): number {
    return this.ready.length;
  }

  /** Make one key now (e.g. before the first connection); the rest follow in idle time. */
  fill(): void {
    if (this.ready.length === 0) this.ready.push(generateKey());
    this.refill();
  }

  take(): EphemeralKey {
    const k = this.ready.shift() ?? generateKey();
    this.refill();
    return k;
  }

  private refill(): void {
    if (this.scheduled || this.ready.length >= this.size) return;
    this.scheduled = true;
    setTimeout(() => this.makeOne(), KEY_REFILL_DELAY_MS).unref();
  }

  private makeOne(): void {
    if (this.ready.length < this.size) this.ready.push(generateKey());
    if (this.ready.length >= this.size) {
      this.scheduled = false;
      return;
    }
    // setImmediate runs after pending I/O: a handshake in progress is not held up by the refill.
    setImmediate(() => this.makeOne()).unref();
  }
}


/** BIP324 "Shared secret computation" and "Keys and session ID derivation". Throws when the
 * peer's encoding does not lead to a point (not expected: every 64-byte string decodes). */
export function deriveKeys(ours: EphemeralKey, theirs: Uint8Array, initiator: boolean, magic: Uint8Array): DerivedKeys {
  const secret = sharedSecret(ours, theirs, initiator);
  const salt = new Uint8Array(SALT_PREFIX.length + magic.length);
  salt.set(SALT_PREFIX, 0);
  salt.set(magic, SALT_PREFIX.length);
  const prk = extract(sha256, secret, salt);
  const get = (info: string): Uint8Array => expand(sha256, prk, label(info), 32);
  const terminators = get('garbage_terminators');
  return {
    sharedSecret: secret,
    initiatorL: get('initiator_L'),
    initiatorP: get('initiator_P'),
    responderL: get('responder_L'),
    responderP: get('responder_P'),
    initiatorTerminator: terminators.slice(0, GARBAGE_TERMINATOR_LEN),
    responderTerminator: terminators.slice(GARBAGE_TERMINATOR_LEN),
    sessionId: get('session_id'),
  };
}

/** What V2Transport needs from this module (injected, so importing it stays lazy). */
export interface V2KeyExchange {
  takeKey(): EphemeralKey;
  derive(ours: EphemeralKey, theirs: Uint8Array, initiator: boolean, magic: Uint8Array): DerivedKeys;
}

/** A key exchange drawing keys from a pool. */
export function keyExchange(pool = new KeyPool()): V2KeyExchange {
  return { takeKey: () => pool.take(), derive: deriveKeys };
}
