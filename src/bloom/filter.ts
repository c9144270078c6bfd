// The BIP37 bloom filter (Core common/bloom.cpp CBloomFilter): sizing from an element count and
// false-positive rate, insert/contains with MurmurHash3 seeds i * 0xFBA4C795 + nTweak, and the
// `filterload` message it travels as.
import type { FilterLoadMessage } from '../wire/message.js';
import { MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS } from '../wire/messages/filterload.js';
import { outpointBytes, type OutPoint } from '../tx/tx.js';
import { BloomError } from './errors.js';
import { murmur3 } from './murmur3.js';

export { MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS };

/** nFlags values (Core bloom.h bloomflags); the low two bits select the update rule. */
export const BloomFlags = {
  UPDATE_NONE: 0,
  UPDATE_ALL: 1,
  UPDATE_P2PUBKEY_ONLY: 2,
} as const;
export const BLOOM_UPDATE_MASK = 3;

/** ln(2)^2 and ln(2) as Core's bloom.cpp spells them, so sizes agree to the bit. */
const LN2SQUARED = 0.4804530139182014246671025263266649717305529515945455;
const LN2 = 0.6931471805599453094172321214581765680755001343602552;
/** Seed multiplier between hash functions (BIP37; Core: "guarantees a reasonable bit difference"). */
const SEED_STEP = 0xfba4c795;

/**
 * Filter size in bytes and hash-function count for `elements` items at false-positive rate
 * `fpRate`, exactly as Core's constructor: bytes = min(floor(-n ln p / ln2^2), 36000 x 8) / 8
 * and hashFuncs = min(floor(floor(bytes x 8 / n) x ln 2), 50) (the division is an integer one).
 */
export function bloomSize(elements: number, fpRate: number): { bytes: number; hashFuncs: number } {
  if (!Number.isSafeInteger(elements) || elements < 1 || elements > 0xffffffff) throw new BloomError('bad_parameters', `bloom filter element count ${elements}: a whole number from 1`);
  if (!(fpRate > 0 && fpRate < 1)) throw new BloomError('bad_parameters', `bloom filter false-positive rate ${fpRate}: must be in (0, 1)`);
  const bits = Math.min(Math.trunc((-1 / LN2SQUARED) * elements * Math.log(fpRate)), MAX_BLOOM_FILTER_SIZE * 8);
  const bytes = Math.floor(bits / 8);
  const hashFuncs = Math.min(Math.trunc(Math.floor((bytes * 8) / elements) * LN2), MAX_HASH_FUNCS);
  return { bytes, hashFuncs };
}

/** Seed of hash function `i` (BIP37): i * 0xFBA4C795 + nTweak, mod 2^32. */
export function bloomSeed(i: number, tweak: number): number {
  return (Math.imul(i, SEED_STEP) + tweak) >>> 0;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BloomError('bad_parameters', `${what} ${v}: not a uint32`);
}

export class BloomFilter {
  private constructor(
    private readonly data: Uint8Array,
    readonly hashFuncs: number,
    readonly tweak: number,
    readonly flags: number,
  ) {}

  /** An empty filter sized for `elements` items at `fpRate` (Core's CBloomFilter constructor). */
  static create(elements: number, fpRate: number, tweak: number, flags: number = BloomFlags.UPDATE_ALL): BloomFilter {
    checkU32(tweak, 'nTweak');
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) throw new BloomError('bad_parameters', `nFlags ${flags}: not a byte`);
    const { bytes, hashFuncs } = bloomSize(elements, fpRate);
    return new BloomFilter(new Uint8Array(bytes), hashFuncs, tweak >>> 0, flags);
  }

  /** The filter a peer loaded; BloomError('too_large') over Core's limits (IsWithinSizeConstraints). */
  static fromMessage(m: Pick<FilterLoadMessage, 'filter' | 'hashFuncs' | 'tweak' | 'flags'>): BloomFilter {
    if (m.filter.length > MAX_BLOOM_FILTER_SIZE) throw new BloomError('too_large', `bloom filter of ${m.filter.length} bytes, limit ${MAX_BLOOM_FILTER_SIZE}`);
    if (m.hashFuncs > MAX_HASH_FUNCS) throw new BloomError('too_large', `bloom filter with ${m.hashFuncs} hash functions, limit ${MAX_HASH_FUNCS}`);
    checkU32(m.hashFuncs, 'nHashFuncs');
    checkU32(m.tweak, 'nTweak');
    if (!Number.isInteger(m.flags) || m.flags < 0 || m.flags > 0xff) throw new BloomError('bad_parameters', `nFlags ${m.flags}: not a byte`);
    return new BloomFilter(Uint8Array.from(m.filter), m.hashFuncs, m.tweak, m.flags);
  }

  /** Filter size in bytes. */
  get size(): number {
    return this.data.length;
  }

  /** The update rule: flags & BLOOM_UPDATE_MASK. */
  get updateRule(): number {
    return this.flags & BLOOM_UPDATE_MASK;
  }

  private bitIndex(i: number, key: Uint8Array): number {
    return murmur3(bloomSeed(i, this.tweak), key) % (this.data.length * 8);
  }

  insert(key: Uint8Array): void {
    if (this.data.length === 0) return; // Core: an empty filter ignores inserts (CVE-2013-5700)
    for (let i = 0; i < this.hashFuncs; i++) {
      const idx = this.bitIndex(i, key);
      this.data[idx >> 3]! |= 1 << (idx & 7);
    }
  }

  /** Inserts the serialized outpoint (txid || uint32 LE index). */
  insertOutpoint(p: OutPoint): void {
    this.insert(outpointBytes(p));
  }

  /** True when `key` may be in the set; an empty (0-byte) filter matches everything, as in Core. */
  contains(key: Uint8Array): boolean {
    if (this.data.length === 0) return true;
    for (let i = 0; i < this.hashFuncs; i++) {
      const idx = this.bitIndex(i, key);
      if ((this.data[idx >> 3]! & (1 << (idx & 7))) === 0) return false;
    }
    return true;
  }

  containsOutpoint(p: OutPoint): boolean {
    return this.contains(outpointBytes(p));
  }

  /** A copy of the filter bits. */
  bytes(): Uint8Array {
    return this.data.slice();
  }

  /** The `filterload` message carrying this filter (a snapshot of its bits). */
  toMessage(): FilterLoadMessage {
    return { command: 'filterload', filter: this.data.slice(), hashFuncs: this.hashFuncs, tweak: this.tweak, flags: this.flags };
  }
}
