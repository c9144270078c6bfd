// The reactor shared by both protocol modes: listens, dials, owns the Peers, enforces the
// handshake deadline, inbound caps with eviction, bans, and reconnect with backoff. It knows
// nothing of Bitcoin or the toy chain: a Protocol decides what messages mean.
import { EventEmitter } from 'node:events';
import { createServer, Socket, type Server } from 'node:net';
import { formatHostPort, type PeerAddress } from '../util/address.js';
import { errorMessage, SpvError } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { Codec } from './codec.js';
import { reason, type DisconnectReason } from './disconnect.js';
import { NetError } from './errors.js';
import { Peer, type PeerHost } from './peer.js';
import { framedTransports, type TransportFactory, type TransportKind } from './transport.js';
import type { MessageObserver } from './observer.js';

/** What a protocol mode plugs into the manager. State S lives on each Peer. */
export interface Protocol<M, S> {
  createState(peer: Peer<M, S>): S;
  /** The TCP connection is up (outbound: send the first message here). */
  onConnect(peer: Peer<M, S>): void;
  onMessage(peer: Peer<M, S>, message: M): void;
  onDisconnect?(peer: Peer<M, S>, why: DisconnectReason): void;
}

/** Core DEFAULT_PEER_CONNECT_TIMEOUT is 60 s; we are a light client and can be stricter. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a TCP dial may take (Core DEFAULT_CONNECT_TIMEOUT = 5000 ms, netbase.h). */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Core's former DEFAULT_MISBEHAVING_BANTIME (24 h). */
export const BAN_DURATION_MS = 24 * 60 * 60 * 1000;
/** Core DEFAULT_MAX_PEER_CONNECTIONS is 125; a light client serves far fewer. */
export const MAX_INBOUND = 32;
/** Most banned hosts remembered; past it the ban that ends soonest is forgotten first. Core keeps
 * misbehaving peers in a rolling filter of 50,000 entries (banman.h m_discouraged). */
export const MAX_BANNED_HOSTS = 50_000;
/** Invalid frames (bad checksum, bad payload) tolerated before the peer is dropped. */
export const MAX_INVALID_FRAMES = 10;
export const RECONNECT_BASE_MS = 250;
export const RECONNECT_MAX_MS = 30_000;

export interface PeerManagerOptions<M, S> {
  codec: Codec<M>;
  protocol: Protocol<M, S>;
  /** Each connection's transport; default: plain framing with `codec`. */
  transports?: TransportFactory<M>;
  log?: Log;
  handshakeTimeoutMs?: number;
  connectTimeoutMs?: number;
  banDurationMs?: number;
  /** Default MAX_BANNED_HOSTS. */
  maxBannedHosts?: number;
  maxInbound?: number;
  maxInvalidFrames?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Injected for tests; defaults to Date.now and Math.random. */
  now?: () => number;
  random?: () => number;
  /** Sees every message in and out (the live trace, capture files); see observer.ts. */
  observer?: MessageObserver<M>;
}

export interface PeerManagerEvents<M, S> {
  connected: [peer: Peer<M, S>];
  disconnected: [peer: Peer<M, S>, why: DisconnectReason];
  banned: [host: string, code: string, message: string];
}

interface Persistent {
  address: PeerAddress;
  attempts: number;
  timer?: NodeJS.Timeout;
  peer?: Peer<unknown, unknown>;
}

export class PeerManager<M, S> extends EventEmitter<PeerManagerEvents<M, S>> implements PeerHost<M> {
  private readonly codec: Codec<M>;
  private readonly protocol: Protocol<M, S>;
  private readonly transports: TransportFactory<M>;
  readonly log: Log;
  readonly observer: MessageObserver<M> | undefined;
  private readonly opts: Required<Omit<PeerManagerOptions<M, S>, 'codec' | 'protocol' | 'log' | 'transports' | 'observer'>>;
  /** Local address each outbound peer was dialed from (a transport retry dials from it again). */
  private readonly localAddresses = new WeakMap<Peer<M, S>, string>();
  private readonly live = new Set<Peer<M, S>>();
  private readonly bans = new Map<string, { until: number; code: string }>();
  private readonly persistent = new Map<string, Persistent>();
  private readonly pendingDials = new Set<Socket>();
  private server: Server | undefined;
  private nextId = 1;
  private closing = false;

  constructor(options: PeerManagerOptions<M, S>) {
    super();
    this.codec = options.codec;
    this.protocol = options.protocol;
    this.transports = options.transports ?? framedTransports(options.codec);
    this.log = options.log ?? silentLog;
    this.observer = options.observer;
    this.opts = {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      banDurationMs: options.banDurationMs ?? BAN_DURATION_MS,
      maxBannedHosts: options.maxBannedHosts ?? MAX_BANNED_HOSTS,
      maxInbound: options.maxInbound ?? MAX_INBOUND,
      maxInvalidFrames: options.maxInvalidFrames ?? MAX_INVALID_FRAMES,
      reconnectBaseMs: options.reconnectBaseMs ?? RECONNECT_BASE_MS,
      reconnectMaxMs: options.reconnectMaxMs ?? RECONNECT_MAX_MS,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
  }

  get peers(): Peer<M, S>[] {
    return [...this.live];
  }
  get inboundCount(): number {
    let n = 0;
    for (const p of this.live) if (p.direction === 'inbound') n++;
    return n;
  }
  now(): number {
    return this.opts.now();
  }

  /** Listen for inbound peers; resolves with the bound address (port 0 picks one). */
  async listen(at: PeerAddress): Promise<PeerAddress> {
    await this.transports.prepare?.();
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.onInbound(socket));
      server.maxConnections = this.opts.maxInbound * 4; // hard OS-level ceiling; eviction below does the rest
      server.once('error', (err) => reject(new NetError('listen_failed', `cannot listen on ${formatHostPort(at)}: ${errorMessage(err)}`)));
      server.listen(at.port, at.host, () => {
        this.server = server;
        const a = server.address();
        if (a && typeof a === 'object') resolve({ host: a.address, port: a.port });
        else resolve(at);
      });
    });
  }

  /** Dial a peer. Rejects with NetError code 'banned' | 'timeout' | 'refused' | errno.
   * `transport`: what to ask the transport factory for (undefined: its default). */
  async connect(to: PeerAddress, localAddress?: string, transport?: TransportKind): Promise<Peer<M, S>> {
    if (this.closing) throw new NetError('closing', 'peer manager is shutting down');
    const ban = this.banFor(to.host);
    if (ban) throw new NetError('banned', `${to.host} is banned (${ban.code})`);
    await this.transports.prepare?.();
    const socket = await this.dial(to, localAddress);
    const peer = this.adopt(socket, to, 'outbound', transport);
    if (localAddress !== undefined) this.localAddresses.set(peer, localAddress);
    return peer;
  }

  private dial(to: PeerAddress, localAddress: string | undefined): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.pendingDials.add(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        this.pendingDials.delete(socket);
        reject(new NetError('timeout', `connect to ${formatHostPort(to)} timed out after ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.pendingDials.delete(socket);
        const code = err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? 'connect_failed');
        reject(new NetError(code, `connect to ${formatHostPort(to)} failed: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`));
      });
      socket.connect({ host: to.host, port: to.port, localAddress }, () => {
        clearTimeout(timer);
        this.pendingDials.delete(socket);
        socket.removeAllListeners('error');
        if (this.closing) {
          socket.destroy();
          reject(new NetError('closing', 'peer manager is shutting down'));
          return;
        }
        resolve(socket);
      });
    });
  }

  /** Keep a connection to this address: dial now, and redial with exponential backoff and
   * jitter whenever it drops or fails (reset after a completed handshake). */
  keepConnected(to: PeerAddress): void {
    const key = formatHostPort(to);
    if (this.persistent.has(key)) return;
    const entry: Persistent = { address: to, attempts: 0 };
    this.persistent.set(key, entry);
    this.dialPersistent(entry);
  }

  forget(to: PeerAddress): void {
    const key = formatHostPort(to);
    const e = this.persistent.get(key);
    if (e?.timer) clearTimeout(e.timer);
    this.persistent.delete(key);
  }

  /** The address list that keepConnected maintains. */
  get persistentAddresses(): PeerAddress[] {
    return [...this.persistent.values()].map((e) => e.address);
  }

  ban(host: string, code: string, message: string): void {
    const now = this.opts.now();
    // Map order is ban order and every ban lasts as long, so expired entries are at the front.
    this.bans.delete(host);
    for (const [h, b] of this.bans) {
      if (b.until > now && this.bans.size < this.opts.maxBannedHosts) break;
      this.bans.delete(h);
    }
    this.bans.set(host, { until: now + this.opts.banDurationMs, code });
    this.emit('banned', host, code, message);
    for (const p of this.live) if (p.address.host === host) p.disconnect(reason('misbehaving', code, message));
  }

  /** Hosts currently remembered as banned (expired ones are swept as new bans come in). */
  get bannedCount(): number {
    return this.bans.size;
  }

  banFor(host: string): { until: number; code: string } | undefined {
    const b = this.bans.get(host);
    if (!b) return undefined;
    if (b.until <= this.opts.now()) {
      this.bans.delete(host);
      return undefined;
    }
    return b;
  }

  /** Close the listener, every peer and every pending redial. */
  async close(): Promise<void> {
    this.closing = true;
    for (const e of this.persistent.values()) if (e.timer) clearTimeout(e.timer);
    this.persistent.clear();
    for (const s of this.pendingDials) s.destroy();
    this.pendingDials.clear();
    for (const p of this.live) p.disconnect(reason('local', 'shutdown', 'shutting down'));
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  // --- PeerHost: called by Peer -------------------------------------------------------

  onPeerMessage(peer: Peer<M, unknown>, message: M, wireSize: number): void {
    // Core captures a received message when it is processed, not when its bytes arrive.
    this.observer?.message(peer, 'recv', message, wireSize, undefined);
    try {
      this.protocol.onMessage(peer as Peer<M, S>, message);
    } catch (err) {
      // A bug on our side must not take the process down, nor be blamed on the peer:
      // protocols report rule breaches explicitly with peer.misbehaving().
      this.log.error(`internal error handling ${this.codec.describe(message)} from ${peer.label}: ${errorMessage(err)}`);
      peer.disconnect(reason('local', 'internal_error', errorMessage(err)));
    }
  }

  onPeerInvalidFrame(peer: Peer<M, unknown>, error: Error, misbehaving: boolean): void {
    const code = error instanceof SpvError ? error.code : 'invalid_frame';
    if (misbehaving) return this.misbehaving(peer, code, error.message);
    this.log.debug(`${peer.label}: skipped invalid message (${code}): ${error.message}`);
    if (peer.stats.invalidFrames > this.opts.maxInvalidFrames)
      this.misbehaving(peer, 'too_many_invalid', `${peer.stats.invalidFrames} invalid messages (last: ${error.message})`);
  }

  onPeerClosed(peer: Peer<M, unknown>, why: DisconnectReason): void {
    const p = peer as Peer<M, S>;
    if (!this.live.delete(p)) return;
    this.log.debug(`${p.label} disconnected: ${why.code} (${why.message})`);
    try {
      this.protocol.onDisconnect?.(p, why);
    } catch (err) {
      this.log.error(`internal error on disconnect of ${p.label}: ${errorMessage(err)}`);
    }
    this.emit('disconnected', p, why);
    this.redialIfPersistent(p);
  }

  /** A transport retry (Core PerformReconnections: v2 → v1 to the same address, same slot):
   * the same Peer continues on a new socket. */
  redial(peer: Peer<M, unknown>): void {
    const p = peer as Peer<M, S>;
    this.log.debug(`${p.label}: closed during the transport handshake; reconnecting with ${p.transport}`);
    this.dial(p.address, this.localAddresses.get(p)).then(
      (socket) => p.resume(socket),
      (err: unknown) => p.fail(reason('socket', err instanceof SpvError ? err.code : 'connect_failed', `retry with ${p.transport} failed: ${errorMessage(err)}`)),
    );
  }

  misbehaving(peer: Peer<M, unknown>, code: string, message: string): void {
    this.log.warn(`${peer.label} misbehaving, banned: ${code}: ${message}`);
    this.ban(peer.address.host, code, message);
    peer.disconnect(reason('misbehaving', code, message));
  }

  // --- internals ----------------------------------------------------------------------

  private onInbound(socket: Socket): void {
    const host = socket.remoteAddress ?? '?';
    const address = { host: host.startsWith('::ffff:') ? host.slice(7) : host, port: socket.remotePort ?? 0 };
    if (this.closing || this.banFor(address.host)) {
      socket.destroy();
      return;
    }
    if (this.inboundCount >= this.opts.maxInbound && !this.evictInbound()) {
      this.log.debug(`inbound from ${formatHostPort(address)} refused: ${this.opts.maxInbound} inbound slots full`);
      socket.destroy();
      return;
    }
    this.adopt(socket, address, 'inbound');
  }

  /** Make room for a new inbound connection. Connections that have not completed the
   * handshake go first (oldest first), so idle sockets cannot lock out real peers. */
  private evictInbound(): boolean {
    let victim: Peer<M, S> | undefined;
    for (const p of this.live) {
      if (p.direction !== 'inbound' || p.established) continue;
      if (!victim || p.connectedAt < victim.connectedAt) victim = p;
    }
    if (!victim) return false;
    victim.disconnect(reason('local', 'evicted', 'evicted to make room (handshake not complete)'));
    return true;
  }

  private adopt(socket: Socket, address: PeerAddress, direction: 'inbound' | 'outbound', preferred?: TransportKind): Peer<M, S> {
    const transport = this.transports.create({ direction, address, preferred });
    const peer = new Peer<M, S>(this.nextId++, address, direction, this.opts.now(), socket, transport, this);
    this.live.add(peer);
    peer.state = this.protocol.createState(peer);
    peer.setTimer('handshake', this.opts.handshakeTimeoutMs, () => {
      if (!peer.established)
        peer.disconnect(reason('timeout', 'handshake_timeout', `handshake not complete after ${this.opts.handshakeTimeoutMs} ms`));
    });
    const key = formatHostPort(address);
    const pers = this.persistent.get(key);
    if (direction === 'outbound' && pers) pers.peer = peer as Peer<unknown, unknown>;
    this.emit('connected', peer);
    try {
      this.protocol.onConnect(peer);
    } catch (err) {
      this.log.error(`internal error on connect of ${peer.label}: ${errorMessage(err)}`);
      peer.disconnect(reason('local', 'internal_error', errorMessage(err)));
    }
    return peer;
  }

  /** Called by protocols when their handshake completes (or via peer.markEstablished()). */
  markEstablished(peer: Peer<M, unknown>): void {
    peer.established = true;
    peer.clearTimer('handshake');
    const pers = this.persistent.get(formatHostPort(peer.address));
    if (pers && pers.peer === (peer as Peer<unknown, unknown>)) pers.attempts = 0;
  }

  private dialPersistent(entry: Persistent): void {
    entry.timer = undefined;
    if (this.closing) return;
    this.connect(entry.address).catch((err: unknown) => {
      this.log.debug(`dial ${formatHostPort(entry.address)} failed: ${errorMessage(err)}`);
      this.scheduleRedial(entry);
    });
  }

  private redialIfPersistent(peer: Peer<M, S>): void {
    if (peer.direction !== 'outbound' || this.closing) return;
    const entry = this.persistent.get(formatHostPort(peer.address));
    if (entry && entry.peer === (peer as Peer<unknown, unknown>)) {
      entry.peer = undefined;
      this.scheduleRedial(entry);
    }
  }

  private scheduleRedial(entry: Persistent): void {
    if (this.closing || !this.persistent.has(formatHostPort(entry.address))) return;
    const exp = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** entry.attempts);
    const delay = Math.round(exp * (0.5 + this.opts.random())); // ±50% jitter
    entry.attempts++;
    entry.timer = setTimeout(() => this.dialPersistent(entry), delay);
    entry.timer.unref?.();
  }
}
