// Golomb-Rice coding with parameter P (BIP158 "Golomb-Rice Coding"): a value x is written as
// the quotient x >> P in unary (that many one-bits, then a zero-bit) followed by the low P bits
// of x, most significant first. Values are JS numbers up to 2^53 - 1 (a GCS value is below
// F = N * M, far under that for any filter that fits in a message).
import { BitReader, BitWriter } from './bitstream.js';
import { FilterError } from './errors.js';

/** Largest P we accept: the remainder must fit one `readBits` call. */
export const MAX_GOLOMB_P = 32;

function checkP(p: number): void {
  if (!Number.isInteger(p) || p < 0 || p > MAX_GOLOMB_P) throw new FilterError('bad_argument', `Golomb-Rice parameter P=${p} not in 0..${MAX_GOLOMB_P}`);
}

export function golombRiceEncode(writer: BitWriter, p: number, x: number): void {
  checkP(p);
  if (!Number.isSafeInteger(x) || x < 0) throw new FilterError('bad_argument', `Golomb-Rice value ${x} is not a non-negative safe integer`);
  const div = 2 ** p;
  writer.writeUnary(Math.floor(x / div));
  writer.writeBits(x % div, p);
}

export function golombRiceDecode(reader: BitReader, p: number): number {
  checkP(p);
  const q = reader.readUnary();
  const r = reader.readBits(p);
  const x = q * 2 ** p + r;
  if (!Number.isSafeInteger(x)) throw new FilterError('value_out_of_range', `Golomb-Rice value with quotient ${q} exceeds 2^53`);
  return x;
}
