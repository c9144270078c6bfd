// SpvClient: the one composition of a light client — header store, discovery, peers, header
// sync and (optionally) an address watch — used by the CLI and by library users alike. It
// never prints and never exits: results are values, failures are SpvErrors, the rest events.
import { EventEmitter } from 'node:events';
import { formatHostPort } from '../util/address.js';
import { fromHex, hashToDisplay } from '../util/bytes.js';
import { SpvError } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import { defaultDatadir } from '../chain/datadir.js';
import { decodeHeader } from '../chain/header.js';
import type { HeaderStore } from '../chain/header-store.js';
import { HeaderSync, type SyncProgress, type SyncSummary } from '../bitcoin/header-sync.js';
import type { BitcoinPeer, PeerService } from '../bitcoin/protocol.js';
import type { DialAttempt } from '../bitcoin/outbound.js';
import { peerInfo } from '../bitcoin/probe.js';
import type { DiscoveryReport } from '../discovery/discover.js';
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';
import { AddressWatch, type WatchOptions } from './address-watch.js';
import { startPeers, checkPeerSourceOptions, type PeerSession } from './peers.js';
import { loadHints, type HintsOption } from './hints.js';
import { openStore } from './store.js';
import { abortable, networkParams, type HeaderInfo, type NetworkName, type PeerInfo, type Tip } from './types.js';

/** Core's MAX_OUTBOUND_FULL_RELAY_CONNECTIONS. */
export const DEFAULT_MAX_PEERS = 8;
export const DEFAULT_PEER_TIMEOUT_MS = 10_000;

export interface SpvClientOptions {
  readonly network: NetworkName;
  /** Where headers (and a watch's state) are kept; default ~/.spv/<network>/. */
  readonly datadir?: string;
  /** Connect only to these host:port addresses, like Core's -connect (no DNS, no fixed seeds, no gossip). */
  readonly peers?: readonly string[];
  /** Outbound connections to hold (default 8). */
  readonly maxPeers?: number;
  /** Query DNS seeds (default true). */
  readonly dns?: boolean;
  /** Ask this DNS server (IP[:port]) instead of the system resolver. */
  readonly dnsServer?: string;
  /** A file of host:port lines instead of the shipped seeds/<network>.txt. */
  readonly seedsFile?: string;
  /** Per-peer connect and handshake timeout, ms (default 10,000). */
  readonly timeoutMs?: number;
  /** A sync peer silent this long after getheaders is replaced, ms (default 30,000). */
  readonly stallTimeoutMs?: number;
  /** Download hints (issue 10): a file of "height hash" lines, `false` for none, or the hints;
   * default: the network's shipped `hints/<network>.txt` when there is one. Header ranges between
   * hints are fetched from all peers at once; every header is still validated from genesis. */
  readonly hints?: HintsOption;
  /** false: hold connections only, no header store and no sync (`spv connect --no-sync`). */
  readonly sync?: boolean;
  /** Where log lines go (default: nowhere). The CLI passes winston. */
  readonly log?: Log;
  /** BIP324 v2 transport first (manual peers, peers offering NODE_P2P_V2), v1 fallback once,
   * like Core's -v2transport (default false here; the CLI's --v2transport is on by default). */
  readonly v2transport?: boolean;
  /** Services known for an address (as Core's addrman records them from gossip); an address
   * offering NODE_P2P_V2 is dialed with v2 first. */
  readonly knownServices?: (host: string, port: number) => bigint | undefined;
  /** Sees every message sent and received (the CLI's --trace and --capture); see net/observer.ts. */
  readonly observer?: MessageObserver<Message>;
  /** Core's -minimumchainwork: replaces the network's minimum chain work (nMinimumChainWork).
   * A chain with less is never trusted (synced() rejects with 'below_minimum_work') and a
   * competing chain below it is presynced before anything of it is stored. */
  readonly minimumChainWork?: bigint;
}

/** A connected peer as the client sees it now. */
export type ConnectedPeer = PeerInfo & { readonly direction: 'inbound' | 'outbound' };

export interface ReorgEvent {
  readonly depth: number;
  readonly forkHeight: number;
  readonly oldTip: Tip;
  readonly newTip: Tip;
  readonly peer: string;
}

export interface SpvClientEvents {
  /** Discovery finished; dialing starts. */
  discovery: [report: DiscoveryReport];
  peerConnected: [peer: ConnectedPeer];
  peerDisconnected: [peer: { readonly address: string; readonly transport: 'v1' | 'v2'; readonly code: string; readonly message: string }];
  pong: [address: string, rttMs: number];
  /** Header download progress (about once per batch of 2,000). */
  progress: [p: SyncProgress];
  /** Every connected peer has told us all it has (again after later catch-ups). */
  synced: [s: SyncSummary];
  /** A new best tip while following, after the first `synced`. */
  tip: [tip: Tip & { readonly peer: string }];
  reorg: [r: ReorgEvent];
  /** Every candidate address failed and no peer is connected. */
  exhausted: [attempts: DialAttempt[]];
}

/** Thrown by `synced()` (and a watch's `scanned()`) when no trusted chain can be had. */
export class SyncError extends SpvError {
  constructor(
    code: 'no_reachable_peers' | 'below_minimum_work' | 'stopped',
    message: string,
    readonly details: { readonly attempts?: readonly DialAttempt[]; readonly report?: DiscoveryReport; readonly summary?: SyncSummary } = {},
  ) {
    super(code, message);
  }
}

export class SpvClient extends EventEmitter<SpvClientEvents> {
  readonly params: NetworkParams;
  /** The datadir in use (resolved from the options). */
  readonly datadir: string;
  private readonly opts: SpvClientOptions;
  private readonly log: Log;
  private store: HeaderStore | undefined;
  private headerSync: HeaderSync | undefined;
  private session: PeerSession | undefined;
  private addressWatch: AddressWatch | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private exhaustedWith: DialAttempt[] | undefined;
  private readonly ended = new AbortController();

  constructor(opts: SpvClientOptions) {
    super();
    const params = networkParams(opts.network);
    if (opts.minimumChainWork !== undefined && opts.minimumChainWork < 0n) throw new SpvError('bad_minimum_chain_work', 'minimumChainWork must not be negative');
    this.params = opts.minimumChainWork === undefined ? params : { ...params, minimumChainWork: opts.minimumChainWork };
    this.opts = opts;
    this.log = opts.log ?? silentLog;
    this.datadir = opts.datadir ?? defaultDatadir(this.params);
    checkPeerSourceOptions({ maxPeers: opts.maxPeers ?? DEFAULT_MAX_PEERS, timeoutMs: opts.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS });
  }

  /**
   * Watch addresses of this network (base58 P2PKH/P2SH, bech32, bech32m) from `fromHeight`:
   * compact block filters by default, BIP37 with `bloom`. Call before `start()` so the client
   * chooses peers that serve what the watch needs; one watch per client (its state lives in
   * the datadir and a restart resumes it). Addresses are checked here, before any traffic.
   */
  watch(addresses: readonly string[], opts: WatchOptions = {}): AddressWatch {
    if (this.state !== 'new') throw new SpvError('watch_after_start', 'call watch() before start(): the client picks its peers by the services the watch needs');
    if (this.addressWatch) throw new SpvError('watch_exists', 'one watch per client: pass every address to one watch() call');
    if (this.opts.sync === false) throw new SpvError('watch_needs_sync', 'a watch needs header sync (sync: false was given)');
    this.addressWatch = new AddressWatch(addresses, this.params, opts);
    return this.addressWatch;
  }

  /**
   * Opens the datadir (StoreError 'datadir_locked' if another process holds it), discovers
   * peers and starts dialing. Resolves once dialing has begun; see `synced()`.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new SpvError('already_started', 'start() was already called');
    this.state = 'starting';
    const services: PeerService[] = [];
    const watch = this.addressWatch;
    if (this.opts.sync !== false) {
      const store = openStore(this.params, this.datadir, this.log);
      this.store = store;
      const hints = loadHints(this.opts.hints, this.params, this.log);
      const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush(), log: this.log, responseTimeoutMs: this.opts.stallTimeoutMs, hints });
      this.headerSync = sync;
      sync.on('progress', (p) => this.emit('progress', p));
      sync.on('synced', (s) => this.emit('synced', s));
      sync.on('tip', (height, hash, peer) => this.emit('tip', { height, hash, peer }));
      sync.on('reorg', (r, peer) =>
        this.emit('reorg', {
          depth: r.depth,
          forkHeight: r.forkHeight,
          oldTip: { height: r.oldTip.height, hash: r.oldTip.hashHex },
          newTip: { height: r.newTip.height, hash: r.newTip.hashHex },
          peer,
        }),
      );
      services.push(sync);
      if (watch) {
        watch.attach(this.params, store.chain, sync, store.datadir, this.log);
        services.push(...watch.services); // the watcher's, plus pending payments' while following
      }
    }
    try {
      const session = await startPeers(
        this.params,
        {
          peers: this.opts.peers,
          maxPeers: this.opts.maxPeers ?? DEFAULT_MAX_PEERS,
          dns: this.opts.dns,
          dnsServer: this.opts.dnsServer,
          seedsFile: this.opts.seedsFile,
          timeoutMs: this.opts.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS,
          v2transport: this.opts.v2transport,
          knownServices: this.opts.knownServices,
        },
        this.log,
        { services, startHeight: () => this.store?.chain.height ?? 0, requiredServices: watch?.requiredServices, serviceFilters: watch?.serviceFilters, relay: watch?.relay, observer: this.opts.observer },
      );
      this.session = session;
      // With --connect, every named peer is heard (or fails) before the chain counts as synced:
      // the one still connecting may hold a chain with more work.
      const sync = this.headerSync;
      if (sync) {
        sync.waitForPeers(() => session.connector.manualDialsPending > 0);
        // (After the protocol's services saw the new peer: 'ready' comes before their onReady.)
        session.connector.on('dialed', () => queueMicrotask(() => sync.checkSynced()));
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    const { node } = this.session;
    node.protocol.on('ready', (p) => this.emit('peerConnected', this.connectedPeer(p)));
    node.protocol.on('pong', (p, rtt) => this.emit('pong', formatHostPort(p.address), rtt));
    node.manager.on('disconnected', (p, why) => {
      if (p.established) this.emit('peerDisconnected', { address: formatHostPort(p.address), transport: p.transport, code: why.code, message: why.message });
    });
    this.session.exhausted.then((attempts) => {
      this.exhaustedWith = attempts;
      if (this.state === 'running') this.emit('exhausted', attempts);
    });
    this.state = 'running';
    this.emit('discovery', this.session.report);
    if (watch) this.synced({ signal: this.ended.signal }).then(() => watch.begin(), (err: Error) => watch.fail(err));
  }

  /**
   * Resolves with the tip once headers are synced with every connected peer (the first time,
   * or at once if that already happened). Rejects with SyncError 'no_reachable_peers' when
   * every candidate failed, 'below_minimum_work' when the peers' best chain has less work than
   * the network's minimum (Core's nMinimumChainWork: not to be trusted), 'stopped' after stop().
   */
  synced(opts: { signal?: AbortSignal } = {}): Promise<Tip> {
    const sync = this.headerSync;
    if (!sync) return Promise.reject(new SpvError('not_syncing', this.state === 'new' ? 'call start() first' : 'this client does not sync headers'));
    const result = new Promise<Tip>((resolve, reject) => {
      const done = (): void => {
        sync.off('synced', onSynced);
        this.off('exhausted', onExhausted);
        this.ended.signal.removeEventListener('abort', onStopped);
      };
      const onSynced = (s: SyncSummary): void => {
        done();
        if (s.belowMinimumWork) reject(new SyncError('below_minimum_work', belowMinimumWorkMessage(s, this.params.name), { summary: s }));
        else resolve({ height: s.height, hash: s.tipHash });
      };
      const onExhausted = (attempts: DialAttempt[]): void => {
        done();
        reject(new SyncError('no_reachable_peers', `no reachable peers on ${this.params.name}: tried ${attempts.length} address(es)`, { attempts, report: this.session?.report }));
      };
      const onStopped = (): void => {
        done();
        reject(new SyncError('stopped', 'the client was stopped'));
      };
      if (sync.isSynced) return onSynced(sync.summary());
      if (this.exhaustedWith) return onExhausted(this.exhaustedWith);
      if (this.ended.signal.aborted) return onStopped();
      sync.on('synced', onSynced);
      this.on('exhausted', onExhausted);
      this.ended.signal.addEventListener('abort', onStopped, { once: true });
    });
    return abortable(result, opts.signal);
  }

  /** The best chain's tip as stored. */
  tip(): Tip {
    const chain = this.chainOrThrow();
    return { height: chain.height, hash: chain.tip.hashHex };
  }

  /** A header of the best chain by height or by hash (display hex); undefined when not on it. */
  header(heightOrHash: number | string): HeaderInfo | undefined {
    const chain = this.chainOrThrow();
    let height: number;
    if (typeof heightOrHash === 'number') height = heightOrHash;
    else {
      if (!/^[0-9a-fA-F]{64}$/.test(heightOrHash)) throw new SpvError('bad_hash', `not a block hash: ${heightOrHash}`);
      height = chain.heightOf(fromHex(heightOrHash).reverse());
    }
    if (!Number.isInteger(height) || height < 0 || height > chain.height) return undefined;
    const h = decodeHeader(chain.headerAt(height));
    return {
      height,
      hash: hashToDisplay(chain.hashAt(height)),
      version: h.version,
      prevHash: hashToDisplay(h.prevBlock),
      merkleRoot: hashToDisplay(h.merkleRoot),
      time: h.time,
      bits: h.bits,
      nonce: h.nonce,
    };
  }

  /** Established peers now. */
  peers(): ConnectedPeer[] {
    return (this.session?.node.manager.peers ?? []).filter((p) => p.established && p.state.remote).map((p) => this.connectedPeer(p));
  }

  /** Header sync figures so far (height, tip, headers/s, peers used, minimum-work verdict). */
  syncSummary(): SyncSummary | undefined {
    return this.headerSync?.summary();
  }

  /** Where the candidates came from (after start()). */
  get discoveryReport(): DiscoveryReport | undefined {
    return this.session?.report;
  }

  /** Every dial so far with its outcome. */
  get dialAttempts(): readonly DialAttempt[] {
    return this.session?.connector.history ?? [];
  }

  /** Disconnects every peer, waits for a scan in progress, closes the datadir. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.ended.abort();
    this.session?.connector.stop();
    await this.session?.node.manager.close();
    await this.addressWatch?.close();
    this.store?.close();
  }

  private chainOrThrow(): HeaderStore['chain'] {
    if (!this.store) throw new SpvError('not_started', this.opts.sync === false ? 'this client does not keep headers' : 'call start() first');
    return this.store.chain;
  }

  private connectedPeer(p: BitcoinPeer): ConnectedPeer {
    const info = peerInfo(p, this.params.name, p.state.ping.lastRtt);
    return { ...info, direction: p.direction };
  }
}

/** Why a synced chain is not trusted: what we hold and, when peers offered more, that theirs
 * had too little work to be stored at all (Core's presync never stores a low-work chain). */
function belowMinimumWorkMessage(s: SyncSummary, network: string): string {
  const offered = s.lowWorkChains.length === 0 ? '' : `; the peers' chains (${s.lowWorkChains.map((c) => `${c.peer} to height ${c.height}`).join(', ')}) too, so they were not stored`;
  return `the best chain we have (height ${s.height}) has less work than ${network}'s minimum chain work${offered}; not trusted`;
}
