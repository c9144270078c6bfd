// handshake(): one peer, one version/verack handshake and one ping, as `spv handshake` does.
import { parseHostPort } from '../util/address.js';
import type { Log } from '../util/log.js';
import { probePeer } from '../bitcoin/probe.js';
import { networkParams, type NetworkName, type PeerInfo } from './types.js';
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';

export interface HandshakeOptions {
  readonly network: NetworkName;
  /** Connect + handshake + first pong deadline, ms (default 10,000). */
  readonly timeoutMs?: number;
  readonly log?: Log;
  /** BIP324: try v2 first, fall back to v1 once (default false; `spv handshake` turns it on). */
  readonly v2transport?: boolean;
  /** Sees every message sent and received (the CLI's --trace and --capture). */
  readonly observer?: MessageObserver<Message>;
}


/**
 * Connects to `address` (host:port, [v6]:port, or a host alone for the network's default
 * port), completes the version/verack handshake as Bitcoin Core does, measures one ping and
 * disconnects. Rejects with a `ProbeError` whose `code` is one of `refused`, `timeout`,
 * `wrong_network`, `malformed`, `closed` or `error`.
 */
export async function handshake(address: string, opts: HandshakeOptions): Promise<PeerInfo> {
  const params = networkParams(opts.network);
  return probePeer(params, parseHostPort(address, params.defaultPort), { timeoutMs: opts.timeoutMs, log: opts.log, v2transport: opts.v2transport, observer: opts.observer });
}
