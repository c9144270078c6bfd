// Which transport each Bitcoin connection gets (BIP324 "Signaling"; Core net.cpp): with v2 on,
// inbound connections detect v1 by its first 16 bytes and otherwise speak v2 as responder;
// outbound ones try v2 when the dialer asks for it (the peer offers NODE_P2P_V2, or is a
// manual address) unless the address fell back to v1 earlier in this run; else plain v1.
import type { Codec } from '../net/codec.js';
import { FramedTransport, type Transport, type TransportFactory, type TransportRequest } from '../net/transport.js';
import { formatHostPort, type PeerAddress } from '../util/address.js';
import { bitcoinCodec } from '../wire/frame-decoder.js';
import type { Message } from '../wire/message.js';
import type { V2KeyExchange } from './v2/keys.js';
import { TransportError } from './errors.js';
import { V2Transport } from './v2/transport.js';

export interface BitcoinTransportOptions {
  readonly magic: Uint8Array;
  /** Core -v2transport: offer v2 inbound and try it outbound. */
  readonly v2: boolean;
}

export class BitcoinTransports implements TransportFactory<Message> {
  readonly codec: Codec<Message>;
  readonly v2: boolean;
  private readonly magic: Uint8Array;
  /** Addresses whose v2 attempt failed the way a v1-only peer fails it (Core also remembers
   * nothing across restarts for this; it just retries v1 once per attempt). */
  private readonly v1Only = new Set<string>();
  private keys: V2KeyExchange | undefined;
  private loading: Promise<void> | undefined;

  constructor(opts: BitcoinTransportOptions) {
    this.magic = Uint8Array.from(opts.magic);
    this.v2 = opts.v2;
    this.codec = bitcoinCodec(this.magic);
  }

  /** Loads the key-exchange module (the curve libraries cost ~150 ms to import, so commands
   * that never use v2 do not pay it) and makes the first ephemeral key. */
  prepare(): Promise<void> {
    if (!this.v2) return Promise.resolve();
    this.loading ??= import('./v2/keys.js').then((m) => {
      const pool = new m.KeyPool();
      pool.fill();
      this.keys = m.keyExchange(pool);
    });
    return this.loading;
  }

  create(request: TransportRequest): Transport<Message> {
    if (!this.v2) return new FramedTransport(this.codec);
    const keys = this.keys;
    if (keys === undefined) throw new TransportError('internal', 'v2 transport used before BitcoinTransports.prepare() finished');
    if (request.direction === 'inbound') return new V2Transport({ magic: this.magic, codec: this.codec, initiator: false, keys });
    const key = formatHostPort(request.address);
    if (request.preferred !== 'v2' || this.v1Only.has(key)) return new FramedTransport(this.codec);
    return new V2Transport({ magic: this.magic, codec: this.codec, initiator: true, keys, onRetryV1: () => this.v1Only.add(key) });
  }

  /** This address fell back to v1 earlier in this run. */
  isV1Only(address: PeerAddress): boolean {
    return this.v1Only.has(formatHostPort(address));
  }
}
