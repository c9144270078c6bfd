// AddressWatch: the typed event source SpvClient.watch() returns. It owns a Watcher (compact
// filters or BIP37) once the client starts, scans to the tip when headers are synced, then
// follows new blocks; events carry what `spv watch --json` prints.
import { EventEmitter } from 'node:events';
import type { NetworkParams } from '../params/networks.js';
import { errorMessage, SpvError } from '../util/errors.js';
import { toHex } from '../util/bytes.js';
import type { Log } from '../util/log.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { HeaderSync } from '../bitcoin/header-sync.js';
import { Watcher } from '../bitcoin/watcher.js';
import { PendingPayments, PENDING_EXPIRY_MS, type PendingTx } from '../bitcoin/pending-txs.js';
import type { ScanProgress } from '../bitcoin/filter-scan.js';
import { NODE_BLOOM, NODE_COMPACT_FILTERS } from '../bitcoin/services.js';
import { decodeAddress } from '../wallet/address.js';
import type { TxRecord, WalletOutput, WatchedScript } from '../wallet/wallet.js';
import { WatchStore } from '../wallet/watch-store.js';
import { abortable } from './types.js';

export interface WatchOptions {
  /** First block height to scan (earlier payments are not seen). Default 0. */
  readonly fromHeight?: number;
  /** Use BIP37 bloom filters instead of BIP157/158 compact filters (reveals the addresses to the peer). */
  readonly bloom?: boolean;
  /** Bloom filter false-positive rate with `bloom` (default 0.0001). */
  readonly fpRate?: number;
  /** Keep scanning new blocks after the first scan (default true). */
  readonly follow?: boolean;
  /** While following, also report unconfirmed payments (default true; asks peers for
   * transaction relay, BIP37 relay flag, or with `bloom` sends BIP35 `mempool`). */
  readonly pending?: boolean;
  /** Forget a pending transaction neither confirmed nor re-announced for this long, ms (default 24 h). */
  readonly pendingExpiryMs?: number;
}

/**
 * An unconfirmed transaction paying to or spending from a watched address, as announced by
 * peers while following. A snapshot (changing it changes nothing inside the watch); the same
 * fields `spv watch --json` prints for `pending`, `confirmed`, `conflicted` and `expired`.
 */
export interface PendingPayment {
  readonly txid: string;
  readonly wtxid: string;
  /** Satoshis received per watched address (decimal strings, as in `WatchTx`). */
  readonly received: Readonly<Record<string, string>>;
  /** Satoshis sent from each watched address (its outputs this transaction spends). */
  readonly sent: Readonly<Record<string, string>>;
  /** When the first announcement arrived (ISO 8601). */
  readonly firstSeen: string;
  /** The peers (host:port) that announced it, first announcer first (at most 8 kept). */
  readonly announcedBy: readonly string[];
  /** The outpoints ("txid:vout", display order) its inputs spend. */
  readonly spends: readonly string[];
}

/** What a block did to a pending payment it conflicts with. */
export interface PendingConflict {
  /** The block's transaction that spends the same outputs. */
  readonly txid: string;
  readonly height: number;
  readonly blockHash: string;
}

function pendingSnapshot(p: PendingTx): PendingPayment {
  return { txid: p.txid, wtxid: p.wtxid, received: { ...p.received }, sent: { ...p.sent }, firstSeen: new Date(p.firstSeen).toISOString(), announcedBy: [...p.announcers], spends: [...p.spends] };
}

/** How often pending transactions are checked for expiry, ms. */
const PENDING_SWEEP_INTERVAL_MS = 60_000;

/** A transaction paying to or spending from a watched address, as confirmed on the best chain. */
export interface WatchTx extends TxRecord {
  /** Blocks on top of (and including) the transaction's block at the time of the event. */
  readonly confirmations: number;
}

export interface AddressBalance {
  readonly address: string;
  /** Satoshis. */
  readonly balance: bigint;
  readonly utxos: readonly WalletOutput[];
  /** Net of unconfirmed payments and spends seen while following (received − sent), satoshis. */
  readonly pending: bigint;
}

export interface Balances {
  /** The chain height the balances are valid at. */
  readonly tip: number;
  readonly addresses: readonly AddressBalance[];
}

export interface AddressWatchEvents {
  /** A relevant transaction found in a block (in height order). */
  tx: [tx: WatchTx];
  /** A transaction of a block a reorg disconnected. */
  undone: [tx: WatchTx];
  /** After the first scan and after every later scan that changed something. */
  balances: [b: Balances];
  progress: [p: ScanProgress];
  /** A peer proven to lie about filters or blocks was banned. */
  banned: [peer: string, reason: string];
  /** An unconfirmed transaction touching a watched address was announced and matched locally
   * (while following, with `pending` on): emitted once per transaction. */
  pending: [tx: PendingPayment];
  /** A pending transaction's block was scanned at `height` (its `tx` event comes too). */
  confirmed: [tx: PendingPayment, height: number];
  /** A block spent a pending transaction's inputs with another transaction (its pending
   * descendants are conflicted too); it is no longer pending. */
  conflicted: [tx: PendingPayment, by: PendingConflict];
  /** Neither confirmed nor re-announced within `pendingExpiryMs`: forgotten. */
  expired: [tx: PendingPayment];
  /** Emitted only when someone listens; `scanned()` rejects with it as well. */
  error: [err: Error];
}

/** Decodes every address for the network before any traffic; throws SpvError 'bad_address'. */
export function watchedScripts(addresses: readonly string[], params: NetworkParams): WatchedScript[] {
  if (addresses.length === 0) throw new SpvError('bad_address', 'name at least one address to watch');
  return addresses.map((a) => {
    try {
      return { address: a, script: toHex(decodeAddress(a, params).script) };
    } catch (err) {
      throw new SpvError('bad_address', `${a}: ${errorMessage(err)}`);
    }
  });
}

export class AddressWatch extends EventEmitter<AddressWatchEvents> {
  readonly watched: readonly WatchedScript[];
  readonly fromHeight: number;
  readonly bloom: boolean;
  readonly follow: boolean;
  readonly pendingEnabled: boolean;
  private readonly pendingExpiryMs: number;
  private readonly fpRate: number | undefined;
  private watcher: Watcher | undefined;
  private pendingTxs: PendingPayments | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private store: WatchStore | undefined;
  private chain: HeaderChain | undefined;
  private firstScan: Promise<Balances>;
  private settleFirst!: { resolve: (b: Balances) => void; reject: (e: Error) => void };

  /** Made by SpvClient.watch(). */
  constructor(addresses: readonly string[], params: NetworkParams, opts: WatchOptions = {}) {
    super();
    const fromHeight = opts.fromHeight ?? 0;
    if (!Number.isInteger(fromHeight) || fromHeight < 0) throw new SpvError('bad_from_height', 'fromHeight must be a whole number >= 0');
    if (opts.fpRate !== undefined && !(opts.fpRate > 0 && opts.fpRate < 1)) throw new SpvError('bad_fp_rate', 'fpRate must be between 0 and 1');
    this.watched = watchedScripts(addresses, params);
    this.fromHeight = fromHeight;
    this.bloom = opts.bloom ?? false;
    this.follow = opts.follow ?? true;
    this.fpRate = opts.fpRate;
    this.pendingEnabled = this.follow && (opts.pending ?? true);
    this.pendingExpiryMs = opts.pendingExpiryMs ?? PENDING_EXPIRY_MS;
    if (!(this.pendingExpiryMs > 0)) throw new SpvError('bad_pending_expiry', 'pendingExpiryMs must be a positive number of ms');
    this.firstScan = new Promise<Balances>((resolve, reject) => (this.settleFirst = { resolve, reject }));
    this.firstScan.catch(() => {}); // observed through scanned()
  }

  /** The service bits the client's outbound peers must offer for this watch. */
  get requiredServices(): bigint {
    return this.bloom ? NODE_BLOOM : NODE_COMPACT_FILTERS;
  }
  /** The BIP37 relay flag for our version: transaction invs wanted only while following for
   * pending payments with compact filters (with `bloom`, filterload turns relay on). */
  get relay(): boolean {
    return this.pendingEnabled && !this.bloom;
  }
  /** DNS seed service filters to ask first (networks.md 6.1): x49 = NETWORK|WITNESS|COMPACT_FILTERS, xd = NETWORK|BLOOM|WITNESS. */
  get serviceFilters(): readonly string[] {
    return this.bloom ? ['xd', 'x9'] : ['x49', 'x9'];
  }
  /** Last block height the scan has applied (fromHeight - 1 before it starts). */
  get scannedHeight(): number {
    return this.watcher?.scannedHeight ?? this.fromHeight - 1;
  }

  /** Current balances and unspent outputs per watched address. */
  balances(): Balances {
    const w = this.watcher;
    const tip = this.chain?.height ?? -1;
    return {
      tip,
      addresses: this.watched.map((x) => ({
        address: x.address,
        balance: w ? w.wallet.balance(x.address) : 0n,
        utxos: w ? w.wallet.unspent(x.address) : [],
        pending: this.pendingTxs?.pendingBalance(x.address) ?? 0n,
      })),
    };
  }

  /** Unconfirmed transactions seen while following and still pending, oldest first. */
  pendingPayments(): PendingPayment[] {
    return (this.pendingTxs?.list() ?? []).map(pendingSnapshot);
  }

  /** Every transaction found so far, in height order. */
  history(): WatchTx[] {
    const tip = this.chain?.height ?? -1;
    return (this.watcher?.wallet.records ?? []).map((r) => ({ ...r, confirmations: tip - r.height + 1 }));
  }

  /** Resolves with the balances once the first scan reached the synced tip. */
  scanned(opts: { signal?: AbortSignal } = {}): Promise<Balances> {
    return abortable(this.firstScan, opts.signal);
  }

  /** @internal Called by SpvClient.start(): builds the watcher on the client's chain and sync. */
  attach(params: NetworkParams, chain: HeaderChain, sync: HeaderSync, datadir: string, log: Log): Watcher {
    this.chain = chain;
    const store = new WatchStore(datadir);
    this.store = store;
    if (store.tornBytes) log.warn(`recovered a torn filter-header record (${store.tornBytes} bytes)`);
    const w = new Watcher({ params, chain, sync, store, watched: [...this.watched], fromHeight: this.fromHeight, bloom: this.bloom, fpRate: this.fpRate, log });
    this.watcher = w;
    const withConf = (r: TxRecord): WatchTx => ({ ...r, confirmations: chain.height - r.height + 1 });
    w.on('tx', (r) => {
      this.changed = true;
      this.emit('tx', withConf(r));
    });
    w.on('undone', (r) => {
      this.changed = true;
      this.emit('undone', withConf(r));
    });
    w.on('progress', (p) => this.emit('progress', p));
    w.on('liar', (peer, why) => this.emit('banned', peer, why));
    if (this.pendingEnabled) {
      const p = new PendingPayments({ wallet: w.wallet, chain, log, bloom: this.bloom, expiryMs: this.pendingExpiryMs }).attach(w);
      this.pendingTxs = p;
      p.on('pending', (tx) => this.emit('pending', pendingSnapshot(tx)));
      p.on('confirmed', (tx, h) => this.emit('confirmed', pendingSnapshot(tx), h));
      p.on('conflicted', (tx, by) => this.emit('conflicted', pendingSnapshot(tx), { txid: by.txid, height: by.height, blockHash: by.blockHash }));
      p.on('expired', (tx) => this.emit('expired', pendingSnapshot(tx)));
    }
    w.on('scanned', () => {
      if (!this.begun || !this.changed) return;
      this.changed = false;
      this.emit('balances', this.balances());
    });
    return w;
  }

  private begun = false;
  private changed = false;

  /** @internal Called once headers are synced (and trusted): scan to the tip, then follow. */
  async begin(): Promise<void> {
    const w = this.watcher;
    if (!w || this.begun) return;
    try {
      await w.scanToTip();
      this.begun = true;
      this.changed = false;
      const b = this.balances();
      this.emit('balances', b);
      this.settleFirst.resolve(b);
      if (this.follow) w.follow();
      const p = this.pendingTxs;
      if (p) this.sweeper = setInterval(() => p.sweep(), PENDING_SWEEP_INTERVAL_MS).unref();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** @internal The client cannot reach a trusted synced state (no peers, low work, stopped). */
  fail(err: Error): void {
    this.settleFirst.reject(err);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** @internal */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.watcher?.idle();
    this.store?.close();
    this.store = undefined;
  }

  /** @internal The services the client's node must run for this watch. */
  get services(): Watcher['services'] {
    return [...(this.watcher?.services ?? []), ...(this.pendingTxs?.services ?? [])];
  }
}
