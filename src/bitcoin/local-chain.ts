// The header chain a local peer serves: generated on the spot (regtest, real proof of work,
// deterministic by seed) or loaded from a datadir, and optionally grown over time so clients
// can be seen following the tip; and `startLocalPeer`, a whole peer serving a LocalBlockChain
// (headers, blocks, BIP157 filters, BIP37), honest or lying, for tests and `spv serve --blocks`.
import type { NetworkParams } from '../params/networks.js';
import { UsageError } from '../util/errors.js';
import { concatBytes } from '../util/bytes.js';
import { HeaderChain } from '../chain/header-chain.js';
import { HEADER_SIZE, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { ChainBuilder, generateChain, GENERATE_DEFAULT_SPACING_S, splitHeaders } from '../chain/generate.js';
import type { Log } from '../util/log.js';
import type { Tx } from '../tx/tx.js';
import type { BloomFilter } from '../bloom/filter.js';
import { BlockServer, type BlockLie } from './block-server.js';
import { FilterServer, type FilterLie } from './filter-server.js';
import { HeaderServer } from './header-server.js';
import type { ForkOptions, ForkResult, LocalBlock, LocalBlockChain, PaymentRequest } from './local-blocks.js';
import { createBitcoinNode, type BitcoinNode, type BitcoinNodeOptions } from './node.js';
import type { BitcoinPeer } from './protocol.js';
import type { Message } from '../wire/message.js';
import { Mempool } from './mempool.js';
import { MempoolServer } from './mempool-server.js';
import { NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_P2P_V2, NODE_WITNESS } from './services.js';

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

// --- a whole local peer serving a LocalBlockChain (tests, `spv serve --blocks`) -------------

/** Services a peer serving blocks, filters and BIP37 advertises (Core with -peerbloomfilters
 * -peerblockfilters): NODE_NETWORK | NODE_WITNESS | NODE_BLOOM | NODE_COMPACT_FILTERS. */
export const LOCAL_BLOCK_SERVICES = NODE_NETWORK | NODE_WITNESS | NODE_BLOOM | NODE_COMPACT_FILTERS;

export interface LocalPeerOptions {
  /** Default 127.0.0.1 (tests use 127.0.0.x to act as different hosts). */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** BIP14 user agent (default the client's). */
  userAgent?: string;
  /** Offer BIP37 (NODE_BLOOM). Default true. */
  bloom?: boolean;
  /** Offer BIP157 (NODE_COMPACT_FILTERS). Default true. */
  filters?: boolean;
  blockLie?: BlockLie;
  filterLie?: FilterLie;
  /** See HeaderServerOptions.silentWhenUpToDate. */
  silentWhenUpToDate?: boolean;
  /** See BlockServerOptions.unknownBlocks. */
  unknownBlocks?: 'notfound' | 'ignore';
  log?: Log;
  maxInbound?: number;
  handshakeTimeoutMs?: number;
  banDurationMs?: number;
  /** Called with every message a client sends, before the servers answer it (tests use it to
   * make a reorg happen while a request is outstanding). */
  beforeServe?: (peer: BitcoinPeer, msg: Message) => void;
  /** Accept BIP324 v2 beside v1 on the port and advertise NODE_P2P_V2. Default false. */
  v2transport?: boolean;
  /** Sees every message in and out (spv serve --trace / --capture). */
  observer?: BitcoinNodeOptions['observer'];
}

export interface LocalPeer {
  readonly chain: LocalBlockChain;
  readonly node: BitcoinNode;
  readonly host: string;
  readonly port: number;
  readonly services: bigint;
  readonly headerServer: HeaderServer;
  readonly blockServer: BlockServer;
  readonly filterServer: FilterServer | undefined;
  /** Transactions peers sent (relayed to the others; mined by `mine`). */
  readonly mempoolServer: MempoolServer;
  /** Mines a block (planned payments + these + the mempool's transactions, unless `mempool`
   * is false) and announces it to connected peers. */
  mine(payments?: readonly Omit<PaymentRequest, 'height'>[], opts?: { mempool?: boolean; txs?: readonly Tx[] }): LocalBlock;
  /** `chain.fork(...)`, then announces the new branch (headers, or an inv of the tip past 8). */
  fork(height: number, opts?: ForkOptions): ForkResult;
  close(): Promise<void>;
}

/** A listening peer on loopback serving `chain`'s headers, blocks, BIP157 filters and BIP37. */
export async function startLocalPeer(chain: LocalBlockChain, opts: LocalPeerOptions = {}): Promise<LocalPeer> {
  const bloom = opts.bloom ?? true;
  const filters = opts.filters ?? true;
  let services = NODE_NETWORK | NODE_WITNESS;
  if (bloom) services |= NODE_BLOOM;
  if (filters) services |= NODE_COMPACT_FILTERS;
  if (opts.v2transport) services |= NODE_P2P_V2;
  const node = createBitcoinNode({
    v2transport: opts.v2transport,
    params: chain.params,
    log: opts.log,
    services,
    startHeight: () => chain.height,
    userAgent: opts.userAgent,
    maxInbound: opts.maxInbound,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    banDurationMs: opts.banDurationMs,
    observer: opts.observer,
  });
  const headerServer = new HeaderServer(chain.headers, { silentWhenUpToDate: opts.silentWhenUpToDate });
  const mempool = new Mempool({
    coin: (p) => chain.coinAt(p) ?? (chain.txHeight(p.txid) !== undefined ? 'spent' : undefined),
    confirmed: (txid) => chain.txHeight(txid) !== undefined,
  });
  const mempoolServer: MempoolServer = new MempoolServer({
    mempool,
    bloom,
    filterOf: (p): BloomFilter | undefined => blockServer.filterOf(p),
    confirmed: (txid) => chain.txHeight(txid) !== undefined,
    log: opts.log,
  });
  const blockServer: BlockServer = new BlockServer(chain, { bloom, lie: opts.blockLie, unknownBlocks: opts.unknownBlocks, log: opts.log, txFor: (p, item): Tx | undefined => mempoolServer.txFor(p, item) });
  const filterServer = filters ? new FilterServer(chain, { lie: opts.filterLie }) : undefined;
  const hook = opts.beforeServe;
  if (hook) node.protocol.use({ onMessage: (peer, msg) => hook(peer, msg) });
  node.protocol.use(headerServer).use(blockServer).use(mempoolServer);
  if (filterServer) node.protocol.use(filterServer);
  const host = opts.host ?? '127.0.0.1';
  const bound = await node.manager.listen({ host, port: opts.port ?? 0 });
  return {
    chain,
    node,
    host,
    port: bound.port,
    services,
    headerServer,
    blockServer,
    filterServer,
    mempoolServer,
    mine(payments = [], mineOpts = {}) {
      const txs = [...(mineOpts.txs ?? []), ...(mineOpts.mempool === false ? [] : mempool.forBlock())];
      const b = chain.mine(payments, txs);
      mempoolServer.blockConnected(b.block.txs);
      headerServer.announce(b.height);
      return b;
    },
    fork(height, forkOpts) {
      const r = chain.fork(height, forkOpts);
      headerServer.announce(height + 1);
      return r;
    },
    close: () => node.manager.close(),
  };
}
