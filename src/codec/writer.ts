// ByteWriter: a growable little-endian byte buffer for encoding payloads. Out-of-range values
// throw WireError('bad_value') instead of wrapping silently, so a caller bug never reaches a peer.
import { WireError } from './errors.js';

const utf8 = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new WireError('bad_value', `${what}: ${v} not an integer in [${min}, ${max}]`);
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  /** Makes room for `n` more bytes and returns where they start. Call it BEFORE reading
   * `this.buf`/`this.view`: it may replace them. */
  private grow(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.len = need;
    return at;
  }

  u8(v: number, what = 'u8'): this {
    checkInt(v, 0, 0xff, what);
    const at = this.grow(1);
    this.buf[at] = v;
    return this;
  }

  bool(v: boolean, _what = 'bool'): this {
    const at = this.grow(1);
    this.buf[at] = v ? 1 : 0;
    return this;
  }

  u16le(v: number, what = 'u16'): this {
    checkInt(v, 0, 0xffff, what);
    const at = this.grow(2);
    this.view.setUint16(at, v, true);
    return this;
  }

  u16be(v: number, what = 'u16be'): this {
    checkInt(v, 0, 0xffff, what);
    const at = this.grow(2);
    this.view.setUint16(at, v, false);
    return this;
  }

  u32le(v: number, what = 'u32'): this {
    checkInt(v, 0, 0xffffffff, what);
    const at = this.grow(4);
    this.view.setUint32(at, v, true);
    return this;
  }

  i32le(v: number, what = 'i32'): this {
    checkInt(v, -0x80000000, 0x7fffffff, what);
    const at = this.grow(4);
    this.view.setInt32(at, v, true);
    return this;
  }

  u64le(v: bigint, what = 'u64'): this {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new WireError('bad_value', `${what}: ${v} not a uint64`);
    const at = this.grow(8);
    this.view.setBigUint64(at, v, true);
    return this;
  }

  i64le(v: bigint, what = 'i64'): this {
    if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX) throw new WireError('bad_value', `${what}: ${v} not an int64`);
    const at = this.grow(8);
    this.view.setBigInt64(at, v, true);
    return this;
  }

  /** `_what` names the field for the annotated dump (wire/describe); the plain writer ignores it. */
  bytes(b: Uint8Array, _what = 'bytes'): this {
    const at = this.grow(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Exactly `size` bytes (hashes, raw headers, fixed-size addresses). */
  fixedBytes(b: Uint8Array, size: number, what = 'bytes'): this {
    if (b.length !== size) throw new WireError('bad_value', `${what}: ${b.length} bytes, expected ${size}`);
    return this.bytes(b, what);
  }

  /** `n` zero bytes (e.g. room for the envelope header, filled in later). */
  zeros(n: number): this {
    const at = this.grow(n);
    this.buf.fill(0, at, this.len);
    return this;
  }

  /** CompactSize in its shortest (canonical) form. */
  compactSize(v: number | bigint, what = 'compact size'): this {
    const n = BigInt(v);
    if (n < 0n || n > U64_MAX) throw new WireError('bad_value', `${what}: ${v} out of CompactSize range`);
    if (n < 0xfdn) return this.u8(Number(n));
    if (n <= 0xffffn) return this.u8(0xfd).u16le(Number(n));
    if (n <= 0xffffffffn) return this.u8(0xfe).u32le(Number(n));
    return this.u8(0xff).u64le(n);
  }

  /** CompactSize length + bytes; throws if longer than `max`. */
  varBytes(b: Uint8Array, max: number, what = 'var_bytes'): this {
    if (b.length > max) throw new WireError('bad_value', `${what}: ${b.length} bytes, limit ${max}`);
    return this.compactSize(b.length, what).bytes(b, what);
  }

  /** CompactSize length + UTF-8 bytes; `max` counts bytes, not characters. */
  varStr(s: string, max: number, what = 'var_str'): this {
    return this.varBytes(utf8.encode(s), max, what);
  }

  /** The bytes written so far (a view of the internal buffer: do not write after calling this). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
