// TxBroadcast: one transaction sent the way `spv broadcast` does, as a library object. The
// transaction is decoded and pre-checked before any traffic (TxCheckError); then short-lived
// connections of its own (relay 0, NODE_WITNESS advertised) announce and serve it
// (bitcoin/tx-broadcast.ts); with `waitConfirm` it syncs headers into the datadir and follows
// the transaction into the chain (bitcoin/tx-confirm.ts). Never prints, never exits.
import { EventEmitter } from 'node:events';
import { hashToDisplay } from '../util/bytes.js';
import { SpvError } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import type { HeaderStore } from '../chain/header-store.js';
import { decodeCheckedTx, preCheckTransaction } from '../tx/check.js';
import type { Tx } from '../tx/tx.js';
import { TxBroadcaster, DEFAULT_BROADCAST_PEERS, DEFAULT_ANNOUNCE_SPREAD_MS, type PeerBroadcastReport as LivePeerReport } from '../bitcoin/tx-broadcast.js';
import { ConfirmationWatch } from '../bitcoin/tx-confirm.js';
import { HeaderSync } from '../bitcoin/header-sync.js';
import { NODE_COMPACT_FILTERS, NODE_WITNESS } from '../bitcoin/services.js';
import type { PeerService } from '../bitcoin/protocol.js';
import type { DialAttempt } from '../bitcoin/outbound.js';
import type { DiscoveryReport } from '../discovery/discover.js';
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';
import { startPeers, type PeerSession } from './peers.js';
import { openStore } from './store.js';
import { abortable, networkParams, type NetworkName } from './types.js';

export interface BroadcastOptions {
  readonly network: NetworkName;
  /** Only these host:port peers (like Core's -connect). */
  readonly peers?: readonly string[];
  /** Peers told about the transaction (default 2). */
  readonly maxPeers?: number;
  readonly dns?: boolean;
  readonly dnsServer?: string;
  readonly seedsFile?: string;
  /** Per-peer connect and handshake timeout, ms (default 10,000). */
  readonly handshakeTimeoutMs?: number;
  /** Mean random delay between announcements to successive peers, ms (default 1,000; 0 = at once). */
  readonly spreadMs?: number;
  /** Follow it until this many blocks deep (needs header sync into `datadir`). */
  readonly waitConfirm?: number;
  readonly datadir?: string;
  readonly log?: Log;
  /** Sees every message sent and received (the CLI's --trace and --capture); see net/observer.ts. */
  readonly observer?: MessageObserver<Message>;
}

/**
 * What happened with one peer, a snapshot taken when the event fired (times in ms since the
 * broadcast started). `requested` lists the getdata types it asked with (`MSG_TX`,
 * `MSG_WITNESS_TX`, `MSG_WTX`); `refused` is a notfound / BIP61 reject / segwit reason;
 * `gone` why the connection ended before the peer had the transaction.
 */
export type PeerBroadcastReport = { readonly [K in keyof LivePeerReport]: K extends 'requested' ? readonly string[] : LivePeerReport[K] };

function reportSnapshot(r: LivePeerReport): PeerBroadcastReport {
  return { ...r, requested: [...r.requested] };
}

export interface BroadcastResult {
  /** At least one peer requested the transaction with getdata and read it (its pong came back). */
  readonly ok: boolean;
  readonly txid: string;
  readonly wtxid: string;
  /** Every peer used, in the order they were told. */
  readonly peers: readonly PeerBroadcastReport[];
}

export interface Confirmation {
  readonly height: number;
  readonly blockHash: string;
  readonly confirmations: number;
}

export interface TxBroadcastEvents {
  /** An `inv` went to this peer (`announceType`: MSG_WTX with wtxidrelay, else MSG_TX). */
  announced: [r: PeerBroadcastReport];
  /** The peer sent `getdata` for it with `type` (MSG_TX, MSG_WITNESS_TX or MSG_WTX). */
  requested: [r: PeerBroadcastReport, type: string];
  /** The `tx` went out in the serialization the request type asks for. */
  sent: [r: PeerBroadcastReport];
  /** The peer answered the `ping` sent after the tx: it has read it (the broadcast succeeded). */
  delivered: [r: PeerBroadcastReport];
  /** The peer will not get it: notfound, a BIP61 reject, or a segwit tx it cannot take; see `refused`. */
  refused: [r: PeerBroadcastReport];
  /** In a block of the best chain (with waitConfirm), found through its filter and merkle root. */
  found: [height: number, blockHash: string];
}

/** Every candidate failed before any peer received the transaction. */
export class BroadcastError extends SpvError {
  constructor(
    code: 'no_reachable_peers' | 'stopped',
    message: string,
    readonly details: { readonly attempts?: readonly DialAttempt[]; readonly report?: DiscoveryReport } = {},
  ) {
    super(code, message);
  }
}

/**
 * One transaction broadcast, as `spv broadcast` does it: `new TxBroadcast(rawTx, { network,
 * peers })` pre-checks it (throws `TxCheckError`), `start()` dials its own short-lived
 * connections (relay 0; a separate object from `SpvClient` on purpose, so the peers that learn
 * the transaction's origin learn nothing else about us), `sent({ timeoutMs })` resolves with the
 * per-peer result, `confirmed()` (with `waitConfirm`) once it is deep enough, `stop()` ends it.
 */
export class TxBroadcast extends EventEmitter<TxBroadcastEvents> {
  readonly tx: Tx;
  readonly params: NetworkParams;
  private readonly broadcaster: TxBroadcaster;
  private readonly opts: BroadcastOptions;
  private readonly log: Log;
  private store: HeaderStore | undefined;
  private sync: HeaderSync | undefined;
  private confirm: ConfirmationWatch | undefined;
  private session: PeerSession | undefined;
  private firstSync: Promise<void> = Promise.resolve();
  private stopped = false;

  /** Decodes (raw bytes) and pre-checks the transaction: throws TxCheckError before any traffic. */
  constructor(tx: Tx | Uint8Array, opts: BroadcastOptions) {
    super();
    this.tx = tx instanceof Uint8Array ? decodeCheckedTx(tx) : tx;
    if (!(tx instanceof Uint8Array)) preCheckTransaction(this.tx);
    this.params = networkParams(opts.network);
    this.opts = opts;
    this.log = opts.log ?? silentLog;
    const maxPeers = opts.maxPeers ?? DEFAULT_BROADCAST_PEERS;
    if (!Number.isInteger(maxPeers) || maxPeers < 1) throw new SpvError('bad_max_peers', 'maxPeers must be a positive integer');
    if (opts.waitConfirm !== undefined && (!Number.isInteger(opts.waitConfirm) || opts.waitConfirm < 1)) throw new SpvError('bad_wait_confirm', 'waitConfirm takes a whole number of blocks from 1');
    this.broadcaster = new TxBroadcaster(this.tx, { maxPeers, spreadMs: opts.spreadMs ?? DEFAULT_ANNOUNCE_SPREAD_MS, log: this.log });
    for (const e of ['announced', 'sent', 'delivered', 'refused'] as const) this.broadcaster.on(e, (r) => this.emit(e, reportSnapshot(r)));
    this.broadcaster.on('requested', (r, type) => this.emit('requested', reportSnapshot(r), type));
  }

  /** Display hex. */
  get txid(): string {
    return hashToDisplay(this.tx.txid);
  }
  /** Has witness data (then never sent stripped, never announced to peers without NODE_WITNESS). */
  get segwit(): boolean {
    return this.broadcaster.segwit;
  }
  /** How peers were found (after start()). */
  get discoveryReport(): DiscoveryReport | undefined {
    return this.session?.report;
  }

  /** Opens the datadir (with waitConfirm), discovers peers and starts dialing. */
  async start(): Promise<void> {
    const services: PeerService[] = [this.broadcaster];
    const depth = this.opts.waitConfirm;
    if (depth !== undefined) {
      const store = openStore(this.params, this.opts.datadir, this.log);
      this.store = store;
      const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush(), log: this.log });
      this.sync = sync;
      this.confirm = new ConfirmationWatch({ chain: store.chain, sync, tx: this.tx, depth, log: this.log });
      this.confirm.on('found', (h, hash) => this.emit('found', h, hash));
      this.firstSync = new Promise((resolve) => sync.once('synced', () => resolve()));
      services.push(sync, ...this.confirm.services);
    }
    try {
      this.session = await startPeers(
        this.params,
        {
          peers: this.opts.peers,
          maxPeers: this.opts.maxPeers ?? DEFAULT_BROADCAST_PEERS,
          dns: this.opts.dns,
          dnsServer: this.opts.dnsServer,
          seedsFile: this.opts.seedsFile,
          timeoutMs: this.opts.handshakeTimeoutMs ?? 10_000,
        },
        this.log,
        {
          services,
          relay: false,
          // Segwit decision (README): NODE_WITNESS advertised, so txid-relay peers ask with
          // MSG_WITNESS_TX; MSG_TX for a segwit tx gets notfound, never a stripped tx.
          ourServices: NODE_WITNESS,
          startHeight: () => this.store?.chain.height ?? 0,
          requiredServices: depth !== undefined ? NODE_COMPACT_FILTERS : undefined,
          serviceFilters: depth !== undefined ? ['x49', 'x9'] : undefined,
          observer: this.opts.observer,
        },
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Resolves once a peer requested and received it (and every chosen peer was told), or when
   * `timeoutMs` passes (ok: false, per-peer reasons). Rejects with BroadcastError
   * 'no_reachable_peers' when every candidate failed first.
   */
  async sent(opts: { timeoutMs: number; signal?: AbortSignal }): Promise<BroadcastResult> {
    const session = this.session;
    if (!session) throw new SpvError('not_started', 'call start() first');
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<'done'>((resolve) => {
      if (this.broadcaster.delivered.length > 0) resolve('done');
      this.broadcaster.once('done', () => resolve('done'));
    });
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.timeoutMs)));
    try {
      const outcome = await abortable(Promise.race([done, timeout, session.exhausted]), opts.signal);
      if (Array.isArray(outcome) && this.broadcaster.delivered.length === 0) {
        throw new BroadcastError('no_reachable_peers', `no reachable peers on ${this.params.name}: tried ${outcome.length} address(es)`, { attempts: outcome, report: session.report });
      }
      return { ok: this.broadcaster.delivered.length > 0, txid: this.txid, wtxid: hashToDisplay(this.tx.wtxid), peers: this.broadcaster.reports.map(reportSnapshot) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** With waitConfirm: resolves when the transaction is that many blocks deep. */
  async confirmed(opts: { signal?: AbortSignal } = {}): Promise<Confirmation> {
    const c = this.confirm;
    const session = this.session;
    if (!c || !session) throw new SpvError('not_waiting', 'confirmed() needs waitConfirm and start()');
    const lost = session.exhausted.then((attempts) => {
      throw new BroadcastError('no_reachable_peers', 'lost every peer before the transaction confirmed', { attempts, report: session.report });
    });
    lost.catch(() => {});
    await abortable(Promise.race([this.firstSync, lost]), opts.signal);
    const confirmed = new Promise<Confirmation>((resolve) => c.once('confirmed', (height, blockHash, confirmations) => resolve({ height, blockHash, confirmations })));
    c.start();
    return abortable(Promise.race([confirmed, lost]), opts.signal);
  }

  /** The header height now (with waitConfirm). */
  get headerHeight(): number | undefined {
    return this.store?.chain.height;
  }

  /** Disconnects, closes the datadir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.session?.connector.stop();
    await this.session?.node.manager.close();
    this.store?.close();
  }
}
