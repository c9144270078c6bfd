// The BIP324 v2 transport of one connection, sans-I/O (Core net.cpp V2Transport): key exchange,
// garbage and terminators, the version packet, decoys, encrypted packets; as responder it first
// watches for the 16-byte v1 `version` prefix and, if it sees it, becomes a plain v1 transport.
// Bytes in → frames out; messages in → bytes out; every rule breach is a `fatal` frame.
import { randomBytes, randomInt } from 'node:crypto';
import type { Codec, Frame } from '../../net/codec.js';
import { FramedTransport, type Transport } from '../../net/transport.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { errorMessage } from '../../util/errors.js';
import { COMMAND_SIZE, MAGIC_SIZE, MAX_PROTOCOL_MESSAGE_LENGTH } from '../../wire/envelope.js';
import type { Message } from '../../wire/message.js';
import { TransportError } from '../errors.js';
import { Bip324Cipher, ELLSWIFT_LEN, EXPANSION, GARBAGE_TERMINATOR_LEN, HEADER_LEN, type EphemeralKey } from './cipher.js';
import type { V2KeyExchange } from './keys.js';
import { encodeContents, decodeContents } from './contents.js';
import { LENGTH_FIELD_LEN } from './fschacha20.js';
import { TAG_LEN } from './fschacha20poly1305.js';

/** Core net.h MAX_GARBAGE_LEN: garbage sent after the key is 0..4095 bytes. */
export const MAX_GARBAGE_LEN = 4095;
/** Core V2Transport::MAX_CONTENTS_LEN: 1 + 12 + min(MAX_SIZE, MAX_PROTOCOL_MESSAGE_LENGTH). */
export const MAX_CONTENTS_LEN = 1 + COMMAND_SIZE + MAX_PROTOCOL_MESSAGE_LENGTH;
/** Core V1_PREFIX_LEN: magic ‖ "version" ‖ 5 NULs, the start of a v1 `version` message. */
export const V1_PREFIX_LEN = 16;
/** Core ShouldReconnectV1: a v1 peer has had at least a v1 header's worth of our bytes. */
const MIN_SENT_FOR_V1_RETRY = 24;
const VERSION_COMMAND = new TextEncoder().encode('version\0\0\0\0\0');
const EMPTY = new Uint8Array(0);

/** The first 16 bytes of a v1 `version` message on a network. */
export function v1VersionPrefix(magic: Uint8Array): Uint8Array {
  const p = new Uint8Array(V1_PREFIX_LEN);
  p.set(magic, 0);
  p.set(VERSION_COMMAND, MAGIC_SIZE);
  return p;
}

const enum Recv {
  /** Responder: fewer than 16 bytes, all equal to the v1 prefix so far. */
  MaybeV1,
  /** Collecting the peer's 64-byte ElligatorSwift key. */
  Key,
  /** Scanning the peer's garbage for its terminator. */
  GarbageTerminator,
  /** Packets until the first non-decoy one: the version packet. */
  Version,
  /** Application packets. */
  App,
  /** The peer spoke v1 (responder detection): everything goes to a plain v1 transport. */
  V1,
  Dead,
}

export interface V2TransportOptions {
  /** The network's magic: HKDF salt, and the v1 prefix to detect. */
  readonly magic: Uint8Array;
  /** The v1 codec (for a detected v1 peer, and for a v1 retry). */
  readonly codec: Codec<Message>;
  readonly initiator: boolean;
  /** Key generation and derivation (keys.ts `keyExchange()`), injected so that the curve
   * libraries load only when v2 is used. */
  readonly keys: V2KeyExchange;
  /** Called when this initiator hands over to a v1 retry (the caller remembers the peer). */
  readonly onRetryV1?: () => void;
  /** Our ephemeral key (default: a fresh one) and garbage (default: 0–4095 random bytes). */
  readonly key?: EphemeralKey;
  readonly garbage?: Uint8Array;
}

export class V2Transport implements Transport<Message> {
  private readonly opts: V2TransportOptions;
  private readonly ourKey: EphemeralKey;
  private readonly ourGarbage: Uint8Array;
  private recv: Recv;
  private cipher: Bip324Cipher | undefined;
  private v1: FramedTransport<Message> | undefined;
  private output: Uint8Array[] = [];
  /** Messages queued before our version packet went out. */
  private pending: Message[] = [];
  private keySent = false;
  private versionSent = false;
  private bytesTaken = 0;
  private retried = false;
  // Receive buffers: the peer's key, its garbage (+ terminator), the current packet.
  private readonly theirKey = new Uint8Array(ELLSWIFT_LEN);
  private keyFill = 0;
  private garbage: Uint8Array | undefined;
  private garbageFill = 0;
  private recvAad: Uint8Array = EMPTY;
  private readonly lengthBytes = new Uint8Array(LENGTH_FIELD_LEN);
  private lengthFill = 0;
  private packet: Uint8Array | undefined;
  private packetFill = 0;
  private readonly v1Prefix: Uint8Array;
  /** Decoy packets received (ignored, as BIP324 asks). */
  decoysReceived = 0;

  constructor(opts: V2TransportOptions) {
    this.opts = opts;
    this.ourKey = opts.key ?? opts.keys.takeKey();
    this.ourGarbage = opts.garbage ?? randomBytes(randomInt(0, MAX_GARBAGE_LEN + 1));
    if (this.ourGarbage.length > MAX_GARBAGE_LEN) throw new TransportError('internal', `garbage of ${this.ourGarbage.length} bytes, at most ${MAX_GARBAGE_LEN}`);
    this.v1Prefix = v1VersionPrefix(opts.magic);
    if (opts.initiator) {
      this.recv = Recv.Key;
      this.sendKey(); // Core: the initiator's key is in the send buffer from the start
    } else this.recv = Recv.MaybeV1;
  }

  get kind(): 'v1' | 'v2' {
    return this.recv === Recv.V1 ? 'v1' : 'v2';
  }
  get sessionId(): string | undefined {
    return this.cipher ? toHex(this.cipher.sessionId) : undefined;
  }
  /** Our version packet is out and the peer's was authenticated (Core: no longer "detecting"),
   * or the peer turned out to speak v1. */
  get ready(): boolean {
    return this.recv === Recv.App || this.recv === Recv.V1;
  }
  get bufferedBytes(): number {
    if (this.v1) return this.v1.bufferedBytes;
    const key = this.recv === Recv.MaybeV1 || this.recv === Recv.Key ? this.keyFill : 0;
    return key + this.garbageFill + this.lengthFill + this.packetFill;
  }

  send(message: Message): number {
    if (this.v1) return this.v1.send(message);
    if (this.recv === Recv.Dead) return 0;
    if (!this.versionSent) {
      this.pending.push(message);
      return wireSize(encodeContents(message)); // its size once the keys exist
    }
    const contents = encodeContents(message);
    this.output.push(this.cipher!.encrypt(contents, EMPTY));
    return wireSize(contents);
  }

  takeOutput(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    if (this.v1) out.push(...this.v1.takeOutput());
    for (const b of out) this.bytesTaken += b.length;
    return out;
  }

  /** Core ShouldReconnectV1: we initiated, nothing at all came back, and the peer had our key
   * (≥ 24 bytes): a v1-only peer read it as a bad v1 header and hung up. Retry with v1. */
  retryAfterClose(): Transport<Message> | undefined {
    if (this.retried || !this.opts.initiator || this.recv !== Recv.Key || this.keyFill !== 0 || this.bytesTaken < MIN_SENT_FOR_V1_RETRY) return undefined;
    this.retried = true;
    this.opts.onRetryV1?.();
    return new FramedTransport(this.opts.codec, this.pending);
  }

  receive(chunk: Uint8Array): Frame<Message>[] {
    const frames: Frame<Message>[] = [];
    try {
      let off = 0;
      while (off < chunk.length && this.recv !== Recv.Dead) {
        switch (this.recv) {
          case Recv.MaybeV1:
            off = this.receiveMaybeV1(chunk, off, frames);
            break;
          case Recv.Key:
            off = this.receiveKey(chunk, off, frames);
            break;
          case Recv.GarbageTerminator:
            off = this.receiveGarbage(chunk, off, frames);
            break;
          case Recv.Version:
          case Recv.App:
            off = this.receivePacket(chunk, off, frames);
            break;
          case Recv.V1:
            frames.push(...this.v1!.receive(off === 0 ? chunk : chunk.subarray(off)));
            off = chunk.length;
            break;
        }
      }
    } catch (err) {
      this.die(frames, new TransportError('internal', `v2 transport failed: ${errorMessage(err)}`));
    }
    return frames;
  }

  // --- receiving ------------------------------------------------------------------------

  private die(frames: Frame<Message>[], error: TransportError): void {
    frames.push({ kind: 'fatal', error });
    this.recv = Recv.Dead;
    this.packet = undefined;
    this.garbage = undefined;
    this.output = [];
    this.pending = [];
  }

  /** Core ProcessReceivedMaybeV1Bytes: up to 16 bytes; the first one that differs from the v1
   * prefix makes it v2 (those bytes are the start of the key); all 16 equal makes it v1. */
  private receiveMaybeV1(chunk: Uint8Array, off: number, frames: Frame<Message>[]): number {
    while (off < chunk.length && this.keyFill < V1_PREFIX_LEN) {
      const b = chunk[off++]!;
      this.theirKey[this.keyFill++] = b;
      if (b !== this.v1Prefix[this.keyFill - 1]) {
        this.recv = Recv.Key;
        this.sendKey();
        return off;
      }
    }
    if (this.keyFill === V1_PREFIX_LEN) {
      this.recv = Recv.V1;
      this.v1 = new FramedTransport(this.opts.codec, this.pending);
      this.pending = [];
      this.keyFill = 0;
      frames.push(...this.v1.receive(this.theirKey.slice(0, V1_PREFIX_LEN)));
    }
    return off;
  }

  private receiveKey(chunk: Uint8Array, off: number, frames: Frame<Message>[]): number {
    const before = this.keyFill;
    const n = Math.min(ELLSWIFT_LEN - this.keyFill, chunk.length - off);
    this.theirKey.set(chunk.subarray(off, off + n), this.keyFill);
    this.keyFill += n;
    off += n;
    if (before < V1_PREFIX_LEN && this.keyFill >= V1_PREFIX_LEN) {
      const looksV1 = bytesEqual(this.theirKey.subarray(MAGIC_SIZE, V1_PREFIX_LEN), VERSION_COMMAND);
      if (looksV1 && !this.opts.initiator) {
        // Core ProcessReceivedKeyBytes: a v1 `version` for another network (ours was caught above).
        this.die(frames, new TransportError('wrong_network', `v1 version message with magic ${toHex(this.theirKey.subarray(0, MAGIC_SIZE))}, expected ${toHex(this.opts.magic)}`));
        return off;
      }
      if (looksV1) {
        this.die(frames, new TransportError('v1_reply', `peer answered our v2 key with a v1 version message (magic ${toHex(this.theirKey.subarray(0, MAGIC_SIZE))})`));
        return off;
      }
    }
    if (this.keyFill < ELLSWIFT_LEN) return off;
    try {
      const keys = this.opts.keys.derive(this.ourKey, this.theirKey, this.opts.initiator, this.opts.magic);
      this.cipher = new Bip324Cipher(keys, this.opts.initiator);
    } catch (err) {
      this.die(frames, new TransportError('bad_key', `peer's ElligatorSwift key does not decode: ${errorMessage(err)}`));
      return off;
    }
    this.recv = Recv.GarbageTerminator;
    this.garbage = new Uint8Array(MAX_GARBAGE_LEN + GARBAGE_TERMINATOR_LEN);
    // BIP324: with the peer's key in hand, send our terminator and version packet (our garbage
    // as its AAD) without waiting for the peer's garbage; then whatever was queued.
    if (!this.keySent) this.sendKey();
    this.output.push(this.cipher.sendTerminator, this.cipher.encrypt([], this.ourGarbage));
    this.versionSent = true;
    const queued = this.pending;
    this.pending = [];
    for (const m of queued) this.send(m);
    return off;
  }

  /** Core ProcessReceivedGarbageBytes: byte by byte until the last 16 are the terminator. */
  private receiveGarbage(chunk: Uint8Array, off: number, frames: Frame<Message>[]): number {
    const buf = this.garbage!;
    const term = this.cipher!.recvTerminator;
    const last = term[GARBAGE_TERMINATOR_LEN - 1]!;
    while (off < chunk.length) {
      const b = chunk[off++]!;
      buf[this.garbageFill++] = b;
      if (b === last && this.garbageFill >= GARBAGE_TERMINATOR_LEN && bytesEqual(buf.subarray(this.garbageFill - GARBAGE_TERMINATOR_LEN, this.garbageFill), term)) {
        this.recvAad = buf.slice(0, this.garbageFill - GARBAGE_TERMINATOR_LEN);
        this.garbage = undefined;
        this.garbageFill = 0;
        this.recv = Recv.Version;
        return off;
      }
      if (this.garbageFill === buf.length) {
        this.die(frames, new TransportError('no_garbage_terminator', `no garbage terminator within ${buf.length} bytes`));
        return off;
      }
    }
    return off;
  }

  private receivePacket(chunk: Uint8Array, off: number, frames: Frame<Message>[]): number {
    if (this.packet === undefined && this.lengthFill === 0 && chunk.length - off >= LENGTH_FIELD_LEN) {
      // Fast path: the length is here whole; maybe the whole packet too (no copy then).
      const len = this.cipher!.decryptLength(chunk, off);
      off += LENGTH_FIELD_LEN;
      if (!this.checkLength(len, frames)) return off;
      const need = HEADER_LEN + len + TAG_LEN;
      if (chunk.length - off >= need) {
        this.openPacket(chunk.subarray(off, off + need), frames);
        return off + need;
      }
      this.packet = new Uint8Array(need);
      this.packetFill = 0;
    } else if (this.packet === undefined) {
      while (off < chunk.length && this.lengthFill < LENGTH_FIELD_LEN) this.lengthBytes[this.lengthFill++] = chunk[off++]!;
      if (this.lengthFill < LENGTH_FIELD_LEN) return off;
      this.lengthFill = 0;
      const len = this.cipher!.decryptLength(this.lengthBytes);
      if (!this.checkLength(len, frames)) return off;
      this.packet = new Uint8Array(HEADER_LEN + len + TAG_LEN);
      this.packetFill = 0;
    }
    const pkt = this.packet;
    const n = Math.min(pkt.length - this.packetFill, chunk.length - off);
    pkt.set(chunk.subarray(off, off + n), this.packetFill);
    this.packetFill += n;
    off += n;
    if (this.packetFill === pkt.length) {
      this.packet = undefined;
      this.packetFill = 0;
      this.openPacket(pkt, frames);
    }
    return off;
  }

  /** Core: lengths above MAX_CONTENTS_LEN end the connection before any body is read. */
  private checkLength(len: number, frames: Frame<Message>[]): boolean {
    if (len <= MAX_CONTENTS_LEN) return true;
    this.die(frames, new TransportError('packet_too_large', `v2 packet contents of ${len} bytes, at most ${MAX_CONTENTS_LEN}`));
    return false;
  }

  private openPacket(sealed: Uint8Array, frames: Frame<Message>[]): void {
    const aad = this.recvAad;
    this.recvAad = EMPTY; // BIP324: the garbage authenticates the first packet only
    const opened = this.cipher!.decrypt(sealed, aad);
    if (opened === undefined) {
      const what = this.recv === Recv.Version ? 'version packet (or a decoy before it)' : 'packet';
      return this.die(frames, new TransportError('bad_tag', `v2 ${what}: authentication tag does not verify`));
    }
    if (opened.ignore) {
      this.decoysReceived++;
      return;
    }
    if (this.recv === Recv.Version) {
      // BIP324: the first non-decoy packet is the version packet; its contents are reserved.
      this.recv = Recv.App;
      return;
    }
    frames.push(decodeContents(opened.contents, LENGTH_FIELD_LEN + sealed.length));
  }

  private sendKey(): void {
    const first = new Uint8Array(ELLSWIFT_LEN + this.ourGarbage.length);
    first.set(this.ourKey.ellswift, 0);
    first.set(this.ourGarbage, ELLSWIFT_LEN);
    this.output.push(first);
    this.keySent = true;
  }
}

export { EXPANSION };

/** Bytes a packet with these contents takes on the wire (length, header, contents, tag). */
function wireSize([prefix, payload]: [Uint8Array, Uint8Array]): number {
  return prefix.length + payload.length + EXPANSION;
}
