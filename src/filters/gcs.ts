// Golomb-coded sets (BIP158 "Golomb-Coded Sets"): build a filter from a set of byte strings,
// decode one defensively, and test query elements against it with one merge-join pass.
// Serialized form: CompactSize(N) || Golomb-Rice bit stream of the sorted hashed values' deltas.
// Decoding only allocates in proportion to the filter's byte length, whatever N claims.
import { BitReader, BitWriter } from './bitstream.js';
import { FilterError } from './errors.js';
import { golombRiceEncode } from './golomb.js';
import { sipHash24Into, sipKey, type SipKey } from './siphash.js';
import { toHex } from '../util/bytes.js';

export interface GcsParams {
  /** Golomb-Rice parameter (bits of remainder). */
  readonly p: number;
  /** Inverse false-positive rate: values are hashed into [0, N * M). */
  readonly m: number;
  /** 16-byte SipHash key. */
  readonly key: Uint8Array;
}

/** Core blockfilter.cpp: `m_N = static_cast<uint32_t>(N)`, "N must be <2^32". */
export const MAX_GCS_ELEMENTS = 0xffffffff;

const TWO16 = 65536;

/**
 * floor(h * F / 2^64) for a 64-bit h given as uint32 halves and F < 2^53, computed exactly with
 * 16-bit limbs (BIP158 "Hashing Data Objects": the high 64 bits of the 128-bit product).
 * The result is below F, so it is an exact JS number.
 */
function mulHigh64(lo: number, hi: number, f0: number, f1: number, f2: number, f3: number): number {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const a2 = hi & 0xffff;
  const a3 = hi >>> 16;
  const c0 = a0 * f0;
  const c1 = a0 * f1 + a1 * f0 + Math.floor(c0 / TWO16);
  const c2 = a0 * f2 + a1 * f1 + a2 * f0 + Math.floor(c1 / TWO16);
  const c3 = a0 * f3 + a1 * f2 + a2 * f1 + a3 * f0 + Math.floor(c2 / TWO16);
  const c4 = a1 * f3 + a2 * f2 + a3 * f1 + Math.floor(c3 / TWO16);
  return c4 + (a2 * f3 + a3 * f2) * TWO16 + a3 * f3 * 4294967296;
}

/** Maps elements into [0, F) under one key: SipHash-2-4 then the multiply-shift reduction. */
export class GcsHasher {
  private readonly key: SipKey;
  private readonly f0: number;
  private readonly f1: number;
  private readonly f2: number;
  private readonly f3: number;
  private readonly out = new Uint32Array(2);

  constructor(key: Uint8Array, readonly f: number) {
    if (!Number.isSafeInteger(f) || f < 0) throw new FilterError('bad_argument', `GCS range F=${f} is not a safe non-negative integer`);
    this.key = sipKey(key);
    this.f0 = f % TWO16;
    this.f1 = Math.floor(f / TWO16) % TWO16;
    this.f2 = Math.floor(f / 4294967296) % TWO16;
    this.f3 = Math.floor(f / 281474976710656);
  }

  hash(element: Uint8Array): number {
    sipHash24Into(this.key, element, this.out);
    return mulHigh64(this.out[0], this.out[1], this.f0, this.f1, this.f2, this.f3);
  }
}

function checkParams(params: { readonly p: number; readonly m: number }): void {
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > 32) throw new FilterError('bad_argument', `GCS parameter P=${params.p} not in 1..32`);
  if (!Number.isSafeInteger(params.m) || params.m < 1) throw new FilterError('bad_argument', `GCS parameter M=${params.m} is not a positive integer`);
}

function rangeOf(n: number, m: number): number {
  const f = n * m;
  if (!Number.isSafeInteger(f)) throw new FilterError('count_exceeds_data', `GCS range N*M = ${n}*${m} exceeds 2^53`);
  return f;
}

function compactSizeBytes(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  return Uint8Array.of(0xfe, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}

/**
 * Builds the serialized filter for a set of elements (duplicates count once, as Core's
 * ElementSet). Values are hashed into [0, N*M), sorted, and their deltas Golomb-Rice coded.
 */
export function buildGcs(params: GcsParams, elements: readonly Uint8Array[]): Uint8Array {
  checkParams(params);
  const seen = new Set<string>();
  const distinct: Uint8Array[] = [];
  for (const e of elements) {
    const k = toHex(e);
    if (!seen.has(k)) {
      seen.add(k);
      distinct.push(e);
    }
  }
  const n = distinct.length;
  if (n > MAX_GCS_ELEMENTS) throw new FilterError('bad_argument', `GCS of ${n} elements exceeds 2^32 - 1`);
  const hasher = new GcsHasher(params.key, rangeOf(n, params.m));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = hasher.hash(distinct[i]);
  values.sort();
  const writer = new BitWriter(Math.ceil((n * (params.p + 2)) / 8) + 8);
  let last = 0;
  for (let i = 0; i < n; i++) {
    golombRiceEncode(writer, params.p, values[i] - last);
    last = values[i];
  }
  const head = compactSizeBytes(n);
  const body = writer.finish();
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Reads N in Core's canonical CompactSize form; returns [N, offset of the bit stream]. */
function readCount(filter: Uint8Array): [number, number] {
  if (filter.length === 0) throw new FilterError('truncated', 'empty filter: missing element count');
  const first = filter[0];
  if (first < 0xfd) return [first, 1];
  const width = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
  if (filter.length < 1 + width) throw new FilterError('truncated', `filter element count needs ${width} more bytes`);
  let n = 0;
  for (let i = width; i >= 1; i--) n = n * 256 + filter[i];
  const min = first === 0xfd ? 0xfd : first === 0xfe ? 0x10000 : 0x100000000;
  if (n < min) throw new FilterError('non_canonical', `non-canonical CompactSize 0x${first.toString(16)} ${n}`);
  if (n > MAX_GCS_ELEMENTS) throw new FilterError('count_exceeds_data', `filter claims ${n} elements, limit 2^32 - 1`);
  return [n, 1 + width];
}

/**
 * A single forward pass over a filter's values. The constructor rejects an N the stream could
 * not hold (every element takes at least P+1 bits) before anything is allocated; `finish()`
 * checks that the last value is below F and that no whole byte is left over.
 */
class GcsCursor {
  readonly n: number;
  readonly f: number;
  private readonly reader: BitReader;
  private value = 0;
  private readonly p: number;
  private readonly div: number;

  constructor(
    private readonly filter: Uint8Array,
    params: { readonly p: number; readonly m: number },
  ) {
    checkParams(params);
    const [n, offset] = readCount(filter);
    const bits = (filter.length - offset) * 8;
    if (n * (params.p + 1) > bits) {
      throw new FilterError('count_exceeds_data', `filter claims ${n} elements but its ${bits} bits hold at most ${Math.floor(bits / (params.p + 1))}`);
    }
    this.n = n;
    this.f = rangeOf(n, params.m);
    this.p = params.p;
    this.div = 2 ** params.p;
    this.reader = new BitReader(filter, offset);
  }

  next(): number {
    const q = this.reader.readUnary();
    const r = this.reader.readBits(this.p);
    this.value += q * this.div + r;
    return this.value;
  }

  finish(): void {
    if (this.n > 0 && this.value >= this.f) {
      throw new FilterError('value_out_of_range', `filter value ${this.value} is not below F = ${this.f}`);
    }
    const used = (this.reader.bitPosition + 7) >>> 3;
    if (used < this.filter.length) {
      throw new FilterError('trailing_data', `filter has ${this.filter.length - used} bytes after its last element`);
    }
  }
}

/** Number of elements N a serialized filter declares (only the CompactSize is read). */
export function gcsElementCount(filter: Uint8Array): number {
  return readCount(filter)[0];
}

/** Decodes and validates a whole filter: its N values in ascending order, and F = N * M. */
export function decodeGcs(params: { readonly p: number; readonly m: number }, filter: Uint8Array): { readonly f: number; readonly values: Float64Array } {
  const cursor = new GcsCursor(filter, params);
  const values = new Float64Array(cursor.n);
  for (let i = 0; i < cursor.n; i++) values[i] = cursor.next();
  cursor.finish();
  return { f: cursor.f, values };
}

/**
 * True when any query element is (probably) in the filter. The queries are hashed and sorted,
 * then walked together with the decoded filter once (BIP158 "Set Queries"). The whole filter is
 * always decoded, so a malformed filter throws FilterError whatever the queries are.
 */
export function gcsMatchAny(params: GcsParams, filter: Uint8Array, queries: readonly Uint8Array[]): boolean {
  const cursor = new GcsCursor(filter, params);
  const n = cursor.n;
  const nq = queries.length;
  let hashed: Float64Array | undefined;
  if (n > 0 && nq > 0) {
    const hasher = new GcsHasher(params.key, cursor.f);
    hashed = new Float64Array(nq);
    for (let i = 0; i < nq; i++) hashed[i] = hasher.hash(queries[i]);
    hashed.sort();
  }
  let found = false;
  let qi = 0;
  for (let i = 0; i < n; i++) {
    const v = cursor.next();
    if (hashed !== undefined && !found) {
      while (qi < nq && hashed[qi] < v) qi++;
      if (qi < nq && hashed[qi] === v) found = true;
    }
  }
  cursor.finish();
  return found;
}
