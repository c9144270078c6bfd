// A ByteWriter that remembers which field wrote which bytes: the codecs' own `encode` functions,
// run through it, name every byte of a payload (the field labels they already pass for errors).
// Used only by the annotated dump (trace, `spv decode`); the hot path keeps the plain writer.
import { toHex } from '../../util/bytes.js';
import { ByteWriter } from '../writer.js';
import { formatFieldValue, type RawValue } from './format.js';

/** One field of a payload: where it is, what it is called, its value as text. */
export interface FieldSpan {
  readonly offset: number;
  readonly length: number;
  readonly name: string;
  readonly value: string;
}

/** Names whose 80 bytes are a block header, shown field by field (Core primitives/block.h). */
const HEADER_FIELDS: readonly (readonly [string, number, RawValue['kind']])[] = [
  ['version', 4, 'i32'],
  ['prev_block', 32, 'hash'],
  ['merkle_root', 32, 'hash'],
  ['time', 4, 'u32'],
  ['bits', 4, 'u32'],
  ['nonce', 4, 'u32'],
];
const BLOCK_HEADER_SIZE = 80;

/**
 * A recorded field whose value text is made only when asked: a 2,000-header message has 14,000
 * fields and a dump shows 52 of them (the trace formats what it prints, not what it elides).
 */
export class LazySpan implements FieldSpan {
  private text: string | undefined;

  constructor(
    readonly offset: number,
    readonly length: number,
    readonly name: string,
    /** The label the codec used (formatting goes by it, not by the indexed `name`). */
    private readonly label: string,
    private readonly raw: () => RawValue,
  ) {}

  get value(): string {
    return (this.text ??= formatFieldValue(this.label, this.raw()));
  }

  moved(by: number): LazySpan {
    return new LazySpan(this.offset + by, this.length, this.name, this.label, this.raw);
  }

  renamed(name: string): LazySpan {
    return new LazySpan(this.offset, this.length, name, this.label, this.raw);
  }

  toJSON(): FieldSpan {
    return { offset: this.offset, length: this.length, name: this.name, value: this.value };
  }
}

/** `s` at `by` bytes further on. */
export function moveSpan(s: FieldSpan, by: number): FieldSpan {
  return s instanceof LazySpan ? s.moved(by) : { ...s, offset: s.offset + by };
}

/** `s` under another name. */
export function renameSpan(s: FieldSpan, name: string): FieldSpan {
  return s instanceof LazySpan ? s.renamed(name) : { ...s, name };
}

export class FieldRecorder extends ByteWriter {
  readonly spans: FieldSpan[] = [];
  /** Nesting depth: compactSize() calls u8()/u16le(), varBytes() calls compactSize(); only the
   * outermost call is a field. */
  private depth = 0;

  private field(name: string, raw: () => RawValue, write: () => void): this {
    const at = this.length;
    this.depth++;
    try {
      write();
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.spans.push(new LazySpan(at, this.length - at, name, name, raw));
    return this;
  }

  override u8(v: number, what = 'u8'): this {
    return this.field(what, () => ({ kind: 'u8', v }), () => super.u8(v, what));
  }
  override bool(v: boolean, what = 'bool'): this {
    return this.field(what, () => ({ kind: 'bool', v }), () => super.bool(v, what));
  }
  override u16le(v: number, what = 'u16'): this {
    return this.field(what, () => ({ kind: 'u16', v }), () => super.u16le(v, what));
  }
  override u16be(v: number, what = 'u16be'): this {
    return this.field(what, () => ({ kind: 'u16', v }), () => super.u16be(v, what));
  }
  override u32le(v: number, what = 'u32'): this {
    return this.field(what, () => ({ kind: 'u32', v }), () => super.u32le(v, what));
  }
  override i32le(v: number, what = 'i32'): this {
    return this.field(what, () => ({ kind: 'i32', v }), () => super.i32le(v, what));
  }
  override u64le(v: bigint, what = 'u64'): this {
    return this.field(what, () => ({ kind: 'u64', v }), () => super.u64le(v, what));
  }
  override i64le(v: bigint, what = 'i64'): this {
    return this.field(what, () => ({ kind: 'i64', v }), () => super.i64le(v, what));
  }
  override compactSize(v: number | bigint, what = 'compact size'): this {
    return this.field(what, () => ({ kind: 'compact', v: BigInt(v) }), () => super.compactSize(v, what));
  }
  override bytes(b: Uint8Array, what = 'bytes'): this {
    if (this.depth === 0 && b.length === BLOCK_HEADER_SIZE && /(^|\.)header$/.test(what)) return this.blockHeader(b, what);
    return this.field(what, () => (b.length === 32 ? { kind: 'hash', v: b } : { kind: 'bytes', v: b }), () => super.bytes(b, what));
  }
  override fixedBytes(b: Uint8Array, size: number, what = 'bytes'): this {
    if (b.length !== size) return super.fixedBytes(b, size, what); // throws the usual error
    return this.bytes(b, what);
  }
  /** Two fields: the CompactSize length, then the bytes. */
  override varBytes(b: Uint8Array, max: number, what = 'var_bytes'): this {
    if (this.depth > 0) return super.varBytes(b, max, what);
    if (b.length > max) return super.varBytes(b, max, what); // throws the usual error
    this.compactSize(b.length, `${what}.length`);
    return this.bytes(b, what);
  }
  override varStr(s: string, max: number, what = 'var_str'): this {
    if (this.depth > 0) return super.varStr(s, max, what);
    const b = new TextEncoder().encode(s);
    if (b.length > max) return super.varStr(s, max, what);
    this.compactSize(b.length, `${what}.length`);
    return this.field(what, () => ({ kind: 'string', v: s }), () => super.bytes(b, what));
  }

  /** An 80-byte block header as its six fields. */
  private blockHeader(h: Uint8Array, what: string): this {
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    let off = 0;
    for (const [name, size, kind] of HEADER_FIELDS) {
      const part = h.subarray(off, off + size);
      const at = off;
      const raw = (): RawValue =>
        kind === 'hash' ? { kind, v: part } : kind === 'i32' ? { kind, v: view.getInt32(at, true) } : { kind: 'u32', v: view.getUint32(at, true) };
      this.field(`${what}.${name}`, raw, () => super.bytes(part, what));
      off += size;
    }
    return this;
  }
}

/** Plain hex of a span's bytes, for JSON output. */
export function spanHex(bytes: Uint8Array, s: FieldSpan): string {
  return toHex(bytes.subarray(s.offset, s.offset + s.length));
}
