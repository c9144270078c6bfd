// A watch-only wallet kept in step with the header chain: resumes from the saved state, scans
// with compact filters (or BIP37), undoes transactions of blocks a reorg disconnects and
// rescans from the fork, follows new tips. `spv watch` is this plus printing; tests drive it
// in-process.
import { EventEmitter } from 'node:events';
import { hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { Wallet, type TxRecord, type WatchedScript } from '../wallet/wallet.js';
import type { WatchStore } from '../wallet/watch-store.js';
import type { HeaderSync } from './header-sync.js';
import { PeerRequests } from './peer-requests.js';
import { FilterScanner, type ScanProgress } from './filter-scan.js';
import { BloomScanner } from './bloom-scan.js';
import type { PeerService } from './protocol.js';

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
    this.filterBase = state?.filterBase ?? 0;
    let filterHeaders = state ? store.readFilterHeaders() : [];
    // A reorg while we were not running (the headers moved under the saved scan): start over.
    if (state && this.scanHeight >= 0 && (this.scanHeight > chain.height || hashToDisplay(chain.hashAt(this.scanHeight)) !== state.scanHash)) {
      this.log.warn(`the chain changed under the saved scan at height ${this.scanHeight}: rescanning from ${fromHeight}`);
      this.wallet.rewindTo(fromHeight - 1);
      this.scanHeight = fromHeight - 1;
      this.filterBase = 0;
      filterHeaders = [];
    }
    if (state && this.scanHeight >= fromHeight) this.log.info(`resuming the scan after height ${this.scanHeight} (${this.wallet.records.length} transactions known)`);
    this.storedFilters = filterHeaders.length;
    store.writeFilterHeaders(this.storedFilters, []);

    const requests = new PeerRequests(opts.requestTimeoutMs);
    const apply = (records: TxRecord[]): void => records.forEach((r) => this.emit('tx', r));
    if (opts.bloom) {
      this.scanner = new BloomScanner(
        chain,
        {
          scripts: () => this.wallet.scripts(),
          ownedOutpoints: () => this.wallet.ownedOutpoints(),
          applyTxs: (h, hash, txs) => apply(this.wallet.applyBlock(h, hash, txs)),
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
          applyBlock: (h, block) => apply(this.wallet.applyBlock(h, block.hash, block.txs)),
          scanned: (h, fh) => {
            this.persistFilters(fh.base, fh.headers);
            this.saveAt(h);
          },
        },
      });
    }
    this.scanner.on('progress', (p) => this.emit('progress', p));
    this.scanner.on('liar', (peer, why) => this.emit('liar', peer, why));
    this.services = [requests, this.scanner];
    opts.sync.on('reorg', (r) => this.onReorg(r.forkHeight, r.depth));
    opts.sync.on('tip', () => {
      if (this.following) this.scanToTip().catch(() => {});
    });
  }

  get scannedHeight(): number {
    return this.scanHeight;
  }

  /** Scan (scanned..tip]; resolves when done. Serialised: a call waits for the one before. */
  scanToTip(): Promise<void> {
    this.scanning = this.scanning
      .catch(() => {})
      .then(async () => {
        if (this.scanHeight >= this.opts.chain.height) return;
        try {
          await this.scanner.scan(this.scanHeight + 1);
          this.emit('scanned', this.scanHeight);
        } catch (err) {
          this.log.error(`scan failed at height ${this.scanHeight + 1}: ${errorMessage(err)}`);
          this.emit('error', err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
      });
    return this.scanning;
  }

  /** From now on, scan every new tip as it arrives. */
  follow(): void {
    this.following = true;
    this.scanToTip().catch(() => {});
  }

  /** Wait for any scan in progress (for a clean shutdown). */
  async idle(): Promise<void> {
    await this.scanning.catch(() => {});
  }

  private onReorg(forkHeight: number, depth: number): void {
    if (forkHeight >= this.scanHeight) return;
    const undone = this.wallet.rewindTo(forkHeight);
    for (const r of undone) this.emit('undone', r);
    this.log.warn(`reorg of depth ${depth}: ${undone.length} transaction(s) undone, rescanning from ${forkHeight + 1}`);
    if (this.scanner instanceof FilterScanner) {
      this.scanner.rewindTo(forkHeight);
      this.storedFilters = Math.max(0, Math.min(this.storedFilters, forkHeight - this.filterBase + 1));
      this.opts.store.writeFilterHeaders(this.storedFilters, []);
    }
    this.saveAt(forkHeight);
  }

  private persistFilters(base: number, headers: Uint8Array[]): void {
    if (base !== this.filterBase) this.storedFilters = 0;
    this.filterBase = base;
    this.opts.store.writeFilterHeaders(this.storedFilters, headers.slice(this.storedFilters));
    this.storedFilters = headers.length;
  }

  private saveAt(height: number): void {
    this.scanHeight = height;
    const { chain, params, watched, fromHeight, store } = this.opts;
    store.writeState({
      version: 1,
      network: params.name,
      watched,
      fromHeight,
      scanHeight: height,
      scanHash: height >= 0 ? hashToDisplay(chain.hashAt(height)) : null,
      filterBase: this.filterBase,
      wallet: this.wallet.snapshot(),
    });
  }
}
