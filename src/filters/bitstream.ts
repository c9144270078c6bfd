// Bit-level writer and reader for Golomb-Rice coded sets. Bits are packed most-significant-bit
// first into bytes and the last byte is zero-padded (BIP158 "Golomb-Rice Coding"; Core
// streams.h BitStreamWriter/BitStreamReader). The reader never reads past its end: every read
// that would throws FilterError('truncated').
import { FilterError } from './errors.js';

export class BitWriter {
  private buf: Uint8Array;
  private bits = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  /** Number of bits written so far. */
  get bitLength(): number {
    return this.bits;
  }

  private ensure(moreBits: number): void {
    const needBytes = (this.bits + moreBits + 7) >>> 3;
    if (needBytes <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < needBytes) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
  }

  writeBit(bit: number): void {
    this.ensure(1);
    if (bit) this.buf[this.bits >>> 3] |= 0x80 >>> (this.bits & 7);
    this.bits++;
  }

  /** The low `n` bits of `value` (0 <= n <= 32), most significant first. */
  writeBits(value: number, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new FilterError('bad_argument', `writeBits: bit count ${n} not in 0..32`);
    this.ensure(n);
    let left = n;
    while (left > 0) {
      // Fill the free low bits of the current byte with the next (most significant) bits.
      const free = 8 - (this.bits & 7);
      const take = free < left ? free : left;
      const chunk = (value >>> (left - take)) & ((1 << take) - 1); // left - take <= 31
      this.buf[this.bits >>> 3] |= chunk << (free - take);
      this.bits += take;
      left -= take;
    }
  }

  /** `q` one-bits followed by a zero-bit (the Golomb-Rice quotient). */
  writeUnary(q: number): void {
    if (!Number.isSafeInteger(q) || q < 0) throw new FilterError('bad_argument', `writeUnary: ${q} is not a non-negative integer`);
    this.ensure(q + 1);
    let left = q;
    while (left > 0) {
      const take = left < 32 ? left : 32;
      this.writeBits(2 ** take - 1, take);
      left -= take;
    }
    this.bits++; // the terminating zero (buffer bytes start zeroed)
  }

  /** The packed bytes, last byte zero-padded (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.bits + 7) >>> 3);
  }
}

export class BitReader {
  private pos: number;
  private readonly endBit: number;

  /** Reads the bits of `bytes[startByte..]`. Keeps a reference, does not copy. */
  constructor(
    private readonly bytes: Uint8Array,
    startByte = 0,
  ) {
    this.pos = startByte * 8;
    this.endBit = bytes.length * 8;
  }

  /** Bits consumed from the start of `bytes` (not from `startByte`). */
  get bitPosition(): number {
    return this.pos;
  }

  get bitsLeft(): number {
    return this.endBit - this.pos;
  }

  readBit(): number {
    if (this.pos >= this.endBit) throw new FilterError('truncated', 'bit stream ended');
    const bit = (this.bytes[this.pos >>> 3] >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  /** `n` bits (0 <= n <= 32) as an unsigned integer, most significant first. */
  readBits(n: number): number {
    if (n > this.endBit - this.pos) throw new FilterError('truncated', `bit stream ended: needed ${n} bits, ${this.endBit - this.pos} left`);
    const bytes = this.bytes;
    let pos = this.pos;
    // Fast path: up to 25 bits fit in the 32-bit window of the 4 bytes starting at pos's byte.
    const i = pos >>> 3;
    if (n <= 25 && i + 3 < bytes.length) {
      const w = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
      this.pos = pos + n;
      return n === 0 ? 0 : ((w << (pos & 7)) >>> 0) >>> (32 - n);
    }
    let v = 0;
    for (let k = 0; k < n; k++) {
      v = v * 2 + ((bytes[pos >>> 3] >>> (7 - (pos & 7))) & 1);
      pos++;
    }
    this.pos = pos;
    return v;
  }

  /**
   * Counts one-bits up to and including the terminating zero-bit and returns the count of ones.
   * Work and result are bounded by the bits left; a run that reaches the end throws 'truncated'.
   */
  readUnary(): number {
    const bytes = this.bytes;
    const endBit = this.endBit;
    let pos = this.pos;
    let q = 0;
    for (;;) {
      if (pos >= endBit) {
        this.pos = pos;
        throw new FilterError('truncated', `bit stream ended inside a unary run of ${q} ones`);
      }
      const off = pos & 7;
      const avail = 8 - off;
      // The unread bits of this byte, left-aligned; a shifted-in zero stops the count at `avail`.
      const b = (bytes[pos >>> 3] << off) & 0xff;
      const ones = Math.clz32(~b & 0xff) - 24; // leading one-bits of b (8 when b = 0xff)
      if (ones < avail) {
        this.pos = pos + ones + 1;
        return q + ones;
      }
      q += avail;
      pos += avail;
    }
  }
}
