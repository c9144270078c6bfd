// One complete handshake with one peer, then one ping round trip: what `spv handshake`
// prints and what `spv seeds --probe` and the demo use. Failures come back as a typed
// reason (refused, timed out, wrong network, malformed reply), never as a hang.
import { formatHostPort, type PeerAddress } from '../util/address.js';
import { errorMessage, SpvError } from '../util/errors.js';
import type { Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import type { DisconnectReason } from '../net/disconnect.js';
import { createBitcoinNode } from './node.js';
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';
import type { BitcoinPeer, RemoteVersion } from './protocol.js';
import { serviceNames } from './services.js';

export const HANDSHAKE_COMMAND_TIMEOUT_MS = 10_000;

export interface HandshakeReport {
  readonly address: string;
  readonly network: string;
  readonly protocolVersion: number;
  readonly services: string;
  readonly serviceNames: string[];
  readonly userAgent: string;
  readonly startHeight: number;
  readonly relay: boolean | undefined;
  readonly clockOffsetS: number;
  readonly wtxidRelay: boolean;
  readonly sendAddrV2: boolean;
  readonly handshakeMs: number;
  readonly pingMs: number | undefined;
}

export type ProbeFailure = 'refused' | 'timeout' | 'wrong_network' | 'malformed' | 'closed' | 'error';

export class ProbeError extends SpvError {
  constructor(
    readonly failure: ProbeFailure,
    message: string,
  ) {
    super(failure, message);
  }
}

export function reportFor(peer: BitcoinPeer, network: string, pingMs: number | undefined): HandshakeReport {
  const r = peer.state.remote as RemoteVersion;
  return {
    address: formatHostPort(peer.address),
    network,
    protocolVersion: r.version,
    services: `0x${r.services.toString(16)}`,
    serviceNames: serviceNames(r.services),
    userAgent: r.userAgent,
    startHeight: r.startHeight,
    relay: r.relay,
    clockOffsetS: r.clockOffsetS,
    wtxidRelay: peer.state.wtxidRelay,
    sendAddrV2: peer.state.sendAddrV2,
    handshakeMs: peer.state.handshakeMs ?? 0,
    pingMs,
  };
}

function explain(why: DisconnectReason, network: string): ProbeError {
  switch (why.code) {
    case 'bad_magic':
      return new ProbeError('wrong_network', `wrong network: the peer's messages do not carry the ${network} magic`);
    case 'handshake_timeout':
      return new ProbeError('timeout', `timed out: ${why.message}`);
    case 'closed':
      return new ProbeError('closed', `peer closed the connection during the handshake (is it a ${network} node?)`);
    default:
      if (why.kind === 'misbehaving' || why.kind === 'protocol') return new ProbeError('malformed', `malformed reply: ${why.message}`);
      return new ProbeError('error', `${why.code}: ${why.message}`);
  }
}

/** Connect, handshake, measure one ping, disconnect. */
export async function probePeer(
  params: NetworkParams,
  to: PeerAddress,
  opts: { timeoutMs?: number; log?: Log; localAddress?: string; observer?: MessageObserver<Message> } = {},
): Promise<HandshakeReport> {
  const timeoutMs = opts.timeoutMs ?? HANDSHAKE_COMMAND_TIMEOUT_MS;
  const node = createBitcoinNode({ params, log: opts.log, handshakeTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs, observer: opts.observer });
  const deadline = Date.now() + timeoutMs;
  try {
    let peer: BitcoinPeer;
    try {
      peer = await node.manager.connect(to, opts.localAddress);
    } catch (err) {
      const code = err instanceof SpvError ? err.code : '';
      if (code === 'refused') throw new ProbeError('refused', `connection refused by ${formatHostPort(to)}`);
      if (code === 'timeout') throw new ProbeError('timeout', `timed out connecting to ${formatHostPort(to)} after ${timeoutMs} ms`);
      throw new ProbeError('error', errorMessage(err));
    }
    return await new Promise<HandshakeReport>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(
        () => {
          // Handshake done but no pong in time: still a successful handshake.
          if (ready) resolve(reportFor(peer, params.name, undefined));
          else reject(new ProbeError('timeout', `timed out: no handshake within ${timeoutMs} ms`));
        },
        Math.max(0, deadline - Date.now()),
      );
      node.protocol.once('ready', () => {
        ready = true;
      });
      node.protocol.on('pong', (p, rtt) => {
        if (p !== peer) return;
        clearTimeout(timer);
        resolve(reportFor(peer, params.name, rtt));
      });
      node.manager.on('disconnected', (p, why) => {
        if (p !== peer) return;
        clearTimeout(timer);
        if (ready) resolve(reportFor(peer, params.name, undefined));
        else reject(explain(why, params.name));
      });
    });
  } finally {
    await node.manager.close();
  }
}
