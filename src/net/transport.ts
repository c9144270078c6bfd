// The per-connection seam between a socket and messages: a Transport turns received bytes into
// frames and messages into bytes, with any handshake of its own (key exchange, encryption)
// inside, sans-I/O. net/ only moves its bytes; which transports exist is the protocol's business.
import type { PeerAddress } from '../util/address.js';
import type { Codec, Frame, FrameDecoder } from './codec.js';

/** 'v1': plain framing (a Codec). 'v2': an encrypted transport with its own handshake. */
export type TransportKind = 'v1' | 'v2';
export type Direction = 'inbound' | 'outbound';

export interface Transport<M> {
  /** What this connection speaks now (an inbound transport may settle on 'v1' after detection). */
  readonly kind: TransportKind;
  /** Hex id of an encrypted session once its keys exist, else undefined. */
  readonly sessionId: string | undefined;
  /** The transport's own handshake is done (plain framing: always). */
  readonly ready: boolean;
  /** Bytes held waiting for the rest of a frame or handshake step (bounded by the transport). */
  readonly bufferedBytes: number;
  /** Bytes from the socket, in any chunking → completed frames in order. Never throws; after
   * a `fatal` frame nothing more. May queue output (handshake replies). */
  receive(chunk: Uint8Array): Frame<M>[];
  /** Queue a message; its bytes appear in `takeOutput` (at once, or when a handshake allows).
   * Returns the bytes it takes on the wire. */
  send(message: M): number;
  /** Bytes to write, in order; empties the queue. */
  takeOutput(): Uint8Array[];
  /** The remote closed the connection. A transport may answer with another transport to retry
   * on a new connection to the same address (carrying messages that never went out), or
   * undefined: the connection is over. Asked at most once. */
  retryAfterClose?(): Transport<M> | undefined;
}

export interface TransportRequest {
  readonly direction: Direction;
  readonly address: PeerAddress;
  /** What the dialer asked for (outbound); undefined: the factory's default. */
  readonly preferred?: TransportKind;
}

/** Makes each connection's transport (a protocol mode supplies it; default: plain framing). */
export interface TransportFactory<M> {
  /** Load what `create` needs (e.g. crypto libraries); awaited before listening and dialing. */
  prepare?(): Promise<void>;
  create(request: TransportRequest): Transport<M>;
}

/** Plain framing over a Codec: bytes → the codec's decoder; each message → one encoded frame. */
export class FramedTransport<M> implements Transport<M> {
  readonly kind = 'v1' as const;
  readonly sessionId = undefined;
  readonly ready = true;
  private readonly decoder: FrameDecoder<M>;
  private output: Uint8Array[] = [];

  constructor(
    private readonly codec: Codec<M>,
    /** Messages queued before (e.g. by a transport this one replaces). */
    pending: readonly M[] = [],
  ) {
    this.decoder = codec.createDecoder();
    for (const m of pending) this.send(m);
  }

  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }
  receive(chunk: Uint8Array): Frame<M>[] {
    return this.decoder.push(chunk);
  }
  send(message: M): number {
    const frame = this.codec.encode(message);
    this.output.push(frame);
    return frame.length;
  }
  takeOutput(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    return out;
  }
}

export function framedTransports<M>(codec: Codec<M>): TransportFactory<M> {
  return { create: () => new FramedTransport(codec) };
}
