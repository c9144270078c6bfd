// Shared fixtures for chain tests: the reference pack's vectors, easy test networks, and Core's
// retarget formula written out as the expected value.
import { readFileSync } from 'node:fs';
import { NETWORKS, type NetworkParams } from '../../src/params/networks.js';
import { deriveTestNetwork } from '../../src/chain/generate.js';
import { decodeCompact, encodeCompact } from '../../src/chain/pow.js';
import { fromHex } from '../../src/util/bytes.js';
import { VECTORS_DIR } from '../helpers/vectors.js';

export const VECTORS = VECTORS_DIR;

export function readVector(name: string): string {
  return readFileSync(`${VECTORS}/${name}`, 'utf8');
}

/** One raw header per non-empty, non-comment line of a hex file (line n+1 = height n). */
export function readHeaderFile(name: string): Uint8Array[] {
  return readVector(name)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => fromHex(l));
}

/** A far-future clock for chains whose timestamps are not "now". */
export const FAR_FUTURE = 4_000_000_000;

/**
 * Mainnet-like rules made cheap to mine: pow limit 2^250 - 1 (about 64 hashes per header at
 * the limit), 16-block periods of 1-second spacing (so target * 4 * timespan stays below
 * 2^256, as on the real networks), Core's retarget/clamp/MTP/version rules unchanged.
 */
export function easyParams(base: NetworkParams = NETWORKS.mainnet, extra: Parameters<typeof deriveTestNetwork>[1] = {}): NetworkParams {
  return deriveTestNetwork(base, {
    powLimit: (1n << 250n) - 1n,
    targetSpacingS: 1,
    targetTimespanS: 16,
    genesisTime: 1_600_000_000,
    buried: { bip34: 1_000_000, bip66: 1_000_000, bip65: 1_000_000 },
    ...extra,
  });
}

/** Core's retarget, written out independently of src/chain/difficulty.ts: clamp the actual
 * timespan to [span/4, 4 span], scale the base target, cap at the pow limit, re-encode. */
export function expectedRetarget(p: NetworkParams, baseBits: number, actual: number): number {
  const span = p.targetTimespanS;
  const clamped = Math.min(Math.max(actual, span / 4), span * 4);
  let t = (decodeCompact(baseBits).target * BigInt(clamped)) / BigInt(span);
  if (t > p.powLimit) t = p.powLimit;
  return encodeCompact(t);
}
