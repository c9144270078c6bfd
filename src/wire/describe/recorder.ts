// A ByteWriter that remembers which field wrote which bytes: the codecs' own `encode` functions,
// run through it, name every byte of a payload (the field labels they already pass for errors).
// Used only by the annotated dump (trace, `spv decode`); the hot path keeps the plain writer.
import { toHex } from '../../util/bytes.js';
import { ByteWriter } from '../../codec/writer.js';
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
  /** Set by layout.ts when it numbers a repeated label ("inv.hash" -> "inv.hash[3]"). */
  index: number | undefined;

  constructor(
    public offset: number,
    readonly length: number,
    /** The label the codec used (formatting goes by it, not by the indexed name). */
    readonly label: string,
    private readonly kind: RawValue['kind'],
    private readonly raw: unknown,
  ) {}

  get name(): string {
    return this.index === undefined ? this.label : `${this.label}[${this.index}]`;
  }

  get value(): string {
    return (this.text ??= formatFieldValue(this.label, { kind: this.kind, v: this.raw } as RawValue));
  }

  toJSON(): FieldSpan {
    return { offset: this.offset, length: this.length, name: this.name, value: this.value };
  }
}

/** `s` at `by` bytes further on (recorded spans are fresh per call: moved in place). */
export function moveSpan(s: FieldSpan, by: number): FieldSpan {
  if (s instanceof LazySpan) {
    s.offset += by;
    return s;
  }
  return { ...s, offset: s.offset + by };
}

/** `s` as the `k`-th of the fields sharing its name (in place for recorded spans). */
export function indexSpan(s: FieldSpan, k: number): FieldSpan {
  if (s instanceof LazySpan) {
    s.index = k;
    return s;
  }
  return { ...s, name: `${s.name}[${k}]` };
}

export class FieldRecorder extends ByteWriter {
  readonly spans: FieldSpan[] = [];
  /** Nesting depth: compactSize() calls u8()/u16le(), varBytes() calls compactSize(); only the
   * outermost call is a field. (A throw leaves it raised: the recorder is then abandoned.) */
  private depth = 0;
  private readonly headerNames = new Map<string, string[]>();

  private push(at: number, name: string, kind: RawValue['kind'], v: unknown): void {
    this.spans.push(new LazySpan(at, this.length - at, name, kind, v));
  }

  override u8(v: number, what = 'u8'): this {
    const at = this.length;
    this.depth++;
    super.u8(v, what);
    if (--this.depth === 0) this.push(at, what, 'u8', v);
    return this;
  }
  override bool(v: boolean, what = 'bool'): this {
    const at = this.length;
    this.depth++;
    super.bool(v, what);
    if (--this.depth === 0) this.push(at, what, 'bool', v);
    return this;
  }
  override u16le(v: number, what = 'u16'): this {
    const at = this.length;
    this.depth++;
    super.u16le(v, what);
    if (--this.depth === 0) this.push(at, what, 'u16', v);
    return this;
  }
  override u16be(v: number, what = 'u16be'): this {
    const at = this.length;
    this.depth++;
    super.u16be(v, what);
    if (--this.depth === 0) this.push(at, what, 'u16', v);
    return this;
  }
  override u32le(v: number, what = 'u32'): this {
    const at = this.length;
    this.depth++;
    super.u32le(v, what);
    if (--this.depth === 0) this.push(at, what, 'u32', v);
    return this;
  }
  override i32le(v: number, what = 'i32'): this {
    const at = this.length;
    this.depth++;
    super.i32le(v, what);
    if (--this.depth === 0) this.push(at, what, 'i32', v);
    return this;
  }
  override u64le(v: bigint, what = 'u64'): this {
    const at = this.length;
    this.depth++;
    super.u64le(v, what);
    if (--this.depth === 0) this.push(at, what, 'u64', v);
    return this;
  }
  override i64le(v: bigint, what = 'i64'): this {
    const at = this.length;
    this.depth++;
    super.i64le(v, what);
    if (--this.depth === 0) this.push(at, what, 'i64', v);
    return this;
  }
  override compactSize(v: number | bigint, what = 'compact size'): this {
    const at = this.length;
    this.depth++;
    super.compactSize(v, what);
    if (--this.depth === 0) this.push(at, what, 'compact', BigInt(v));
    return this;
  }
  override bytes(b: Uint8Array, what = 'bytes'): this {
    if (this.depth === 0 && b.length === BLOCK_HEADER_SIZE && (what === 'header' || what.endsWith('.header'))) return this.blockHeader(b, what);
    const at = this.length;
    this.depth++;
    super.bytes(b, what);
    if (--this.depth === 0) this.push(at, what, b.length === 32 ? 'hash' : 'bytes', b);
    return this;
  }
  override fixedBytes(b: Uint8Array, size: number, what = 'bytes'): this {
    if (b.length !== size) return super.fixedBytes(b, size, what); // throws the usual error
    return this.bytes(b, what);
  }
  /** Two fields: the CompactSize length, then the bytes. */
  override varBytes(b: Uint8Array, max: number, what = 'var_bytes'): this {
    if (this.depth > 0 || b.length > max) return super.varBytes(b, max, what); // nested, or throws the usual error
    this.compactSize(b.length, `${what}.length`);
    return this.bytes(b, what);
  }
  override varStr(s: string, max: number, what = 'var_str'): this {
    if (this.depth > 0) return super.varStr(s, max, what);
    const b = new TextEncoder().encode(s);
    if (b.length > max) return super.varStr(s, max, what);
    this.compactSize(b.length, `${what}.length`);
    const at = this.length;
    this.depth++;
    super.bytes(b, what);
    this.depth--;
    this.push(at, what, 'string', s);
    return this;
  }

  /** An 80-byte block header as its six fields. */
  private blockHeader(h: Uint8Array, what: string): this {
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    let names = this.headerNames.get(what);
    if (!names) this.headerNames.set(what, (names = HEADER_FIELDS.map(([name]) => `${what}.${name}`)));
    let off = 0;
    for (let i = 0; i < HEADER_FIELDS.length; i++) {
      const [, size, kind] = HEADER_FIELDS[i]!;
      const at = this.length;
      this.depth++;
      super.bytes(h.subarray(off, off + size), what);
      this.depth--;
      const v = kind === 'hash' ? h.subarray(off, off + size) : kind === 'i32' ? view.getInt32(off, true) : view.getUint32(off, true);
      this.push(at, names[i]!, kind, v);
      off += size;
    }
    return this;
  }
}

/** Plain hex of a span's bytes, for JSON output. */
export function spanHex(bytes: Uint8Array, s: FieldSpan): string {
  return toHex(bytes.subarray(s.offset, s.offset + s.length));
}
