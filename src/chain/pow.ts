// Proof of work: compact nBits <-> 256-bit target exactly as Core's arith_uint256
// SetCompact/GetCompact (negative, overflow and zero cases), per-block work
// floor(2^256 / (target + 1)) (Core GetBlockProof), and the allocation-free hash <= target
// test used on the hot path (targets as 8 little-endian u32 limbs).

const U256_MASK = (1n << 256n) - 1n;
const TWO_256 = 1n << 256n;

export interface DecodedCompact {
  readonly target: bigint;
  /** Sign bit (0x00800000) set with a non-zero mantissa: Core rejects it. */
  readonly negative: boolean;
  /** The value does not fit in 256 bits: Core rejects it. */
  readonly overflow: boolean;
}

/** Core arith_uint256::SetCompact. The target is what Core computes (shifted modulo 2^256). */
export function decodeCompact(bits: number): DecodedCompact {
  const compact = bits >>> 0;
  const size = compact >>> 24;
  let word = compact & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = (BigInt(word) << BigInt(8 * (size - 3))) & U256_MASK;
  }
  const negative = word !== 0 && (compact & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Core arith_uint256::GetCompact(fNegative). Truncates to three significant bytes. */
export function encodeCompact(target: bigint, negative = false): number {
  if (target < 0n || target > U256_MASK) throw new RangeError('target must be a 256-bit unsigned integer');
  let size = Math.floor((bitLength(target) + 7) / 8);
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number(target >> BigInt(8 * (size - 3)));
  // The 0x00800000 bit is the sign: if the mantissa would set it, shift it down a byte.
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  compact = (compact | (size << 24)) >>> 0;
  if (negative && (compact & 0x007fffff) !== 0) compact = (compact | 0x00800000) >>> 0;
  return compact;
}

/** The target a header's bits claim, or null when Core's CheckProofOfWork would reject the bits. */
export function validTarget(bits: number, powLimit: bigint): bigint | null {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > powLimit) return null;
  return target;
}

/** Core GetBlockProof: floor(2^256 / (target + 1)); 0 for bits Core considers invalid. */
export function workFromBits(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

const workCache = new Map<number, bigint>();
/** workFromBits, memoised (a chain uses few distinct bits values). */
export function cachedWork(bits: number): bigint {
  let w = workCache.get(bits);
  if (w === undefined) {
    w = workFromBits(bits);
    if (workCache.size > 100_000) workCache.clear();
    workCache.set(bits, w);
  }
  return w;
}

/** A wire-order hash read as the little-endian 256-bit number Core compares to the target. */
export function hashToBigint(hash: Uint8Array): bigint {
  let x = 0n;
  for (let i = hash.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(hash[i]);
  return x;
}

export function bigintToHash(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export type PowCheck = 'ok' | 'bad_pow_limit' | 'high_hash';

/** Core CheckProofOfWork on a wire-order hash. */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): PowCheck {
  const target = validTarget(bits, powLimit);
  if (target === null) return 'bad_pow_limit';
  return hashToBigint(hash) <= target ? 'ok' : 'high_hash';
}

/** 8 little-endian u32 limbs (limb 7 most significant) of a 256-bit number. */
export function toLimbs(x: bigint, out = new Uint32Array(8)): Uint32Array {
  for (let i = 0; i < 8; i++) {
    out[i] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
  return out;
}

/**
 * hash <= target on limbs: hash as the LE u32 words of the wire-order hash bytes
 * (hash[off..off+8)), target as toLimbs(target). No allocation.
 */
export function hashMeetsTarget(hash: Uint32Array, off: number, target: Uint32Array): boolean {
  for (let i = 7; i >= 0; i--) {
    const h = hash[off + i];
    const t = target[i];
    if (h !== t) return h < t;
  }
  return true;
}

/**
 * Remembers the limbs of recently seen bits (a chain changes bits rarely), so the hot
 * path needs no bigint work. `limbs(bits)` returns null when the bits are invalid for
 * this powLimit (Core: negative, zero, overflow, or above powLimit).
 */
export class TargetCache {
  private readonly map = new Map<number, Uint32Array | null>();
  private lastBits = -1;
  private lastLimbs: Uint32Array | null = null;
  constructor(private readonly powLimit: bigint) {}

  limbs(bits: number): Uint32Array | null {
    if (bits === this.lastBits) return this.lastLimbs;
    let l = this.map.get(bits);
    if (l === undefined) {
      const t = validTarget(bits, this.powLimit);
      l = t === null ? null : toLimbs(t);
      if (this.map.size > 10_000) this.map.clear();
      this.map.set(bits, l);
    }
    this.lastBits = bits;
    this.lastLimbs = l;
    return l;
  }
}
