// Streaming v1 frame decoder: bytes in any chunking -> Frame<Message>s in order. Checks, in
// order: magic (wrong -> fatal), payload length > 4,000,000 (fatal, decided from the 24-byte
// header before any payload is buffered), command characters (invalid -> skip the payload),
// per-command cap (-> skip), checksum (-> invalid), payload decode (-> invalid). Length comes
// before the command (as in Core's V1Transport), so a garbage command with a 4 GB length is fatal.
import type { Codec, Frame, FrameDecoder } from '../net/codec.js';
import { toHex } from '../util/bytes.js';
import type { Message } from './message.js';
import { WireError } from './errors.js';
import { checksumMatches } from './checksum.js';
import {
  HEADER_SIZE,
  MAGIC_SIZE,
  MAX_PROTOCOL_MESSAGE_LENGTH,
  decodePayload,
  describeMessage,
  encodeMessage,
  maxPayloadFor,
  parseCommandField,
} from './envelope.js';

const enum State {
  Header,
  Payload,
  Skip,
  Dead,
}

/**
 * One per connection. Memory: the 24-byte header, then exactly one buffer of the announced
 * payload size (at most 4,000,000 bytes), filled as bytes arrive; each payload is copied once
 * and handed to the decoded message, which may keep views into it (the decoder never reuses it).
 * Payloads of invalid commands or over their command's cap are counted off, never stored.
 */
export class BitcoinFrameDecoder implements FrameDecoder<Message> {
  private readonly magic: Uint8Array;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private state = State.Header;
  private headerFill = 0;
  /** Current frame: command name, payload length, payload buffer (Payload state), bytes seen. */
  private name = '';
  private length = 0;
  private payload: Uint8Array = new Uint8Array(0);
  private fill = 0;
  /** Why the payload being skipped is invalid (Skip state). */
  private skipError: WireError | undefined;
  private skipMisbehaving = false;

  constructor(magic: Uint8Array) {
    if (magic.length !== MAGIC_SIZE) throw new WireError('bad_value', `magic must be ${MAGIC_SIZE} bytes, got ${magic.length}`);
    this.magic = Uint8Array.from(magic);
  }

  get bufferedBytes(): number {
    switch (this.state) {
      case State.Header: return this.headerFill;
      case State.Payload: return HEADER_SIZE + this.fill;
      case State.Skip: return HEADER_SIZE;
      case State.Dead: return 0;
    }
  }

  push(chunk: Uint8Array): Frame<Message>[] {
    const frames: Frame<Message>[] = [];
    try {
      let off = 0;
      const end = chunk.length;
      while (off < end && this.state !== State.Dead) {
        if (this.state === State.Header) {
          const n = Math.min(HEADER_SIZE - this.headerFill, end - off);
          for (let i = 0; i < n; i++) this.header[this.headerFill + i] = chunk[off + i]!;
          this.headerFill += n;
          off += n;
          if (this.headerFill === HEADER_SIZE) this.startFrame(frames);
        } else if (this.state === State.Payload) {
          const n = Math.min(this.length - this.fill, end - off);
          this.payload.set(n === end ? chunk : chunk.subarray(off, off + n), this.fill);
          this.fill += n;
          off += n;
          if (this.fill === this.length) this.finishFrame(frames);
        } else {
          const n = Math.min(this.length - this.fill, end - off);
          this.fill += n;
          off += n;
          if (this.fill === this.length) this.finishSkip(frames);
        }
      }
    } catch (err) {
      // Not reachable by design (every decode error is caught per frame); never throw out of push.
      this.die(frames, new WireError('internal', `frame decoder failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    return frames;
  }

  private die(frames: Frame<Message>[], error: WireError): void {
    frames.push({ kind: 'fatal', error });
    this.state = State.Dead;
    this.payload = new Uint8Array(0);
    this.headerFill = 0;
  }

  /** The 24 header bytes are in: decide what to do with the payload before reading any of it. */
  private startFrame(frames: Frame<Message>[]): void {
    const h = this.header;
    this.headerFill = 0;
    for (let i = 0; i < MAGIC_SIZE; i++) {
      if (h[i] !== this.magic[i]) {
        const got = toHex(h.subarray(0, MAGIC_SIZE));
        return this.die(frames, new WireError('bad_magic', `message start ${got}, expected ${toHex(this.magic)}`));
      }
    }
    // uint32 LE at offset 16, read byte-wise (>>> 0 keeps it unsigned)
    const length = (h[16]! | (h[17]! << 8) | (h[18]! << 16) | (h[19]! << 24)) >>> 0;
    if (length > MAX_PROTOCOL_MESSAGE_LENGTH) {
      return this.die(frames, new WireError('oversized', `payload length ${length} above MAX_PROTOCOL_MESSAGE_LENGTH ${MAX_PROTOCOL_MESSAGE_LENGTH}`));
    }
    this.length = length;
    this.fill = 0;
    const name = parseCommandField(h, MAGIC_SIZE);
    if (typeof name !== 'string') return this.startSkip(frames, name);
    const cap = maxPayloadFor(name);
    // Core punishes oversized headers/inv/getdata/addr messages as misbehaviour; a payload
    // above its command's cap can only be such a message.
    if (length > cap) return this.startSkip(frames, new WireError('oversized', `${name}: payload length ${length} above its limit ${cap}`), LIST_COMMANDS.has(name));
    this.name = name;
    this.payload = new Uint8Array(length);
    this.state = State.Payload;
    if (length === 0) this.finishFrame(frames);
  }

  private startSkip(frames: Frame<Message>[], error: WireError, misbehaving = false): void {
    this.skipError = error;
    this.skipMisbehaving = misbehaving;
    this.state = State.Skip;
    if (this.length === 0) this.finishSkip(frames);
  }

  private finishSkip(frames: Frame<Message>[]): void {
    frames.push({ kind: 'invalid', error: this.skipError!, bytes: HEADER_SIZE + this.length, misbehaving: this.skipMisbehaving });
    this.skipError = undefined;
    this.state = State.Header;
  }

  private finishFrame(frames: Frame<Message>[]): void {
    const payload = this.payload;
    const bytes = HEADER_SIZE + payload.length;
    this.payload = new Uint8Array(0);
    this.state = State.Header;
    if (!checksumMatches(payload, this.header, 20)) {
      const want = toHex(this.header.subarray(20, 24));
      frames.push({ kind: 'invalid', error: new WireError('bad_checksum', `${this.name}: checksum mismatch (header says ${want})`), bytes });
      return;
    }
    try {
      frames.push({ kind: 'message', message: decodePayload(this.name, payload), bytes });
    } catch (err) {
      const error = err instanceof WireError ? err : new WireError('internal', `${this.name}: ${err instanceof Error ? err.message : String(err)}`);
      // More entries than the protocol allows (Core: "headers message size", oversized inv/addr).
      frames.push({ kind: 'invalid', error, bytes, misbehaving: error.code === 'too_many' });
    }
  }
}

/** Messages whose size is bounded by an entry count Core enforces as misbehaviour
 * (MAX_HEADERS_RESULTS, MAX_INV_SZ, MAX_ADDR_TO_SEND; BIP37 MAX_BLOOM_FILTER_SIZE and
 * MAX_SCRIPT_ELEMENT_SIZE: "too-large bloom filter", "bad filteradd message"), and `cfilter`,
 * whose cap is the largest BIP158 filter a valid block can have (no honest peer sends more). */
export const LIST_COMMANDS: ReadonlySet<string> = new Set(['headers', 'inv', 'getdata', 'notfound', 'addr', 'addrv2', 'filterload', 'filteradd', 'cfilter']);

/** The Bitcoin v1 codec for one network (`magic` = NetworkParams.magic, wire bytes). */
export function bitcoinCodec(magic: Uint8Array): Codec<Message> {
  if (magic.length !== MAGIC_SIZE) throw new WireError('bad_value', `magic must be ${MAGIC_SIZE} bytes, got ${magic.length}`);
  const m = Uint8Array.from(magic);
  return {
    createDecoder: () => new BitcoinFrameDecoder(m),
    encode: (message) => encodeMessage(m, message),
    describe: describeMessage,
  };
}
