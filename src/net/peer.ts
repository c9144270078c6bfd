// One TCP connection with a Transport on it (plain framing, or an encrypted transport with its
// own handshake). A Peer knows bytes, caps and timers; the protocol (bitcoin/ or toy/) decides
// what messages mean and keeps its own state in `state`.
import type { Socket } from 'node:net';
import type { PeerAddress } from '../util/address.js';
import { reason, type DisconnectReason } from './disconnect.js';
import type { Direction, Transport, TransportKind } from './transport.js';
import type { MessageObserver } from './observer.js';

export type { Direction };

/** Stop reading from a peer while this much of our output is still queued for it
 * (back-pressure, like Core's -maxsendbuffer / fPauseRecv): a peer that floods requests but
 * does not read our replies only slows itself down. */
export const SEND_BUFFER_PAUSE_BYTES = 1_000_000;
/** Past this, the peer is not reading at all: drop it. */
export const SEND_BUFFER_MAX_BYTES = 16_000_000;

export interface PeerStats {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  invalidFrames: number;
}

/** What the peer manager hands a Peer so it can report back without a cycle of imports. */
export interface PeerHost<M> {
  onPeerMessage(peer: Peer<M, unknown>, message: M, wireSize: number): void;
  onPeerInvalidFrame(peer: Peer<M, unknown>, error: Error, misbehaving: boolean): void;
  onPeerClosed(peer: Peer<M, unknown>, why: DisconnectReason): void;
  misbehaving(peer: Peer<M, unknown>, code: string, message: string): void;
  markEstablished(peer: Peer<M, unknown>): void;
  /** The transport asked to retry over a new connection (see Transport.retryAfterClose): dial
   * the same address again and hand the socket to `peer.resume`, or `peer.fail`. */
  redial?(peer: Peer<M, unknown>): void;
  /** Sees every message sent and received (trace, capture); undefined when nobody watches. */
  readonly observer?: MessageObserver<M> | undefined;
}

export class Peer<M, S = unknown> {
  readonly stats: PeerStats = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, invalidFrames: 0 };
  /** Set by the protocol once its handshake is complete. */
  established = false;
  /** Protocol-owned state, created by Protocol.createState. */
  state!: S;
  private closed = false;
  private closeReason: DisconnectReason | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private paused = false;
  /** Between a transport retry's close and its new socket: nothing is written. */
  private redialing = false;
  private socket: Socket;
  private conn: Transport<M>;
  /** True once this connection was retried with another transport (e.g. v2 → v1 fallback). */
  transportFallback = false;

  constructor(
    readonly id: number,
    readonly address: PeerAddress,
    readonly direction: Direction,
    readonly connectedAt: number,
    socket: Socket,
    transport: Transport<M>,
    private readonly host: PeerHost<M>,
  ) {
    this.socket = socket;
    this.conn = transport;
    this.attach(socket);
  }

  /** What the connection speaks: 'v1' framing or the 'v2' encrypted transport. */
  get transport(): TransportKind {
    return this.conn.kind;
  }
  /** The transport's own handshake (v2 key exchange) is done; always true for v1. */
  get transportReady(): boolean {
    return this.conn.ready;
  }
  /** Hex session id of an encrypted transport (BIP324: Core getpeerinfo `session_id`). */
  get sessionId(): string | undefined {
    return this.conn.sessionId;
  }

  get isClosed(): boolean {
    return this.closed;
  }
  get disconnectReason(): DisconnectReason | undefined {
    return this.closeReason;
  }
  get bufferedBytes(): number {
    return this.conn.bufferedBytes;
  }
  /** Our output still queued for this peer (lets a protocol stream a long reply with back-pressure). */
  get sendQueueBytes(): number {
    return this.socket.writableLength;
  }
  /** Our end's port (an outbound connection's ephemeral port is the peer's view of us). */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get label(): string {
    return `${this.direction === 'inbound' ? 'in' : 'out'}#${this.id} ${this.address.host}:${this.address.port}`;
  }

  send(message: M): void {
    if (this.closed) return;
    const wireSize = this.conn.send(message);
    // Sent frames' bytes are the transport's (v2: encrypted); observers re-encode what they show.
    this.host.observer?.message(this as Peer<M, unknown>, 'sent', message, wireSize, undefined);
    this.stats.messagesOut++;
    this.flush();
  }

  /** Bytes as they are (tests and hostile-peer simulations use this). */
  sendRaw(bytes: Uint8Array): void {
    if (this.closed || this.redialing) return;
    this.stats.bytesOut += bytes.length;
    this.socket.write(bytes);
    const queued = this.socket.writableLength;
    if (queued > SEND_BUFFER_MAX_BYTES) {
      this.disconnect(reason('protocol', 'send_buffer_full', `peer is not reading (${queued} bytes queued)`));
    } else if (queued > SEND_BUFFER_PAUSE_BYTES && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** The protocol's handshake is complete: stops the handshake timer, counts for eviction. */
  markEstablished(): void {
    this.host.markEstablished(this as Peer<M, unknown>);
  }

  /** Report a protocol rule breach: the manager bans and disconnects. */
  misbehaving(code: string, message: string): void {
    this.host.misbehaving(this as Peer<M, unknown>, code, message);
  }

  disconnect(why: DisconnectReason): void {
    if (this.closed) return;
    this.close(why);
    this.socket.destroy();
  }

  /** A named one-shot timer, replaced if set again, cancelled when the peer goes away. */
  setTimer(name: string, ms: number, fn: () => void): void {
    this.clearTimer(name);
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(name);
      if (!this.closed) fn();
    }, ms);
    t.unref?.();
    this.timers.set(name, t);
  }

  clearTimer(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  /** The host redialed for a transport retry: continue on this socket (same Peer, same state). */
  resume(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.paused = false;
    this.redialing = false;
    this.attach(socket);
  }

  /** The host could not redial for a transport retry: the connection is over. */
  fail(why: DisconnectReason): void {
    this.close(why);
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onData(chunk);
    });
    socket.on('drain', () => {
      if (socket === this.socket) this.onDrain();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (socket === this.socket) this.onSocketGone(reason('socket', err.code ?? 'socket_error', err.message));
    });
    socket.on('close', () => {
      if (socket === this.socket) this.onSocketGone(reason('socket', 'closed', 'connection closed by peer'));
    });
    this.flush();
  }

  /** The remote closed or reset the connection: the transport may want one retry (v2 → v1). */
  private onSocketGone(why: DisconnectReason): void {
    if (this.closed || this.redialing) return;
    const next = this.direction === 'outbound' && this.host.redial ? this.conn.retryAfterClose?.() : undefined;
    if (next === undefined) return this.close(why);
    const old = this.socket;
    this.conn = next;
    this.transportFallback = true;
    this.redialing = true;
    old.destroy();
    this.host.redial!(this as Peer<M, unknown>);
  }

  /** Write whatever the transport has queued (handshake bytes, encrypted messages). */
  private flush(): void {
    if (this.redialing) return;
    for (const bytes of this.conn.takeOutput()) this.sendRaw(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.stats.bytesIn += chunk.length;
    const frames = this.conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.flush();
    for (const frame of frames) {
      if (this.closed) return;
      switch (frame.kind) {
        case 'message':
          this.stats.messagesIn++;
          this.host.onPeerMessage(this as Peer<M, unknown>, frame.message, frame.bytes);
          break;
        case 'invalid':
          this.stats.invalidFrames++;
          this.host.onPeerInvalidFrame(this as Peer<M, unknown>, frame.error, frame.misbehaving ?? false);
          break;
        case 'fatal':
          this.disconnect(reason('protocol', frame.error.code, frame.error.message));
          return;
        default: {
          const never: never = frame;
          throw new Error(`unhandled frame ${String(never)}`);
        }
      }
    }
  }

  private onDrain(): void {
    if (this.paused && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private close(why: DisconnectReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = why;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.host.onPeerClosed(this as Peer<M, unknown>, why);
  }
}
