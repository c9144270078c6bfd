// The 80-byte block header: field layout, decode/encode, and the block hash (SHA256d).
// Raw headers stay in wire order; hashes are wire-order bytes unless a name says "display".
import { hashToDisplay } from '../util/bytes.js';
import { hashHeader } from './sha256d-header.js';

export const HEADER_SIZE = 80; // CBlockHeader serialized size
/** Bitcoin Core net_processing: MAX_HEADERS_RESULTS (defined once, in the wire codec). */
export { MAX_HEADERS_RESULTS as MAX_HEADERS_PER_MSG } from '../wire/messages/headers.js';

// Byte offsets inside a header (Core primitives/block.h SERIALIZE_METHODS order).
export const OFF_VERSION = 0;
export const OFF_PREV = 4;
export const OFF_MERKLE = 36;
export const OFF_TIME = 68;
export const OFF_BITS = 72;
export const OFF_NONCE = 76;
// The same offsets in 32-bit words, for Uint32Array views over aligned header storage.
export const W_VERSION = 0;
export const W_PREV = 1;
export const W_TIME = 17;
export const W_BITS = 18;
export const W_NONCE = 19;
export const HEADER_WORDS = 20;

export interface BlockHeader {
  /** int32 (negative when the top bit is set; Core compares it signed). */
  readonly version: number;
  /** Parent block hash, wire order. */
  readonly prevBlock: Uint8Array;
  /** Wire order. */
  readonly merkleRoot: Uint8Array;
  /** Unix seconds (uint32). */
  readonly time: number;
  /** Compact target (nBits). */
  readonly bits: number;
  readonly nonce: number;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function putU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

function checkLength(raw: Uint8Array, off: number): void {
  if (off < 0 || raw.length - off < HEADER_SIZE) throw new RangeError(`a block header is ${HEADER_SIZE} bytes, got ${raw.length - off}`);
}

export function decodeHeader(raw: Uint8Array, off = 0): BlockHeader {
  checkLength(raw, off);
  return {
    version: u32le(raw, off + OFF_VERSION) | 0,
    prevBlock: raw.slice(off + OFF_PREV, off + OFF_PREV + 32),
    merkleRoot: raw.slice(off + OFF_MERKLE, off + OFF_MERKLE + 32),
    time: u32le(raw, off + OFF_TIME),
    bits: u32le(raw, off + OFF_BITS),
    nonce: u32le(raw, off + OFF_NONCE),
  };
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  if (h.prevBlock.length !== 32 || h.merkleRoot.length !== 32) throw new RangeError('prevBlock and merkleRoot must be 32 bytes');
  const out = new Uint8Array(HEADER_SIZE);
  putU32le(out, OFF_VERSION, h.version >>> 0);
  out.set(h.prevBlock, OFF_PREV);
  out.set(h.merkleRoot, OFF_MERKLE);
  putU32le(out, OFF_TIME, h.time >>> 0);
  putU32le(out, OFF_BITS, h.bits >>> 0);
  putU32le(out, OFF_NONCE, h.nonce >>> 0);
  return out;
}

export const headerVersion = (raw: Uint8Array, off = 0): number => u32le(raw, off + OFF_VERSION) | 0;
export const headerTime = (raw: Uint8Array, off = 0): number => u32le(raw, off + OFF_TIME);
export const headerBits = (raw: Uint8Array, off = 0): number => u32le(raw, off + OFF_BITS);
export const headerNonce = (raw: Uint8Array, off = 0): number => u32le(raw, off + OFF_NONCE);
export const headerPrevBlock = (raw: Uint8Array, off = 0): Uint8Array => raw.slice(off + OFF_PREV, off + OFF_PREV + 32);

/** Block hash, wire order (SHA256d of the 80 bytes). */
export function blockHash(raw: Uint8Array, off = 0): Uint8Array {
  checkLength(raw, off);
  return hashHeader(raw, off);
}

/** Block hash in display order (as explorers and Core RPC print it). */
export function blockHashDisplay(raw: Uint8Array, off = 0): string {
  return hashToDisplay(blockHash(raw, off));
}

export { putU32le, u32le as readU32le };
