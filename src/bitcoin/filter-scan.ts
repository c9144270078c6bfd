// BIP157 client (the "Client Operation" section): after header sync, ask every filter peer
// for its cfcheckpt and compare; on disagreement fetch both sides' cfheaders, the block and
// both filters to find who lies, and ban the liar. Then fill filter headers (cfheaders, checked
// against the agreed checkpoints), fetch filters (cfilter, each checked against its header as it
// arrives), match the wallet's scripts (BIP158), fetch matching blocks through a bounded window,
// check their merkle root against the validated header, and hand them to the wallet in order.
// Every request pins the block hashes it asks for: a reply for blocks a reorg replaced meanwhile
// is stale (StaleScanError, the caller handles the reorg and scans again), never a lie.
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { CFilterMessage, Message } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import { MAX_GETCFILTERS_SIZE } from '../wire/messages/getcfilters.js';
import { MAX_GETCFHEADERS_SIZE } from '../wire/messages/getcfheaders.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { Block } from '../tx/block.js';
import { verifyBlockMerkleRoot } from '../tx/block.js';
import { BASIC_FILTER_TYPE, matchAny } from '../filters/basic.js';
import { CFCHECKPT_INTERVAL, GENESIS_PREVIOUS_FILTER_HEADER, chainFilterHeaders, filterMatchesHeader, firstCheckpointDisagreement, verifyCfheaders } from '../filters/headers.js';
import { NODE_COMPACT_FILTERS } from './services.js';
import { PeerRequests } from './peer-requests.js';
import type { BitcoinPeer, PeerService } from './protocol.js';
import { onBestChain, PinnedRange, StaleScanError } from './scan-pin.js';

/** Matching blocks requested at once from the filter peer, applied in height order as they
 * come: Core net_processing MAX_BLOCKS_IN_TRANSIT_PER_PEER. A lying filter peer that makes
 * every filter match costs us this many blocks in memory, not a whole batch. */
export const BLOCK_FETCH_WINDOW = 16;

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
  /** Hash of the block at filterHeight when its filter header was checked (the headers' pin). */
  private headersTip: Uint8Array | undefined;
  private matched = 0;
  /** Most blocks the scan held at once, requested or received but not yet applied (tests, logs). */
  readonly peaks = { blocksInFlight: 0 };

  constructor(opts: FilterScanOptions) {
    super();
    this.chain = opts.chain;
    this.target = opts.target;
    this.requests = opts.requests;
    this.log = opts.log ?? silentLog;
    this.base = opts.filterBase;
    this.headers = opts.filterHeaders;
    this.headersTip = this.headers.length > 0 && this.filterHeight <= this.chain.height ? this.chain.hashAt(this.filterHeight) : undefined;
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

  /** Forget filter headers above `height`, the last height a reorg left in place. */
  rewindTo(height: number): void {
    if (height < this.base) {
      this.headers = [];
      this.base = 0;
    } else this.headers = this.headers.slice(0, height - this.base + 1);
    this.headersTip = this.headers.length > 0 ? this.chain.hashAt(this.filterHeight) : undefined;
  }

  /** The filter headers held belong to the best chain (a reorg above them changes nothing). */
  private get headersCurrent(): boolean {
    return this.headersTip === undefined || onBestChain(this.chain, this.filterHeight, this.headersTip);
  }

  /**
   * Scan blocks fromHeight..tip: filter headers, filters, matching blocks; returns the last height
   * scanned. Retries with the remaining filter peers when one lies, times out or leaves (from the
   * first block not yet handed over); throws when none is left, and StaleScanError when a reorg
   * replaced blocks it was working on (nothing of theirs is handed over).
   */
  async scan(fromHeight: number): Promise<number> {
    this.next = fromHeight;
    for (;;) {
      const peers = this.filterPeers;
      if (peers.length === 0) throw new Error('no connected peer serves compact filters (NODE_COMPACT_FILTERS)');
      try {
        // Filter headers of a replaced branch (a reorg not yet handled by the caller): refetch.
        if (!this.headersCurrent) this.rewindTo(-1);
        await this.syncFilterHeaders(peers, this.next);
        return await this.scanFilters();
      } catch (err) {
        if (err instanceof StaleScanError) throw err;
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

  /** A block's filter headers `start..stop` as the peer serves them; stale if `stop` left the chain. */
  private async cfheaders(peer: BitcoinPeer, start: number, stop: number): Promise<{ prev: Uint8Array; hashes: readonly Uint8Array[] }> {
    const pin = new PinnedRange(this.chain, stop, stop);
    const stopHash = pin.hashAt(stop);
    const [reply] = await this.requests.ask(
      peer,
      { command: 'getcfheaders', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash },
      (m) => (m.command === 'cfheaders' && m.filterType === BASIC_FILTER_TYPE && bytesEqual(m.stopHash, stopHash) ? m : undefined),
      () => true,
      `getcfheaders ${start}..${stop}`,
    );
    pin.assertCurrent('cfheaders');
    const r = reply as { previousFilterHeader: Uint8Array; filterHashes: readonly Uint8Array[] };
    if (r.filterHashes.length !== stop - start + 1) throw new Lie(peer, 'bad_cfheaders', `cfheaders for ${start}..${stop} carries ${r.filterHashes.length} hashes`);
    return { prev: r.previousFilterHeader, hashes: r.filterHashes };
  }

  private async syncFilterHeaders(peers: BitcoinPeer[], fromHeight: number): Promise<void> {
    const tip = this.chain.height;
    if (this.filterHeight >= tip) return;
    const pin = new PinnedRange(this.chain, tip, tip);
    const stopHash = pin.hashAt(tip);
    // 1. Checkpoints from every filter peer; a disagreement is settled before anything else.
    const answers = await Promise.allSettled(peers.map((p) => this.checkpoints(p, stopHash)));
    pin.assertCurrent('cfcheckpt');
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
    pin.assertCurrent('cfcheckpt');
    const main = lists[0] as { peer: BitcoinPeer; cps: Uint8Array[] };
    const known = new Map<number, Uint8Array>();
    main.cps.forEach((h, i) => known.set((i + 1) * CFCHECKPT_INTERVAL, h));
    if (!this.headersCurrent) throw new StaleScanError('filter headers left the best chain (reorg)');
    for (let i = 0; i < this.headers.length; i++) known.set(this.base + i, this.headers[i] as Uint8Array);

    // 2. Where to start: after what we hold, or from the checkpoint below --from-height.
    if (this.headers.length === 0) {
      const cp = Math.floor(Math.max(0, fromHeight - 1) / CFCHECKPT_INTERVAL) * CFCHECKPT_INTERVAL;
      if (cp > 0) {
        this.base = cp;
        this.headers = [known.get(cp) as Uint8Array];
        this.headersTip = this.chain.hashAt(cp);
      }
    }
    // 3. Fill in batches of up to 2,000, each checked against the checkpoints.
    while (this.filterHeight < tip) {
      // The checkpoints and the headers we build on must still be the best chain's (a reorg
      // meanwhile would make an honest batch look like a lie).
      pin.assertCurrent('cfheaders');
      if (!this.headersCurrent) throw new StaleScanError('filter headers left the best chain (reorg)');
      const start = this.filterHeight + 1;
      const stop = Math.min(tip, start + MAX_GETCFHEADERS_SIZE - 1);
      const r = await this.cfheaders(main.peer, start, stop);
      let hs: Uint8Array[];
      try {
        hs = verifyCfheaders({ startHeight: start, previousFilterHeader: r.prev, filterHashes: r.hashes }, known);
      } catch (err) {
        throw new Lie(main.peer, 'bad_cfheaders', errorMessage(err));
      }
      // cfheaders() checked that its stop block is still on the best chain; so are ours below it.
      if (this.headers.length === 0) this.base = start;
      this.headers.push(...hs);
      this.headersTip = this.chain.hashAt(stop);
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
    const blockPin = new PinnedRange(this.chain, height, height);
    const block = await this.fetchBlock(a.peer, blockPin, height).catch((err: unknown) => {
      if (err instanceof StaleScanError || err instanceof Lie) throw err;
      return this.fetchBlock(b.peer, blockPin, height);
    });
    const outputs = block.txs.flatMap((t) => t.outputs.map((o) => o.scriptPubKey)).filter((s) => s.length > 0 && s[0] !== 0x6a);
    const verdict = async (x: BitcoinPeer, claimed: Uint8Array): Promise<string | undefined> => {
      const [filter] = await this.filters(x, blockPin, (_h, m) => m.filter);
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

  /** First height not yet handed to the target by the current scan (a retry starts here). */
  private next = 0;

  /**
   * getcfilters for the pinned range: each cfilter is checked as it arrives (one per block, in
   * height order, BIP157; the wire layer already capped its size at what BIP158 allows for a
   * block) and handed to `use`, which keeps only what it returns. When the range left the best
   * chain the remaining replies are still read off (so they cannot be taken for a later
   * request's) and the request ends stale.
   */
  private async filters<T>(peer: BitcoinPeer, pin: PinnedRange, use: (height: number, m: CFilterMessage) => T): Promise<T[]> {
    const { start, stop } = pin;
    let next = start;
    let stale = false;
    const got = await this.requests.ask(
      peer,
      { command: 'getcfilters', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash: pin.hashAt(stop) },
      (m) => {
        if (m.command !== 'cfilter' || m.filterType !== BASIC_FILTER_TYPE) return undefined;
        if (next > stop || !bytesEqual(m.blockHash, pin.hashAt(next))) {
          throw new Lie(peer, 'bad_cfilter', `cfilter for ${hashToDisplay(m.blockHash)} where ${next > stop ? 'nothing' : `block ${next}`} was due`);
        }
        const h = next++;
        stale ||= !pin.isCurrent;
        return { value: stale ? undefined : use(h, m) };
      },
      (g) => g.length === stop - start + 1,
      `getcfilters ${start}..${stop}`,
    );
    if (stale) throw new StaleScanError(`cfilters ${start}..${stop} arrived after a reorg replaced some of those blocks`);
    return got.map((g) => g.value as T);
  }

  /** Each filter must hash to the validated filter header chain. */
  private checkFilter(peer: BitcoinPeer, h: number, filter: Uint8Array): Uint8Array {
    if (!filterMatchesHeader(filter, this.filterHeaderAt(h - 1), this.filterHeaderAt(h))) {
      throw new Lie(peer, 'filter_header_mismatch', `filter for block ${h} does not match its filter header`);
    }
    return filter;
  }

  private async fetchBlock(peer: BitcoinPeer, pin: PinnedRange, height: number): Promise<Block> {
    const hash = pin.hashAt(height);
    const [block] = await this.requests.ask(
      peer,
      { command: 'getdata', items: [{ type: InvType.WITNESS_BLOCK, hash }] },
      (m) => (m.command === 'block' && bytesEqual(m.block.hash, hash) ? m.block : m.command === 'notfound' && m.items.some((i) => bytesEqual(i.hash, hash)) ? null : undefined),
      () => true,
      `block ${height}`,
    );
    if (!block) {
      // A peer may have pruned or not yet seen a replaced branch's block: stale, not missing.
      pin.assertCurrent(`block ${height}`);
      throw new Error(`${peer.label} does not have block ${height}`);
    }
    try {
      verifyBlockMerkleRoot(block);
    } catch (err) {
      throw new Lie(peer, 'bad_block', `block ${height}: ${errorMessage(err)}`);
    }
    return block;
  }

  /** Fetch the matching blocks with at most BLOCK_FETCH_WINDOW outstanding; apply in height order. */
  private async fetchAndApply(peer: BitcoinPeer, pin: PinnedRange, hits: readonly number[]): Promise<void> {
    const window: Promise<Block>[] = [];
    let requested = 0;
    for (const h of hits) {
      while (window.length < BLOCK_FETCH_WINDOW && requested < hits.length) {
        const p = this.fetchBlock(peer, pin, hits[requested++] as number);
        p.catch(() => {}); // awaited in order below; a later one may fail first
        window.push(p);
      }
      this.peaks.blocksInFlight = Math.max(this.peaks.blocksInFlight, window.length);
      const block = await (window.shift() as Promise<Block>);
      pin.assertCurrent(`block ${h}`);
      this.target.applyBlock(h, block);
      this.next = h + 1;
    }
  }

  private async scanFilters(): Promise<number> {
    // Up to the filter headers we hold (the chain may have grown since they were fetched).
    const tip = Math.min(this.chain.height, this.filterHeight);
    const scripts = this.target.scripts();
    while (this.next <= tip) {
      const peer = this.filterPeers[0];
      if (!peer) throw new Error('no filter peer left');
      if (!this.headersCurrent) throw new StaleScanError('filter headers left the best chain (reorg)');
      const start = this.next;
      const pin = new PinnedRange(this.chain, start, Math.min(tip, start + MAX_GETCFILTERS_SIZE - 1));
      const matches = await this.filters(peer, pin, (h, m) => {
        const f = this.checkFilter(peer, h, m.filter);
        return scripts.length > 0 && matchAny(f, pin.hashAt(h), scripts);
      });
      const hits: number[] = [];
      matches.forEach((m, i) => m && hits.push(start + i));
      await this.fetchAndApply(peer, pin, hits);
      pin.assertCurrent(`filters ${start}..${pin.stop}`);
      this.matched += hits.length;
      this.next = pin.stop + 1;
      this.target.scanned(pin.stop, { base: this.base, headers: this.headers });
      this.emit('progress', { height: pin.stop, tip, matched: this.matched });
    }
    return tip;
  }
}
