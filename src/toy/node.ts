// One toy-chain node on the shared connection layer: a PeerManager with the toy line codec and
// a Protocol adapter that feeds ToyGossip and carries out its actions (send, stream a chain
// reply with back-pressure, timers, bans), plus mining and the optional --datadir store.
import { EventEmitter } from 'node:events';
import { PeerManager, type PeerManagerOptions, type Protocol } from '../net/peer-manager.js';
import { reason, type DisconnectReason } from '../net/disconnect.js';
import type { Peer } from '../net/peer.js';
import type { PeerAddress } from '../util/address.js';
import { formatHostPort } from '../util/address.js';
import { silentLog, type Log } from '../util/log.js';
import { BlockMiner, DEFAULT_DIFFICULTY, MAX_DATA_BYTES, type ToyBlock, type ToyTransaction } from './block.js';
import type { ToyChain } from './chain.js';
import { ToyLineCodec } from './codec.js';
import { ToyError } from './errors.js';
import { ToyGossip, type ToyAction, type ToyEvent, type ToyPeerKind, type ToyPeerState } from './gossip.js';
import type { ToyMessage } from './messages.js';
import { ToyBlockStore } from './store.js';

/** Nonces tried between yields to the event loop while mining (~5 ms of hashing). */
export const MINING_SLICE = 2048;
/** Stop writing a chain reply while this much is queued for the peer; resume when it drains. */
export const SERVE_HIGH_WATER_BYTES = 256 * 1024;
/** Blocks written per turn of the event loop while streaming a chain reply. */
export const SERVE_BATCH_BLOCKS = 2000;
const SERVE_POLL_MS = 2;

export type ToyNetTuning = Partial<
  Pick<PeerManagerOptions<ToyMessage, ToyPeerState>, 'handshakeTimeoutMs' | 'reconnectBaseMs' | 'reconnectMaxMs' | 'banDurationMs' | 'maxInbound' | 'connectTimeoutMs'>
>;

export interface ToyNodeOptions {
  /** Where to listen (default 127.0.0.1, any free port); false for a node that only dials. */
  listen?: PeerAddress | false;
  /** Peers to keep connected to (redialled with backoff and jitter). */
  peers?: readonly PeerAddress[];
  difficulty?: number;
  datadir?: string;
  log?: Log;
  net?: ToyNetTuning;
  legacyProbeMs?: number;
  legacySyncIdleMs?: number;
  now?: () => number;
}

export interface ToyPeerInfo {
  readonly id: number;
  readonly label: string;
  /** The remote end (a listener for outbound peers, an ephemeral port for inbound ones). */
  readonly address: PeerAddress;
  readonly localPort: number | undefined;
  readonly direction: 'inbound' | 'outbound';
  readonly kind: ToyPeerKind;
  readonly established: boolean;
  readonly tipHeight: number | undefined;
}

export interface ToyNodeEvents {
  toy: [event: ToyEvent];
  peers: [count: number];
}

interface Stream {
  readonly hashes: readonly string[];
  next: number;
  readonly thenTip: boolean;
}

export class ToyNode extends EventEmitter<ToyNodeEvents> {
  readonly gossip: ToyGossip;
  readonly manager: PeerManager<ToyMessage, ToyPeerState>;
  readonly log: Log;
  /** Where it listens, once started. */
  address: PeerAddress | undefined;
  private readonly byId = new Map<number, Peer<ToyMessage, ToyPeerState>>();
  private readonly streams = new Map<number, Stream>();
  private store: ToyBlockStore | undefined;
  private closed = false;

  private constructor(private readonly options: ToyNodeOptions) {
    super();
    this.log = options.log ?? silentLog;
    const now = options.now ?? Date.now;
    this.gossip = new ToyGossip({
      difficulty: options.difficulty ?? DEFAULT_DIFFICULTY,
      log: this.log,
      now,
      legacyProbeMs: options.legacyProbeMs,
      legacySyncIdleMs: options.legacySyncIdleMs,
    });
    const protocol: Protocol<ToyMessage, ToyPeerState> = {
      createState: (peer) => this.gossip.newPeerState(peer.id, peer.direction, peer.label),
      onConnect: (peer) => this.onConnect(peer),
      onMessage: (peer, m) => this.run(this.gossip.received(peer.id, m)),
      onDisconnect: (peer, why) => this.onDisconnect(peer, why),
    };
    this.manager = new PeerManager({ codec: new ToyLineCodec(), protocol, log: this.log, now, ...options.net });
  }

  /** Load the datadir (if any), listen, and start dialing the known peers. */
  static async start(options: ToyNodeOptions = {}): Promise<ToyNode> {
    const node = new ToyNode(options);
    if (options.datadir) node.openStore(options.datadir);
    try {
      if (options.listen !== false) node.address = await node.manager.listen(options.listen ?? { host: '127.0.0.1', port: 0 });
    } catch (err) {
      node.store?.close();
      throw err;
    }
    for (const p of options.peers ?? []) node.addPeer(p);
    return node;
  }

  get chain(): ToyChain {
    return this.gossip.chain;
  }
  get difficulty(): number {
    return this.gossip.difficulty;
  }

  get peers(): ToyPeerInfo[] {
    return [...this.byId.values()].map((p) => ({
      id: p.id,
      label: p.label,
      address: p.address,
      localPort: p.localPort,
      direction: p.direction,
      kind: p.state.kind,
      established: p.established,
      tipHeight: p.state.tip?.height,
    }));
  }

  /** Keep a connection to this address (dial now, redial with backoff when it drops). */
  addPeer(address: PeerAddress): void {
    this.manager.keepConnected(address);
  }

  /** Dial once (tests use `localAddress` to appear as another loopback host). */
  connect(address: PeerAddress, localAddress?: string): Promise<Peer<ToyMessage, ToyPeerState>> {
    return this.manager.connect(address, localAddress);
  }

  /** Add blocks as if read from disk: validated, stored, not relayed. Returns how many were accepted. */
  importBlocks(blocks: Iterable<ToyBlock>): number {
    let n = 0;
    for (const b of blocks) {
      const r = this.gossip.loadStored(b);
      if (r.kind === 'accepted') {
        n++;
        for (const c of r.connected) this.store?.append(c); // the best chain only, as gossip does
      }
    }
    return n;
  }

  /** Mine `data` on our best tip (restarting if the tip moves meanwhile), then relay it. */
  async mine(data: string, transactions: readonly ToyTransaction[] = []): Promise<ToyBlock> {
    if (Buffer.byteLength(data, 'utf8') > MAX_DATA_BYTES) throw new ToyError('data_too_large', `data is larger than ${MAX_DATA_BYTES} bytes`);
    for (;;) {
      if (this.closed) throw new ToyError('closed', 'node is shut down');
      const chain = this.chain;
      const parent = chain.tip;
      const timestamp = Math.max(Math.floor((this.options.now ?? Date.now)() / 1000), chain.medianTimePast());
      const miner = new BlockMiner({ index: parent.index + 1, timestamp, nonce: 0, data, prev_hash: parent.hash, transactions }, this.difficulty);
      let block: ToyBlock | undefined;
      while (!(block = miner.search(MINING_SLICE))) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.closed || chain.tip.hash !== parent.hash) break;
      }
      if (!block) continue; // the tip moved: mine on the new one
      const { result, actions } = this.gossip.submitLocal(block);
      this.run(actions);
      if (result.kind === 'accepted') {
        this.log.info(`mined block #${block.index} ${block.hash.slice(0, 16)}… after ${miner.attempts} attempts: ${JSON.stringify(data.slice(0, 60))}`);
        return block;
      }
      if (result.kind === 'invalid') throw result.error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.manager.close();
    this.store?.close();
    this.store = undefined;
  }

  // --- Protocol adapter -----------------------------------------------------------------

  private onConnect(peer: Peer<ToyMessage, ToyPeerState>): void {
    this.byId.set(peer.id, peer);
    this.log.info(`peer connected: ${peer.label} (${this.byId.size} peer(s))`);
    this.emit('peers', this.byId.size);
    this.run(this.gossip.connected(peer.state));
  }

  private onDisconnect(peer: Peer<ToyMessage, ToyPeerState>, why: DisconnectReason): void {
    this.byId.delete(peer.id);
    this.streams.delete(peer.id);
    if (!this.closed) this.log.info(`peer gone: ${peer.label}: ${why.code} (${this.byId.size} peer(s) left)`);
    this.emit('peers', this.byId.size);
    this.run(this.gossip.disconnected(peer.id));
  }

  private run(actions: readonly ToyAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          this.byId.get(a.peer)?.send(a.message);
          break;
        case 'serve':
          this.streams.set(a.peer, { hashes: a.hashes, next: 0, thenTip: a.thenTip });
          this.pump(a.peer);
          break;
        case 'established': {
          const p = this.byId.get(a.peer);
          if (p) this.manager.markEstablished(p);
          break;
        }
        case 'timer': {
          const p = this.byId.get(a.peer);
          const name = a.name;
          p?.setTimer(name, a.ms, () => this.run(this.gossip.timer(a.peer, name)));
          break;
        }
        case 'misbehaving':
          this.byId.get(a.peer)?.misbehaving(a.code, a.message);
          break;
        case 'disconnect':
          this.byId.get(a.peer)?.disconnect(reason('protocol', a.code, a.message));
          break;
        case 'persist':
          this.store?.append(a.block);
          break;
        case 'event':
          this.emit('toy', a.event);
          break;
        default: {
          const never: never = a;
          throw new Error(`unhandled toy action ${String(never)}`);
        }
      }
    }
  }

  /** Write the next part of a chain reply; come back when the peer has read some of it. */
  private pump(id: number): void {
    const s = this.streams.get(id);
    const peer = this.byId.get(id);
    if (!s || !peer || peer.isClosed) return;
    let batch = 0;
    while (s.next < s.hashes.length) {
      if (peer.sendQueueBytes > SERVE_HIGH_WATER_BYTES || batch >= SERVE_BATCH_BLOCKS) {
        peer.setTimer('serve', SERVE_POLL_MS, () => this.pump(id));
        return;
      }
      const block = this.chain.get(s.hashes[s.next++]!);
      if (block) peer.send({ command: 'block', block });
      batch++;
      if (peer.isClosed) return;
    }
    this.streams.delete(id);
    if (s.thenTip) peer.send({ command: 'tip', tip: this.gossip.tip });
    this.gossip.servingDone(id);
  }

  private openStore(dir: string): void {
    const { store, stored } = ToyBlockStore.open(dir, this.log);
    let accepted = 0;
    let invalid = 0;
    for (const b of stored.blocks) {
      const r = this.gossip.loadStored(b);
      if (r.kind === 'accepted') accepted++;
      else if (r.kind !== 'duplicate') {
        invalid++;
        this.log.warn(`datadir block #${b.index} ${b.hash.slice(0, 16)}… dropped: ${r.kind === 'invalid' ? `${r.error.code}: ${r.error.message}` : 'parent missing'}`);
      }
    }
    this.store = store;
    this.log.info(`loaded ${accepted} block(s) from ${store.path}${invalid ? `, ${invalid} dropped` : ''}; height ${this.chain.height}`);
  }

  describe(): string {
    return `${this.address ? formatHostPort(this.address) : 'no listener'} height ${this.chain.height} tip ${this.chain.tip.hash.slice(0, 16)}…`;
  }
}
