// The header chain a local peer serves: generated on the spot (regtest, real proof of work,
// deterministic by seed) or loaded from a datadir, and optionally grown over time so clients
// can be seen following the tip.
import type { NetworkParams } from '../params/networks.js';
import { UsageError } from '../util/errors.js';
import { concatBytes } from '../util/bytes.js';
import { HeaderChain } from '../chain/header-chain.js';
import { HEADER_SIZE, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { ChainBuilder, generateChain, GENERATE_DEFAULT_SPACING_S, splitHeaders } from '../chain/generate.js';

/** A regtest HeaderChain holding `n` generated headers on top of genesis. */
export function generatedChain(params: NetworkParams, n: number, seed: number | string = 1): HeaderChain {
  if (!params.noRetargeting) throw new UsageError('generate_needs_regtest', '--generate mines real proof of work and is only practical on --regtest');
  if (!Number.isInteger(n) || n < 0) throw new UsageError('bad_generate', '--generate takes a whole number of headers');
  const chain = new HeaderChain(params, { expectedHeaders: n + 1 });
  const bytes = generateChain(params, n, { seed });
  const nowS = Math.floor(Date.now() / 1000);
  for (let from = 0; from < n; from += MAX_HEADERS_PER_MSG) {
    const r = chain.acceptHeaders(splitHeaders(bytes, from, Math.min(n, from + MAX_HEADERS_PER_MSG)), nowS);
    if (r.error) throw r.error.error;
  }
  return chain;
}

/** Mines one more header on top of the chain's tip (regtest) and adds it; returns its height. */
export class TipMiner {
  private builder: ChainBuilder;
  constructor(
    private readonly chain: HeaderChain,
    seed: number | string = 'tip-miner',
  ) {
    const base = concatBytes(chain.headerBytes(0, chain.height + 1));
    this.builder = new ChainBuilder(chain.params, { seed, spacing: GENERATE_DEFAULT_SPACING_S }, base);
  }

  mine(): number {
    const raw = this.builder.next({ time: Math.max(this.chain.timeAt(this.chain.height) + 1, Math.floor(Date.now() / 1000) - 60) });
    const r = this.chain.acceptHeaders([raw.subarray(0, HEADER_SIZE)], Math.floor(Date.now() / 1000));
    if (r.error) throw r.error.error;
    return this.chain.height;
  }
}
