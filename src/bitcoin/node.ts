// Wires the Bitcoin protocol to a PeerManager with the network's codec: the one object the
// commands (handshake, connect, serve, sync) build on.
import type { NetworkParams } from '../params/networks.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { bitcoinCodec } from '../wire/frame-decoder.js';
import { PeerManager } from '../net/peer-manager.js';
import type { MessageObserver } from '../net/observer.js';
import { BitcoinProtocol, type BitcoinPeerState, type BitcoinProtocolOptions } from './protocol.js';

export interface BitcoinNodeOptions extends Omit<BitcoinProtocolOptions, 'log'> {
  log?: Log;
  handshakeTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxInbound?: number;
  banDurationMs?: number;
  /** Sees every message in and out: the CLI's --trace and --capture. */
  observer?: MessageObserver<Message>;
}

export interface BitcoinNode {
  readonly params: NetworkParams;
  readonly protocol: BitcoinProtocol;
  readonly manager: PeerManager<Message, BitcoinPeerState>;
  readonly log: Log;
}

export function createBitcoinNode(opts: BitcoinNodeOptions): BitcoinNode {
  const log = opts.log ?? silentLog;
  const protocol = new BitcoinProtocol({ ...opts, log });
  const manager = new PeerManager<Message, BitcoinPeerState>({
    codec: bitcoinCodec(opts.params.magic),
    protocol,
    log,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    maxInbound: opts.maxInbound,
    banDurationMs: opts.banDurationMs,
    now: opts.now,
    observer: opts.observer,
  });
  return { params: opts.params, protocol, manager, log };
}
