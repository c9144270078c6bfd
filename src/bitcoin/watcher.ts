// A watch-only wallet kept in step with the header chain: resumes from the saved state, scans
// with compact filters (or BIP37), undoes transactions of blocks a reorg disconnects and
// rescans from the fork, follows new tips. Scans and reorg handling run one after the other
// through one queue; a scan step whose blocks a reorg replaced ends stale and is redone after
// the reorg is handled. A chain below the network's minimum chain work is not scanned (as
// `spv sync` does not call it synced). `spv watch` is this plus printing; tests drive it in-process.
import { EventEmitter } from 'node:events';
import { hashToDisplay } from '../util/bytes.js';
import { errorMessage, SpvError } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { Wallet, type TxRecord, type WatchedScript } from '../wallet/wallet.js';
import type { WatchStore } from '../wallet/watch-store.js';
import type { HeaderSync } from './header-sync.js';
import { PeerRequests } from './peer-requests.js';
import { FilterScanner, type ScanProgress } from './filter-scan.js';
import { BloomScanner } from './bloom-scan.js';
import type { BitcoinPeer, PeerService } from './protocol.js';
import { StaleScanError } from './scan-pin.js';

/** Why the watcher will not scan (code `below_minimum_work`: the chain has less work than the
 * network's nMinimumChainWork, so nothing on it can be trusted). */
export class WatchError extends SpvError {}

/** Scan steps in a row that a reorg may make stale before the scan gives up (a chain that keeps
 * reorganising under us is not one to report payments on). */
export const MAX_STALE_STEPS = 100;

export interface WatcherOptions {
  params: NetworkParams;
  chain: HeaderChain;
  sync: HeaderSync;
  store: WatchStore;
  watched: WatchedScript[];
  fromHeight: number;
  bloom?: boolean;
  fpRate?: number;
  log?: Log;
  requestTimeoutMs?: number;
}

export interface WatcherEvents {
  tx: [record: TxRecord];
  undone: [record: TxRecord];
  progress: [p: ScanProgress];
  liar: [peer: string, reason: string];
  /** A scan reached the chain's tip. */
  scanned: [height: number];
  /** BIP37 mode: our filter went to this peer. */
  filterLoaded: [peer: BitcoinPeer];
  error: [err: Error];
}

function sameWatched(a: readonly WatchedScript[], b: readonly WatchedScript[]): boolean {
  const key = (w: readonly WatchedScript[]): string => w.map((x) => x.script).sort().join(',');
  return key(a) === key(b);
}

export class Watcher extends EventEmitter<WatcherEvents> {
  readonly wallet: Wallet;
  /** Add these to the Bitcoin node (after the HeaderSync). */
  readonly services: PeerService[];
  private readonly opts: WatcherOptions;
  private readonly log: Log;
  private readonly scanner: FilterScanner | BloomScanner;
  private scanHeight: number;
  /** Display hash of the block at scanHeight when it was saved. */
  private scanHash: string | null;
  /** Highest height whose transactions the wallet holds (ahead of scanHeight mid-batch). */
  private appliedHeight: number;
  /** Lowest fork height of reorgs not yet handled (handled in the queue, between scan steps). */
  private pendingFork: number | undefined;
  private filterBase: number;
  private storedFilters: number;
  private scanning: Promise<void> = Promise.resolve();
  private following = false;

  constructor(opts: WatcherOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? silentLog;
    const { chain, store, watched, fromHeight, params } = opts;
    let state = store.readState();
    if (state && (state.network !== params.name || !sameWatched(state.watched, watched) || state.fromHeight !== fromHeight)) {
      this.log.info('the watched addresses or --from-height changed: starting a new scan');
      state = undefined;
    }
    this.wallet = new Wallet(watched, state?.wallet);
    this.scanHeight = state?.scanHeight ?? fromHeight - 1;
    this.scanHash = state?.scanHash ?? null;
    this.filterBase = state?.filterBase ?? 0;
    let filterHeaders = state ? store.readFilterHeaders() : [];
    // A reorg while we were not running (the headers moved under the saved scan): start over.
    if (state && this.scanHeight >= 0 && (this.scanHeight > chain.height || hashToDisplay(chain.hashAt(this.scanHeight)) !== state.scanHash)) {
      this.log.warn(`the chain changed under the saved scan at height ${this.scanHeight}: rescanning from ${fromHeight}`);
      this.wallet.rewindTo(fromHeight - 1);
      this.scanHeight = fromHeight - 1;
      this.scanHash = null;
      this.filterBase = 0;
      filterHeaders = [];
    }
    if (state && this.scanHeight >= fromHeight) this.log.info(`resuming the scan after height ${this.scanHeight} (${this.wallet.records.length} transactions known)`);
    // Filter headers above the saved scan belong to a chain only the saved hash vouches for up to there.
    if (filterHeaders.length > 0) filterHeaders = filterHeaders.slice(0, Math.max(0, this.scanHeight - this.filterBase + 1));
    if (filterHeaders.length === 0) this.filterBase = 0;
    this.appliedHeight = this.scanHeight;
    this.storedFilters = filterHeaders.length;
    store.writeFilterHeaders(this.storedFilters, []);

    const requests = new PeerRequests(opts.requestTimeoutMs);
    // A retry after a failed step may hand over a block again: the wallet takes each height once.
    const apply = (height: number, hash: Uint8Array, txs: Parameters<Wallet['applyBlock']>[2]): void => {
      if (height <= this.appliedHeight) return;
      this.appliedHeight = height;
      for (const r of this.wallet.applyBlock(height, hash, txs)) this.emit('tx', r);
    };
    if (opts.bloom) {
      this.scanner = new BloomScanner(
        chain,
        {
          scripts: () => this.wallet.scripts(),
          ownedOutpoints: () => this.wallet.ownedOutpoints(),
          applyTxs: (h, hash, txs) => apply(h, hash, txs),
          scanned: (h) => this.saveAt(h),
        },
        requests,
        { log: this.log, fpRate: opts.fpRate },
      );
    } else {
      this.scanner = new FilterScanner({
        chain,
        requests,
        log: this.log,
        filterBase: this.filterBase,
        filterHeaders,
        target: {
          scripts: () => this.wallet.scripts(),
          applyBlock: (h, block) => apply(h, block.hash, block.txs),
          scanned: (h, fh) => {
            this.persistFilters(fh.base, fh.headers);
            this.saveAt(h);
          },
        },
      });
    }
    this.scanner.on('progress', (p) => this.emit('progress', p));
    this.scanner.on('liar', (peer, why) => this.emit('liar', peer, why));
    if (this.scanner instanceof BloomScanner) this.scanner.on('filterLoaded', (peer) => this.emit('filterLoaded', peer));
    this.services = [requests, this.scanner];
    opts.sync.on('reorg', (r) => this.onReorg(r.forkHeight));
    opts.sync.on('tip', () => {
      if (this.following) this.scanToTip().catch(() => {});
    });
  }

  get scannedHeight(): number {
    return this.scanHeight;
  }

  /** Runs `task` after everything queued before it (scans and reorg handling). */
  private enqueue(task: () => Promise<void> | void): Promise<void> {
    this.scanning = this.scanning.catch(() => {}).then(task);
    return this.scanning;
  }

  /** Scan (scanned..tip]; resolves when done. Serialised: a call waits for the one before. */
  scanToTip(): Promise<void> {
    return this.enqueue(async () => {
      const { chain } = this.opts;
      let scanned = false;
      let stale = 0;
      try {
        for (;;) {
          this.handleReorg();
          if (this.scanHeight >= chain.height) break;
          // Core never treats a chain below nMinimumChainWork as synced; neither do we pay on it.
          if (chain.isBelowMinimumWork()) {
            throw new WatchError('below_minimum_work', `the best chain (height ${chain.height}) has less work than ${this.opts.params.name}'s minimum chain work; not scanning it`);
          }
          try {
            await this.scanner.scan(this.scanHeight + 1);
            scanned = true;
          } catch (err) {
            if (!(err instanceof StaleScanError) || ++stale > MAX_STALE_STEPS) throw err;
            this.log.info(`${err.message}; rescanning after the reorg`);
          }
        }
        if (scanned) this.emit('scanned', this.scanHeight);
      } catch (err) {
        this.log.error(`scan failed at height ${this.scanHeight + 1}: ${errorMessage(err)}`);
        // (An 'error' event nobody listens to would replace err with ERR_UNHANDLED_ERROR.)
        if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    });
  }

  /** From now on, scan every new tip as it arrives. */
  follow(): void {
    this.following = true;
    const scanner = this.scanner;
    // BIP37: nothing to scan (a resumed watch at the tip) still needs our filter on a peer.
    this.scanToTip()
      .then(() => (scanner instanceof BloomScanner ? scanner.ensureFilter() : undefined))
      .catch(() => {});
  }

  /** Wait for any scan in progress (for a clean shutdown). */
  async idle(): Promise<void> {
    await this.scanning.catch(() => {});
  }

  private onReorg(forkHeight: number): void {
    this.pendingFork = Math.min(this.pendingFork ?? forkHeight, forkHeight);
    // Handled in the queue: after the scan step in flight (which the reorg made stale) ends.
    this.enqueue(() => this.handleReorg()).catch(() => {});
  }

  /** Undo what blocks above the fork gave the wallet, forget their filter headers, save. */
  private handleReorg(): void {
    const { chain } = this.opts;
    let fork = this.pendingFork;
    this.pendingFork = undefined;
    // A saved scan whose block left the chain with no reorg seen (cannot happen through
    // HeaderSync; kept as a guard): start over from --from-height.
    if (fork === undefined && this.scanHash !== null && (this.scanHeight > chain.height || hashToDisplay(chain.hashAt(this.scanHeight)) !== this.scanHash)) fork = this.opts.fromHeight - 1;
    if (fork === undefined) return;
    if (this.scanner instanceof FilterScanner && fork < this.scanner.filterHeight) {
      this.scanner.rewindTo(fork);
      this.storedFilters = Math.max(0, Math.min(this.storedFilters, fork - this.filterBase + 1));
      this.opts.store.writeFilterHeaders(this.storedFilters, []);
    }
    if (fork >= Math.max(this.scanHeight, this.appliedHeight)) return;
    // Back to the fork, or to the saved scan if that is lower (blocks applied after it are
    // fetched again: the saved state and the wallet must say the same).
    const to = Math.min(fork, this.scanHeight);
    const undone = this.wallet.rewindTo(to);
    for (const r of undone) this.emit('undone', r);
    this.log.warn(`reorg back to height ${fork}: ${undone.length} transaction(s) undone, rescanning from ${to + 1}`);
    this.appliedHeight = to;
    this.saveAt(to);
  }

  private persistFilters(base: number, headers: Uint8Array[]): void {
    if (base !== this.filterBase) this.storedFilters = 0;
    this.filterBase = base;
    this.opts.store.writeFilterHeaders(this.storedFilters, headers.slice(this.storedFilters));
    this.storedFilters = headers.length;
  }

  private saveAt(height: number): void {
    this.scanHeight = height;
    this.appliedHeight = Math.max(this.appliedHeight, height);
    this.scanHash = height >= 0 && height <= this.opts.chain.height ? hashToDisplay(this.opts.chain.hashAt(height)) : null;
    const { chain, params, watched, fromHeight, store } = this.opts;
    store.writeState({
      version: 1,
      network: params.name,
      watched,
      fromHeight,
      scanHeight: height,
      scanHash: this.scanHash,
      filterBase: this.filterBase,
      wallet: this.wallet.snapshot(),
    });
  }
}
