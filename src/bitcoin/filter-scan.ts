// BIP157 client (the "Client Operation" section): after header sync, ask every filter peer
// for its cfcheckpt and compare; on disagreement fetch both sides' cfheaders, the block and
// both filters to find who lies, and ban the liar. Then fill filter headers (cfheaders, checked
// against the agreed checkpoints), fetch filters (cfilter, each checked against its header),
// match the wallet's scripts (BIP158), fetch matching blocks, check their merkle root against
// the validated header, and hand their transactions to the wallet.
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { Block } from '../tx/block.js';
import { verifyBlockMerkleRoot } from '../tx/block.js';
import { BASIC_FILTER_TYPE, matchAny } from '../filters/basic.js';
import { CFCHECKPT_INTERVAL, GENESIS_PREVIOUS_FILTER_HEADER, chainFilterHeaders, filterMatchesHeader, firstCheckpointDisagreement, verifyCfheaders } from '../filters/headers.js';
import { NODE_COMPACT_FILTERS } from './services.js';
import { PeerRequests } from './peer-requests.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** Core MAX_GETCFILTERS_SIZE / MAX_GETCFHEADERS_SIZE (net_processing.cpp). */
export const MAX_GETCFILTERS_SIZE = 1000;
export const MAX_GETCFHEADERS_SIZE = 2000;
const MSG_WITNESS_BLOCK = 0x40000002;

export interface ScanTarget {
  /** Watched output scripts. */
  scripts(): Uint8Array[];
  /** A block that may pay or spend: apply it (called in height order). */
  applyBlock(height: number, block: Block): void;
  /** Scanned up to `height` (persist here). */
  scanned(height: number, filterHeaders: { base: number; headers: Uint8Array[] }): void;
}

export interface ScanProgress {
  readonly height: number;
  readonly tip: number;
  readonly matched: number;
}

export interface FilterScanEvents {
  progress: [p: ScanProgress];
  liar: [peer: string, reason: string];
}

export interface FilterScanOptions {
  chain: HeaderChain;
  target: ScanTarget;
  requests: PeerRequests;
  log?: Log;
  /** Filter headers we already hold: header of height base + i at index i. */
  filterBase: number;
  filterHeaders: Uint8Array[];
}

/** A peer serving filters broke a rule: ban it with this reason. */
class Lie extends Error {
  constructor(
    readonly peer: BitcoinPeer,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class FilterScanner extends EventEmitter<FilterScanEvents> implements PeerService {
  private readonly chain: HeaderChain;
  private readonly target: ScanTarget;
  private readonly requests: PeerRequests;
  private readonly log: Log;
  private readonly ready = new Set<BitcoinPeer>();
  private base: number;
  private headers: Uint8Array[];
  private matched = 0;

  constructor(opts: FilterScanOptions) {
    super();
    this.chain = opts.chain;
    this.target = opts.target;
    this.requests = opts.requests;
    this.log = opts.log ?? silentLog;
    this.base = opts.filterBase;
    this.headers = opts.filterHeaders;
  }

  onReady(peer: BitcoinPeer): void {
    if (((peer.state.remote?.services ?? 0n) & NODE_COMPACT_FILTERS) !== 0n) this.ready.add(peer);
  }
  onDisconnect(peer: BitcoinPeer): void {
    this.ready.delete(peer);
  }
  onMessage(_peer: BitcoinPeer, _msg: Message): void {}

  get filterPeers(): BitcoinPeer[] {
    return [...this.ready].filter((p) => !p.isClosed);
  }

  /** Highest height whose filter header we hold. */
  get filterHeight(): number {
    return this.base + this.headers.length - 1;
  }

  filterHeaderAt(h: number): Uint8Array {
    if (h === -1) return GENESIS_PREVIOUS_FILTER_HEADER;
    const fh = this.headers[h - this.base];
    if (!fh) throw new Error(`no filter header for height ${h}`);
    return fh;
  }

  /** Forget filter headers above `height` (a reorg). */
  rewindTo(height: number): void {
    if (height < this.base) {
      this.headers = [];
      this.base = 0;
    } else this.headers = this.headers.slice(0, height - this.base + 1);
  }

  /**
   * Scan blocks (fromHeight..tip]: filter headers, filters, matching blocks. Retries with the
   * remaining filter peers when one lies, times out or leaves; throws when none is left.
   */
  async scan(fromHeight: number): Promise<number> {
    for (;;) {
      const peers = this.filterPeers;
      if (peers.length === 0) throw new Error('no connected peer serves compact filters (NODE_COMPACT_FILTERS)');
      try {
        await this.syncFilterHeaders(peers, fromHeight);
        return await this.scanFilters(fromHeight);
      } catch (err) {
        if (err instanceof Lie) {
          this.log.warn(`${err.peer.label} lied about compact filters (${err.code}): ${err.message}`);
          this.emit('liar', err.peer.label, `${err.code}: ${err.message}`);
          err.peer.misbehaving(err.code, err.message);
          continue;
        }
        this.log.info(`filter scan interrupted: ${errorMessage(err)}; retrying with the remaining peers`);
        if (this.filterPeers.length === 0) throw err;
      }
    }
  }

  // --- filter headers ---------------------------------------------------------------------

  private async checkpoints(peer: BitcoinPeer, stopHash: Uint8Array): Promise<Uint8Array[]> {
    const [reply] = await this.requests.ask(
      peer,
      { command: 'getcfcheckpt', filterType: BASIC_FILTER_TYPE, stopHash },
      (m) => (m.command === 'cfcheckpt' && m.filterType === BASIC_FILTER_TYPE && bytesEqual(m.stopHash, stopHash) ? m.filterHeaders : undefined),
      () => true,
      'getcfcheckpt',
    );
    return [...(reply as readonly Uint8Array[])];
  }

  private async cfheaders(peer: BitcoinPeer, start: number, stop: number): Promise<{ prev: Uint8Array; hashes: readonly Uint8Array[] }> {
    const stopHash = this.chain.hashAt(stop);
    const [reply] = await this.requests.ask(
      peer,
      { command: 'getcfheaders', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash },
      (m) => (m.command === 'cfheaders' && m.filterType === BASIC_FILTER_TYPE && bytesEqual(m.stopHash, stopHash) ? m : undefined),
      () => true,
      `getcfheaders ${start}..${stop}`,
    );
    const r = reply as { previousFilterHeader: Uint8Array; filterHashes: readonly Uint8Array[] };
    if (r.filterHashes.length !== stop - start + 1) throw new Lie(peer, 'bad_cfheaders', `cfheaders for ${start}..${stop} carries ${r.filterHashes.length} hashes`);
    return { prev: r.previousFilterHeader, hashes: r.filterHashes };
  }

  private async syncFilterHeaders(peers: BitcoinPeer[], fromHeight: number): Promise<void> {
    const tip = this.chain.height;
    if (this.filterHeight >= tip) return;
    const stopHash = this.chain.hashAt(tip);
    // 1. Checkpoints from every filter peer; a disagreement is settled before anything else.
    const answers = await Promise.allSettled(peers.map((p) => this.checkpoints(p, stopHash)));
    const lists: { peer: BitcoinPeer; cps: Uint8Array[] }[] = [];
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') lists.push({ peer: peers[i] as BitcoinPeer, cps: a.value });
    });
    if (lists.length === 0) throw new Error('no filter peer answered getcfcheckpt');
    for (const l of lists)
      if (l.cps.length !== Math.floor(tip / CFCHECKPT_INTERVAL)) throw new Lie(l.peer, 'bad_cfcheckpt', `${l.cps.length} checkpoints for a chain of height ${tip}`);
    for (let i = 1; i < lists.length; i++) {
      const a = lists[0] as { peer: BitcoinPeer; cps: Uint8Array[] };
      const b = lists[i] as { peer: BitcoinPeer; cps: Uint8Array[] };
      const at = firstCheckpointDisagreement(a.cps, b.cps);
      if (at !== undefined) await this.settle(a, b, at);
    }
    const main = lists[0] as { peer: BitcoinPeer; cps: Uint8Array[] };
    const known = new Map<number, Uint8Array>();
    main.cps.forEach((h, i) => known.set((i + 1) * CFCHECKPT_INTERVAL, h));
    for (let i = 0; i < this.headers.length; i++) known.set(this.base + i, this.headers[i] as Uint8Array);

    // 2. Where to start: after what we hold, or from the checkpoint below --from-height.
    if (this.headers.length === 0) {
      const cp = Math.floor(Math.max(0, fromHeight - 1) / CFCHECKPT_INTERVAL) * CFCHECKPT_INTERVAL;
      if (cp > 0) {
        this.base = cp;
        this.headers = [known.get(cp) as Uint8Array];
      }
    }
    // 3. Fill in batches of up to 2,000, each checked against the checkpoints.
    while (this.filterHeight < tip) {
      const start = this.filterHeight + 1;
      const stop = Math.min(tip, start + MAX_GETCFHEADERS_SIZE - 1);
      const r = await this.cfheaders(main.peer, start, stop);
      let hs: Uint8Array[];
      try {
        hs = verifyCfheaders({ startHeight: start, previousFilterHeader: r.prev, filterHashes: r.hashes }, known);
      } catch (err) {
        throw new Lie(main.peer, 'bad_cfheaders', errorMessage(err));
      }
      if (this.headers.length === 0) this.base = start;
      this.headers.push(...hs);
      for (let i = 0; i < hs.length; i++) known.set(start + i, hs[i] as Uint8Array);
    }
  }

  /** Two peers' checkpoints differ at `at`: find the first height where their filter headers
   * differ, fetch that block and both filters, and ban whoever's filter is wrong. */
  private async settle(a: { peer: BitcoinPeer; cps: Uint8Array[] }, b: { peer: BitcoinPeer; cps: Uint8Array[] }, at: number): Promise<void> {
    this.log.warn(`filter checkpoints of ${a.peer.label} and ${b.peer.label} differ at height ${at}; finding out who lies`);
    // The interval after the last agreed checkpoint; the first one starts at genesis, whose
    // previous filter header is 32 zero bytes.
    const from = at === CFCHECKPT_INTERVAL ? 0 : at - CFCHECKPT_INTERVAL + 1;
    const agreedPrev = from === 0 ? GENESIS_PREVIOUS_FILTER_HEADER : (a.cps[at / CFCHECKPT_INTERVAL - 2] as Uint8Array);
    const side = async (x: { peer: BitcoinPeer; cps: Uint8Array[] }): Promise<Uint8Array[]> => {
      const r = await this.cfheaders(x.peer, from, at);
      const hs = chainFilterHeaders(r.prev, r.hashes);
      // A peer whose cfheaders contradict its own cfcheckpt lies, whatever the block says.
      if (!bytesEqual(r.prev, agreedPrev) || !bytesEqual(hs[hs.length - 1] as Uint8Array, x.cps[at / CFCHECKPT_INTERVAL - 1] as Uint8Array))
        throw new Lie(x.peer, 'inconsistent_filter_headers', `cfheaders ${from}..${at} do not lead to its own checkpoint`);
      return hs;
    };
    const [ha, hb] = await Promise.all([side(a), side(b)]);
    let i = 0;
    while (i < ha.length && bytesEqual(ha[i] as Uint8Array, hb[i] as Uint8Array)) i++;
    const height = from + i;
    const prev = i === 0 ? agreedPrev : (ha[i - 1] as Uint8Array);
    const block = await this.fetchBlock(a.peer, height).catch(() => this.fetchBlock(b.peer, height));
    const outputs = block.txs.flatMap((t) => t.outputs.map((o) => o.scriptPubKey)).filter((s) => s.length > 0 && s[0] !== 0x6a);
    const verdict = async (x: BitcoinPeer, claimed: Uint8Array): Promise<string | undefined> => {
      const [filter] = await this.filters(x, height, height);
      if (!filterMatchesHeader(filter as Uint8Array, prev, claimed)) return `its filter for block ${height} does not hash to its filter header`;
      // BIP158: every output script (but OP_RETURN and empty ones) must be in the basic filter.
      for (const s of outputs) if (!matchAny(filter as Uint8Array, block.hash, [s])) return `its filter for block ${height} omits an output script of that block`;
      return undefined;
    };
    const [va, vb] = await Promise.all([verdict(a.peer, ha[i] as Uint8Array), verdict(b.peer, hb[i] as Uint8Array)]);
    if (va) throw new Lie(a.peer, 'bad_filter', va);
    if (vb) throw new Lie(b.peer, 'bad_filter', vb);
    // Both filters fit the block's outputs: they differ in spent-output scripts, which a light
    // client cannot check without the previous transactions. Trust neither.
    this.log.warn(`cannot tell which of ${a.peer.label} and ${b.peer.label} lies about block ${height}; dropping both`);
    a.peer.disconnect({ kind: 'protocol', code: 'filter_dispute', message: `undecidable filter dispute at ${height}` });
    b.peer.disconnect({ kind: 'protocol', code: 'filter_dispute', message: `undecidable filter dispute at ${height}` });
    throw new Error('undecidable filter dispute');
  }

  // --- filters and blocks ------------------------------------------------------------------

  private async filters(peer: BitcoinPeer, start: number, stop: number): Promise<Uint8Array[]> {
    const stopHash = this.chain.hashAt(stop);
    let next = start;
    const got = await this.requests.ask(
      peer,
      { command: 'getcfilters', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash },
      (m) => {
        if (m.command !== 'cfilter' || m.filterType !== BASIC_FILTER_TYPE) return undefined;
        // One cfilter per block, in height order (BIP157).
        if (!bytesEqual(m.blockHash, this.chain.hashAt(next))) throw new Lie(peer, 'bad_cfilter', `cfilter for ${hashToDisplay(m.blockHash)} where block ${next} was due`);
        next++;
        return m.filter;
      },
      (g) => g.length === stop - start + 1,
      `getcfilters ${start}..${stop}`,
    );
    return got;
  }

  private async fetchBlock(peer: BitcoinPeer, height: number): Promise<Block> {
    const hash = this.chain.hashAt(height);
    const [block] = await this.requests.ask(
      peer,
      { command: 'getdata', items: [{ type: MSG_WITNESS_BLOCK, hash }] },
      (m) => (m.command === 'block' && bytesEqual(m.block.hash, hash) ? m.block : m.command === 'notfound' && m.items.some((i) => bytesEqual(i.hash, hash)) ? null : undefined),
      () => true,
      `block ${height}`,
    );
    if (!block) throw new Error(`${peer.label} does not have block ${height}`);
    try {
      verifyBlockMerkleRoot(block);
    } catch (err) {
      throw new Lie(peer, 'bad_block', `block ${height}: ${errorMessage(err)}`);
    }
    return block;
  }

  private async scanFilters(fromHeight: number): Promise<number> {
    const tip = this.chain.height;
    let height = fromHeight;
    const scripts = this.target.scripts();
    while (height <= tip) {
      const peer = this.filterPeers[0];
      if (!peer) throw new Error('no filter peer left');
      const stop = Math.min(tip, height + MAX_GETCFILTERS_SIZE - 1);
      const filters = await this.filters(peer, height, stop);
      const hits: number[] = [];
      filters.forEach((f, i) => {
        const h = height + i;
        // Each filter must hash to the validated filter header chain.
        if (!filterMatchesHeader(f, this.filterHeaderAt(h - 1), this.filterHeaderAt(h)))
          throw new Lie(peer, 'filter_header_mismatch', `filter for block ${h} does not match its filter header`);
        if (scripts.length > 0 && matchAny(f, this.chain.hashAt(h), scripts)) hits.push(h);
      });
      const blocks = await Promise.all(hits.map((h) => this.fetchBlock(peer, h)));
      blocks.forEach((b, i) => this.target.applyBlock(hits[i] as number, b));
      this.matched += hits.length;
      this.target.scanned(stop, { base: this.base, headers: this.headers });
      this.emit('progress', { height: stop, tip, matched: this.matched });
      height = stop + 1;
    }
    return tip;
  }
}
