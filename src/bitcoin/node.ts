// Wires the Bitcoin protocol to a PeerManager with the network's codec: the one object the
// commands (handshake, connect, serve, sync) build on.
import type { NetworkParams } from '../params/networks.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { PeerManager } from '../net/peer-manager.js';
import { BitcoinTransports } from '../transport/transports.js';
import type { MessageObserver } from '../net/observer.js';
import { BitcoinProtocol, type BitcoinPeerState, type BitcoinProtocolOptions } from './protocol.js';

export interface BitcoinNodeOptions extends Omit<BitcoinProtocolOptions, 'log'> {
  log?: Log;
  handshakeTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxInbound?: number;
  banDurationMs?: number;
  /** BIP324 (Core -v2transport): detect v1/v2 on inbound connections and try v2 on outbound
   * ones that ask for it. Default false here; the CLI's default is on. Advertising
   * NODE_P2P_V2 is the caller's choice (`services`): only listeners do. */
  v2transport?: boolean;
  /** Sees every message in and out: the CLI's --trace and --capture. */
  observer?: MessageObserver<Message>;
}

export interface BitcoinNode {
  readonly params: NetworkParams;
  readonly protocol: BitcoinProtocol;
  readonly manager: PeerManager<Message, BitcoinPeerState>;
  readonly transports: BitcoinTransports;
  readonly log: Log;
}

export function createBitcoinNode(opts: BitcoinNodeOptions): BitcoinNode {
  const log = opts.log ?? silentLog;
  const protocol = new BitcoinProtocol({ ...opts, log });
  const transports = new BitcoinTransports({ magic: opts.params.magic, v2: opts.v2transport ?? false });
  const manager = new PeerManager<Message, BitcoinPeerState>({
    codec: transports.codec,
    transports,
    protocol,
    log,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    maxInbound: opts.maxInbound,
    banDurationMs: opts.banDurationMs,
    now: opts.now,
    observer: opts.observer,
  });
  return { params: opts.params, protocol, manager, transports, log };
}
