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

/** What one version/verack handshake (and a ping) tells about a peer: `spv handshake`'s
 * report, the library's `PeerInfo`, and a row of `spv connect`'s peer table. */
export interface PeerInfo {
  /** host:port as dialled ([v6]:port for IPv6). */
  readonly address: string;
  readonly network: string;
  /** Protocol version the peer announced. */
  readonly version: number;
  readonly services: bigint;
  /** Names of the service bits (NETWORK, WITNESS, COMPACT_FILTERS, ...). */
  readonly serviceNames: readonly string[];
  readonly userAgent: string;
  readonly startHeight: number;
  /** The version message's relay flag (BIP37); undefined when the peer did not send it. */
  readonly relay: boolean | undefined;
  /** The peer's clock minus ours, seconds. */
  readonly clockOffsetS: number;
  /** BIP339 and BIP155 were negotiated. */
  readonly wtxidRelay: boolean;
  readonly sendAddrV2: boolean;
  /** TCP connect to verack, ms. */
  readonly handshakeMs: number;
  /** 'v2' (BIP324 encrypted) or 'v1'; `transportFallback`: a v2 attempt fell back to v1. */
  readonly transport: 'v1' | 'v2';
  readonly transportFallback: boolean;
  /** BIP324 session id, hex (Core getpeerinfo `session_id`); null on v1. */
  readonly sessionId: string | null;
  /** Last ping round trip, ms; undefined until a pong arrived. */
  readonly pingMs: number | undefined;
}

/** How `spv handshake` and the demo name a peer's transport: v2, v1, or "v1 (fallback)". */
export function transportLabel(peer: { transport: 'v1' | 'v2'; transportFallback: boolean }): string {
  return peer.transportFallback ? `${peer.transport} (fallback)` : peer.transport;
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

/** The PeerInfo of a peer whose handshake is complete. */
export function peerInfo(peer: BitcoinPeer, network: string, pingMs: number | undefined): PeerInfo {
  const r = peer.state.remote as RemoteVersion;
  return {
    address: formatHostPort(peer.address),
    network,
    version: r.version,
    services: r.services,
    serviceNames: serviceNames(r.services),
    userAgent: r.userAgent,
    startHeight: r.startHeight,
    relay: r.relay,
    clockOffsetS: r.clockOffsetS,
    wtxidRelay: peer.state.wtxidRelay,
    sendAddrV2: peer.state.sendAddrV2,
    handshakeMs: peer.state.handshakeMs ?? 0,
    pingMs,
    transport: peer.transport,
    transportFallback: peer.transportFallback,
    sessionId: peer.sessionId ?? null,
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

/** Why a v2 handshake that never completed did not: the likely cause, for the user. */
function v2Stall(peer: BitcoinPeer, network: string): string {
  if (peer.transport !== 'v2' || peer.transportReady) return '';
  return peer.sessionId === undefined
    ? ' (no v2 key from the peer)'
    : ` (v2: the peer's garbage terminator or version packet never arrived; is it a ${network} node?)`;
}

export interface ProbeOptions {
  timeoutMs?: number;
  log?: Log;
  localAddress?: string;
  /** Try BIP324 v2 first, as Core does for a manual address (falls back to v1 once when the
   * peer hangs up before sending its key). Default false here; `spv handshake` turns it on. */
  v2transport?: boolean;
  /** Sees every message sent and received (the CLI's --trace and --capture). */
  observer?: MessageObserver<Message>;
}

/** Connect, handshake, measure one ping, disconnect. */
export async function probePeer(params: NetworkParams, to: PeerAddress, opts: ProbeOptions = {}): Promise<PeerInfo> {
  const timeoutMs = opts.timeoutMs ?? HANDSHAKE_COMMAND_TIMEOUT_MS;
  const v2 = opts.v2transport ?? false;
  const node = createBitcoinNode({ params, log: opts.log, handshakeTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs, v2transport: v2, observer: opts.observer });
  const deadline = Date.now() + timeoutMs;
  try {
    let peer: BitcoinPeer;
    try {
      peer = await node.manager.connect(to, opts.localAddress, v2 ? 'v2' : undefined);
    } catch (err) {
      const code = err instanceof SpvError ? err.code : '';
      if (code === 'refused') throw new ProbeError('refused', `connection refused by ${formatHostPort(to)}`);
      if (code === 'timeout') throw new ProbeError('timeout', `timed out connecting to ${formatHostPort(to)} after ${timeoutMs} ms`);
      throw new ProbeError('error', errorMessage(err));
    }
    return await new Promise<PeerInfo>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(
        () => {
          // Handshake done but no pong in time: still a successful handshake.
          if (ready) resolve(peerInfo(peer, params.name, undefined));
          else reject(new ProbeError('timeout', `timed out: no handshake within ${timeoutMs} ms${v2Stall(peer, params.name)}`));
        },
        Math.max(0, deadline - Date.now()),
      );
      node.protocol.once('ready', () => {
        ready = true;
      });
      node.protocol.on('pong', (p, rtt) => {
        if (p !== peer) return;
        clearTimeout(timer);
        resolve(peerInfo(peer, params.name, rtt));
      });
      node.manager.on('disconnected', (p, why) => {
        if (p !== peer) return;
        clearTimeout(timer);
        if (ready) resolve(peerInfo(peer, params.name, undefined));
        else if (why.code === 'handshake_timeout') reject(new ProbeError('timeout', `timed out: ${why.message}${v2Stall(peer, params.name)}`));
        else reject(explain(why, params.name));
      });
    });
  } finally {
    await node.manager.close();
  }
}
