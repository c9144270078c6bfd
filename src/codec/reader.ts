// ByteReader: bounds-checked little-endian reads over one message payload. Every length or count
// is checked against the bytes actually left BEFORE anything is allocated, CompactSize follows
// Core's canonical rules (src/serialize.h ReadCompactSize), and `end()` rejects leftover bytes.
import { WireError } from './errors.js';

/** Core src/serialize.h MAX_SIZE: largest CompactSize accepted as a length or count. */
export const MAX_SIZE = 0x02000000;

const utf8 = new TextDecoder('utf-8'); // non-fatal: invalid UTF-8 becomes U+FFFD, never throws

export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  /** `bytes()`/`hash32()` return views into `buf`, not copies: keep `buf` unmodified. */
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Claims `n` bytes and returns their start offset, or throws 'truncated'. */
  private take(n: number, what: string): number {
    if (n > this.buf.length - this.pos) {
      throw new WireError('truncated', `${what}: needs ${n} bytes, ${this.buf.length - this.pos} left`, this.pos);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.buf[this.take(1, what)]!;
  }

  u16le(what = 'u16'): number {
    return this.view.getUint16(this.take(2, what), true);
  }

  /** Ports in net_addr/addrv2 are big-endian. */
  u16be(what = 'u16be'): number {
    return this.view.getUint16(this.take(2, what), false);
  }

  u32le(what = 'u32'): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  i32le(what = 'i32'): number {
    return this.view.getInt32(this.take(4, what), true);
  }

  u64le(what = 'u64'): bigint {
    return this.view.getBigUint64(this.take(8, what), true);
  }

  i64le(what = 'i64'): bigint {
    return this.view.getBigInt64(this.take(8, what), true);
  }

  /** Core reads a bool as one byte; any non-zero value is true (serialize.h). */
  bool(what = 'bool'): boolean {
    return this.u8(what) !== 0;
  }

  /** A view of the next `n` bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new WireError('bad_value', `${what}: bad length ${n}`, this.pos);
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }

  /** A 32-byte hash in wire order (a view). */
  hash32(what = 'hash'): Uint8Array {
    const at = this.take(32, what);
    return this.buf.subarray(at, at + 32);
  }

  /** Everything not read yet (a view); the reader is then at its end. */
  rest(): Uint8Array {
    const at = this.pos;
    this.pos = this.buf.length;
    return this.buf.subarray(at);
  }

  /** A CompactSize of any value up to 2^64-1 (e.g. addrv2 services), canonical form only. */
  compactSizeU64(what = 'compact size'): bigint {
    const at = this.pos;
    const first = this.u8(what);
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16le(what);
      if (v < 0xfd) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xfd ${v}`, at);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32le(what);
      if (v < 0x10000) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xfe ${v}`, at);
      return BigInt(v);
    }
    const v = this.u64le(what);
    if (v < 0x100000000n) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xff ${v}`, at);
    return v;
  }

  /** A CompactSize used as a length or count: canonical and at most MAX_SIZE (Core range check). */
  compactSize(what = 'compact size'): number {
    const at = this.pos;
    const first = this.u8(what);
    if (first < 0xfd) return first;
    let v: number;
    if (first === 0xfd) {
      v = this.u16le(what);
      if (v < 0xfd) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xfd ${v}`, at);
    } else if (first === 0xfe) {
      v = this.u32le(what);
      if (v < 0x10000) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xfe ${v}`, at);
    } else {
      const big = this.u64le(what);
      if (big < 0x100000000n) throw new WireError('non_canonical', `${what}: non-canonical CompactSize 0xff ${big}`, at);
      throw new WireError('oversized', `${what}: CompactSize ${big} above MAX_SIZE ${MAX_SIZE}`, at);
    }
    if (v > MAX_SIZE) throw new WireError('oversized', `${what}: CompactSize ${v} above MAX_SIZE ${MAX_SIZE}`, at);
    return v;
  }

  /**
   * An item count: at most `max` items, and `count * minItemSize` must fit in the bytes left,
   * so a lying count fails here, before the caller allocates anything for it.
   */
  count(max: number, minItemSize: number, what = 'count'): number {
    const at = this.pos;
    const n = this.compactSize(what);
    if (n > max) throw new WireError('too_many', `${what}: ${n} items, limit ${max}`, at);
    if (n * minItemSize > this.remaining) {
      throw new WireError('truncated', `${what}: ${n} items need at least ${n * minItemSize} bytes, ${this.remaining} left`, at);
    }
    return n;
  }

  /** CompactSize length + that many bytes (a view), length at most `max`. */
  varBytes(max: number, what = 'var_bytes'): Uint8Array {
    const at = this.pos;
    const n = this.compactSize(what);
    if (n > max) throw new WireError('bad_value', `${what}: ${n} bytes, limit ${max}`, at);
    return this.bytes(n, what);
  }

  /** CompactSize length + UTF-8 bytes (invalid sequences become U+FFFD), length at most `max` bytes. */
  varStr(max: number, what = 'var_str'): string {
    return utf8.decode(this.varBytes(max, what));
  }

  /** Throws 'trailing_bytes' unless every byte was read. */
  end(what = 'payload'): void {
    if (this.pos !== this.buf.length) {
      throw new WireError('trailing_bytes', `${what}: ${this.buf.length - this.pos} bytes left over`, this.pos);
    }
  }
}
