// A hand-driven BIP324 peer for tests: it does the key exchange with the library's primitives
// (cipher.ts, already checked against the BIP's vectors) but every byte it sends is chosen by
// the test, so it can lie: wrong terminators, bad tags, huge lengths, decoy floods, replays.
// It also reads what the other side sends (terminator scan, packets), to see real replies.
import { randomBytes } from 'node:crypto';
import { Bip324Cipher, ELLSWIFT_LEN, GARBAGE_TERMINATOR_LEN, type EphemeralKey } from '../../src/transport/v2/cipher.js';
import { deriveKeys, generateKey } from '../../src/transport/v2/keys.js';
import { shortIdFor, typeForShortId } from '../../src/transport/v2/short-ids.js';
import { concatBytes } from '../../src/util/bytes.js';

export class HandV2Peer {
  readonly key: EphemeralKey = generateKey();
  cipher: Bip324Cipher | undefined;
  readonly garbage: Uint8Array;
  private inbox: Uint8Array = new Uint8Array(0);
  private theirGarbageDone = false;
  /** Packets received (after the terminator): decrypted contents, decoys flagged. */
  readonly packets: { ignore: boolean; contents: Uint8Array }[] = [];
  failed: string | undefined;

  constructor(
    readonly magic: Uint8Array,
    readonly initiator = true,
    garbageLength = 0,
  ) {
    this.garbage = randomBytes(garbageLength);
  }

  /** Our 64-byte key and garbage: the first bytes an initiator sends. */
  hello(): Uint8Array {
    return concatBytes([this.key.ellswift, this.garbage]);
  }

  /** Derive the ciphers from the other side's 64-byte key. */
  agree(theirs: Uint8Array): void {
    this.cipher = new Bip324Cipher(deriveKeys(this.key, theirs, this.initiator, this.magic), this.initiator);
  }

  terminator(): Uint8Array {
    return this.cipher!.sendTerminator;
  }

  /** One packet; `aad` for the first one after the terminator is our garbage. */
  packet(contents: Uint8Array, opts: { ignore?: boolean; aad?: Uint8Array } = {}): Uint8Array {
    return this.cipher!.encrypt([contents], opts.aad ?? new Uint8Array(0), opts.ignore ?? false);
  }

  /** The version packet: empty contents, AAD = our garbage. */
  versionPacket(): Uint8Array {
    return this.packet(new Uint8Array(0), { aad: this.garbage });
  }

  /** A message's contents: short ID when the type has one, else 0x00 ‖ 12-byte type. */
  static contents(command: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    const id = shortIdFor(command);
    if (id !== undefined) return concatBytes([new Uint8Array([id]), payload]);
    const head = new Uint8Array(13);
    head.set(new TextEncoder().encode(command), 1);
    return concatBytes([head, payload]);
  }

  /** Feed the whole stream received so far (from after the other side's 64-byte key);
   * only the bytes not seen before are consumed. */
  catchUp(stream: Uint8Array): void {
    if (stream.length > this.seen) this.receive(stream.subarray(this.seen));
    this.seen = Math.max(this.seen, stream.length);
  }
  private seen = 0;

  /** Feed bytes from the other side (after its key was passed to `agree` and consumed). */
  receive(bytes: Uint8Array): void {
    if (this.failed) return;
    this.inbox = concatBytes([this.inbox, bytes]);
    if (!this.theirGarbageDone) {
      const term = this.cipher!.recvTerminator;
      const at = Buffer.from(this.inbox).indexOf(Buffer.from(term));
      if (at < 0) return;
      this.theirGarbageDone = true;
      this.aad = this.inbox.slice(0, at);
      this.inbox = this.inbox.slice(at + GARBAGE_TERMINATOR_LEN);
    }
    for (;;) {
      if (this.pendingLength === undefined) {
        if (this.inbox.length < 3) return;
        this.pendingLength = this.cipher!.decryptLength(this.inbox);
        this.inbox = this.inbox.slice(3);
      }
      const need = 1 + this.pendingLength + 16;
      if (this.inbox.length < need) return;
      const opened = this.cipher!.decrypt(this.inbox.subarray(0, need), this.aad);
      this.aad = new Uint8Array(0);
      this.inbox = this.inbox.slice(need);
      this.pendingLength = undefined;
      if (!opened) {
        this.failed = 'bad tag';
        return;
      }
      this.packets.push({ ignore: opened.ignore, contents: Uint8Array.from(opened.contents) });
    }
  }
  private aad: Uint8Array = new Uint8Array(0);
  private pendingLength: number | undefined;

  /** Message types of the non-decoy packets after the version packet. */
  commands(): string[] {
    return this.packets
      .filter((p) => !p.ignore)
      .slice(1)
      .map((p) => (p.contents[0] === 0 ? new TextDecoder().decode(p.contents.subarray(1, 13)).replace(/\0+$/, '') : (typeForShortId(p.contents[0]!) ?? `#${p.contents[0]}`)));
  }
}

export { ELLSWIFT_LEN };
