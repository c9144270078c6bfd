// Deterministic header chains with real proof of work (same params, options and seed =>
// same bytes), for tests, benchmarks and `spv serve --generate N --seed S`: regtest chains
// (bits 0x207fffff, ~2 hashes per header, mined from a midstate) and, via ChainBuilder,
// synthetic chains on any params that follow that network's difficulty rules by default.
import type { NetworkParams } from '../params/networks.js';
import { fromHex, hashToDisplay } from '../util/bytes.js';
import { MinDifficultyWalk, nextWorkRequired, retargetInterval, type AncestorView } from './difficulty.js';
import { encodeHeader, HEADER_SIZE, putU32le, readU32le } from './header.js';
import { decodeCompact, encodeCompact, hashMeetsTarget, toLimbs } from './pow.js';
import { finishHeaderHash, hashHeader, headerMidstate } from './sha256d-header.js';

/** Version of generated headers: BIP9 top bits (>= 4, so BIP34/66/65 minimums pass). */
export const GENERATED_VERSION = 0x20000000;
/**
 * Default spacing of generateChain timestamps. Shorter than regtest's 600 s target (which
 * regtest never enforces) so that even a few million generated headers stay in the past
 * and validate against a real clock.
 */
export const GENERATE_DEFAULT_SPACING_S = 60;

export interface BuilderOptions {
  /** Seed of the pseudo-random merkle roots (number or string). Default 1. */
  seed?: number | string;
  /** Seconds between a header and its parent unless a header says otherwise. Default: params.targetSpacingS. */
  spacing?: number;
  /** Default header version. Default GENERATED_VERSION. */
  version?: number;
}

export interface NextHeaderOptions {
  /** Absolute timestamp (wins over timeDelta). */
  time?: number;
  /** Seconds after the parent. Default: the builder's spacing. */
  timeDelta?: number;
  /** nBits; default: what the network's difficulty rules require at this height. */
  bits?: number;
  version?: number;
  merkleRoot?: Uint8Array;
  /** 'valid' (default): find a nonce with hash <= target; 'invalid': one with hash > target; 'none': nonce 0. */
  pow?: 'valid' | 'invalid' | 'none';
}

function seedNumber(seed: number | string | undefined): number {
  if (seed === undefined) return 1;
  if (typeof seed === 'number') return seed >>> 0;
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const hashOut = new Uint32Array(8);
const mid = new Int32Array(8);
const limbCache = new Map<number, Uint32Array>();

function limbsOf(bits: number, wantValid: boolean): Uint32Array {
  let l = limbCache.get(bits);
  if (!l) {
    const { target, negative, overflow } = decodeCompact(bits);
    if (negative || overflow || (wantValid && target === 0n)) throw new RangeError(`cannot mine bits 0x${bits.toString(16)}`);
    l = toLimbs(target);
    if (limbCache.size > 1000) limbCache.clear();
    limbCache.set(bits, l);
  }
  return l;
}

function wordsToBytes(w: Uint32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) putU32le(out, 4 * i, w[i]);
  return out;
}

/**
 * Sets the nonce of the header at raw[off..off+80) so that its hash meets (or, with
 * `wantValid` false, misses) the target of its bits. Returns the block hash (wire order).
 */
export function mineHeader(raw: Uint8Array, off = 0, wantValid = true): Uint8Array {
  const bits = readU32le(raw, off + 72);
  const limbs = limbsOf(bits, wantValid);
  headerMidstate(raw, off, mid);
  const tail = readU32le(raw, off + 64);
  const time = readU32le(raw, off + 68);
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    finishHeaderHash(mid, tail, time, bits, nonce, hashOut, 0);
    if (hashMeetsTarget(hashOut, 0, limbs) === wantValid) {
      putU32le(raw, off + 76, nonce);
      return wordsToBytes(hashOut);
    }
  }
  throw new Error('nonce space exhausted');
}

/** Builds a chain on top of the network's genesis (or given headers), header by header. */
export class ChainBuilder implements AncestorView {
  readonly params: NetworkParams;
  private buf: Uint8Array;
  private count: number;
  private readonly seed: number;
  private readonly spacing: number;
  private readonly version: number;
  private readonly interval: number;
  private readonly walk = new MinDifficultyWalk();
  private tipHash: Uint8Array;

  constructor(params: NetworkParams, opts: BuilderOptions = {}, base?: Uint8Array) {
    this.params = params;
    this.seed = seedNumber(opts.seed);
    this.spacing = opts.spacing ?? params.targetSpacingS;
    this.version = opts.version ?? GENERATED_VERSION;
    this.interval = retargetInterval(params);
    const start = base ?? fromHex(params.genesis.headerHex);
    if (start.length === 0 || start.length % HEADER_SIZE !== 0) throw new RangeError('base must hold whole headers, genesis first');
    this.buf = new Uint8Array(Math.max(start.length * 2, 64 * HEADER_SIZE));
    this.buf.set(start);
    this.count = start.length / HEADER_SIZE;
    this.tipHash = hashHeader(this.headerAt(this.count - 1));
  }

  get height(): number {
    return this.count - 1;
  }

  timeAt(h: number): number {
    return readU32le(this.buf, h * HEADER_SIZE + 68);
  }
  bitsAt(h: number): number {
    return readU32le(this.buf, h * HEADER_SIZE + 72);
  }
  lastNonMinDifficultyBits(height: number, interval: number, powLimitBits: number): number {
    return this.walk.lastNonMinDifficultyBits(this, height, interval, powLimitBits);
  }


  /** View of the raw header at height h (valid until the builder grows). */
  headerAt(h: number): Uint8Array {
    if (h < 0 || h >= this.count) throw new RangeError(`no header at ${h}`);
    return this.buf.subarray(h * HEADER_SIZE, (h + 1) * HEADER_SIZE);
  }
  hashAt(h: number): Uint8Array {
    return h === this.count - 1 ? this.tipHash.slice() : hashHeader(this.headerAt(h));
  }
  hashHexAt(h: number): string {
    return hashToDisplay(this.hashAt(h));
  }
  /** Copies of the headers at heights [from, to) (default: everything after genesis). */
  headers(from = 1, to = this.count): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let h = from; h < to; h++) out.push(this.buf.slice(h * HEADER_SIZE, (h + 1) * HEADER_SIZE));
    return out;
  }
  /** Heights [from, to) as one contiguous copy. */
  bytes(from = 1, to = this.count): Uint8Array {
    return this.buf.slice(from * HEADER_SIZE, to * HEADER_SIZE);
  }

  /** A new builder holding heights 0..height of this one (to grow a competing branch). */
  fork(height: number, opts: BuilderOptions = {}): ChainBuilder {
    return new ChainBuilder(this.params, { seed: opts.seed ?? this.seed + 0x9e37, spacing: opts.spacing ?? this.spacing, version: opts.version ?? this.version }, this.bytes(0, height + 1));
  }

  /** Appends and returns (a copy of) one new header. */
  next(o: NextHeaderOptions = {}): Uint8Array {
    const off = this.mineNext(o);
    return this.buf.slice(off, off + HEADER_SIZE);
  }

  /** Builds, mines and appends the next header in place; returns its byte offset. */
  private mineNext(o: NextHeaderOptions): number {
    const parent = this.count - 1;
    const height = parent + 1;
    const time = o.time ?? this.timeAt(parent) + (o.timeDelta ?? this.spacing);
    const bits = o.bits ?? nextWorkRequired(this.params, this, parent, time, this.interval);
    this.reserve(1);
    const b = this.buf;
    const off = height * HEADER_SIZE;
    putU32le(b, off, (o.version ?? this.version) >>> 0);
    b.set(this.tipHash, off + 4);
    if (o.merkleRoot) b.set(o.merkleRoot.subarray(0, 32), off + 36);
    else {
      let x = this.seed ^ Math.imul(height, 0x9e3779b9);
      for (let i = 0; i < 32; i += 4) {
        x = mix32(x + 0x6d2b79f5);
        putU32le(b, off + 36 + i, x);
      }
    }
    putU32le(b, off + 68, time >>> 0);
    putU32le(b, off + 72, bits >>> 0);
    putU32le(b, off + 76, 0);
    const pow = o.pow ?? 'valid';
    this.tipHash = pow === 'none' ? hashHeader(b, off) : mineHeader(b, off, pow === 'valid');
    this.count++;
    return off;
  }

  /** Appends n headers with the same options (time advancing by timeDelta/spacing). */
  extend(n: number, o: Omit<NextHeaderOptions, 'time' | 'merkleRoot'> = {}): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) out.push(this.next(o));
    return out;
  }

  /** Appends a header as given (no checks), e.g. one a test crafted by hand. */
  push(raw: Uint8Array): void {
    if (raw.length !== HEADER_SIZE) throw new RangeError('a header is 80 bytes');
    this.append(raw, hashHeader(raw));
  }

  private append(raw: Uint8Array, hash: Uint8Array): void {
    this.reserve(1);
    this.buf.set(raw, this.count * HEADER_SIZE);
    this.count++;
    this.tipHash = hash;
  }

  private reserve(more: number): void {
    const need = (this.count + more) * HEADER_SIZE;
    if (need <= this.buf.length) return;
    const b = new Uint8Array(Math.max(need, this.buf.length * 2));
    b.set(this.buf.subarray(0, this.count * HEADER_SIZE));
    this.buf = b;
  }

  /** Appends n headers at the given times without returning copies (generateChain's path). */
  extendAt(times: (i: number) => number, n: number): void {
    this.reserve(n);
    for (let i = 0; i < n; i++) this.mineNext({ time: times(i) });
  }
}

export interface GenerateOptions {
  /** Default 1. */
  seed?: number | string;
  /** Timestamp of height 1. Default genesis time + spacing. */
  startTime?: number;
  /** Default GENERATE_DEFAULT_SPACING_S. */
  spacing?: number;
  version?: number;
}

/**
 * `n` headers on top of the network's genesis (heights 1..n) as one contiguous buffer of
 * n * 80 bytes, with real proof of work at the bits the network's rules require (regtest:
 * 0x207fffff, about two hashes per header). Deterministic in (params, n, options).
 */
export function generateChain(params: NetworkParams, n: number, opts: GenerateOptions = {}): Uint8Array {
  const spacing = opts.spacing ?? GENERATE_DEFAULT_SPACING_S;
  const b = new ChainBuilder(params, { seed: opts.seed, spacing, version: opts.version });
  const startTime = opts.startTime ?? params.genesis.time + spacing;
  b.extendAt((i) => startTime + i * spacing, n);
  return b.bytes(1, n + 1);
}

/** Views of consecutive 80-byte headers in a contiguous buffer (e.g. generateChain's output). */
export function splitHeaders(bytes: Uint8Array, from = 0, to = bytes.length / HEADER_SIZE): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = from; i < to; i++) out.push(bytes.subarray(i * HEADER_SIZE, (i + 1) * HEADER_SIZE));
  return out;
}

/**
 * A test network derived from `base`: overrides applied, a fresh genesis mined at
 * `genesisBits` (default the pow limit's bits), and no checkpoints or minimum work unless
 * given. For rule tests where mining at real difficulty would be too slow.
 */
export function deriveTestNetwork(
  base: NetworkParams,
  overrides: Partial<Omit<NetworkParams, 'genesis'>> & { genesisBits?: number; genesisTime?: number } = {},
): NetworkParams {
  const { genesisBits, genesisTime, ...rest } = overrides;
  const powLimit = rest.powLimit ?? base.powLimit;
  const powLimitBits = rest.powLimitBits ?? encodeCompact(powLimit);
  const bits = genesisBits ?? powLimitBits;
  const time = genesisTime ?? base.genesis.time;
  const baseGenesis = fromHex(base.genesis.headerHex);
  const raw = encodeHeader({ version: 1, prevBlock: new Uint8Array(32), merkleRoot: baseGenesis.slice(36, 68), time, bits, nonce: 0 });
  mineHeader(raw);
  return {
    ...base,
    checkpoints: {},
    minimumChainWork: 0n,
    ...rest,
    powLimit,
    powLimitBits,
    genesis: { headerHex: Buffer.from(raw).toString('hex'), hash: hashToDisplay(hashHeader(raw)), time, bits },
  };
}
