// The Bitcoin protocol mode on top of net/: the version/verack handshake as Core does it,
// pings and pongs, and a plug-in point (`PeerService`) for the features built on a
// completed handshake (address exchange, header sync, header serving).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { NetworkParams } from '../params/networks.js';
import type { Log } from '../util/log.js';
import { silentLog } from '../util/log.js';
import type { Message, NetAddress, VersionMessage } from '../wire/message.js';
import { reason, type DisconnectReason } from '../net/disconnect.js';
import type { Peer } from '../net/peer.js';
import type { Protocol } from '../net/peer-manager.js';
import {
  MIN_PEER_PROTO_VERSION,
  PING_INTERVAL_MS,
  PING_TIMEOUT_MS,
  PROTOCOL_VERSION,
  SENDHEADERS_VERSION,
  USER_AGENT,
  WTXID_RELAY_VERSION,
} from './constants.js';
import { PingTracker } from './ping.js';

/** What the remote peer told us in its `version`. */
export interface RemoteVersion {
  readonly version: number;
  readonly services: bigint;
  readonly userAgent: string;
  readonly startHeight: number;
  readonly relay: boolean | undefined;
  readonly timestamp: number;
  /** Their clock minus ours, seconds (Core only warns about skew; we report it). */
  readonly clockOffsetS: number;
  /** How the peer sees us (addr_recv). */
  readonly addrRecv: NetAddress;
}

export interface BitcoinPeerState {
  remote: RemoteVersion | undefined;
  versionSent: boolean;
  verackSent: boolean;
  verackReceived: boolean;
  /** Negotiated in the window between version and verack (BIP339, BIP155). */
  wtxidRelay: boolean;
  sendAddrV2: boolean;
  /** The peer asked for headers announcements (BIP130). */
  sendHeaders: boolean;
  handshakeStartedAt: number;
  handshakeMs: number | undefined;
  ping: PingTracker;
  ignoredBeforeHandshake: number;
  unknownMessages: number;
}

export type BitcoinPeer = Peer<Message, BitcoinPeerState>;

/** A feature that runs on established connections (sync, address relay, header serving). */
export interface PeerService {
  onReady?(peer: BitcoinPeer): void;
  /** Every message received after the handshake, except version/verack/ping and the pongs
   * of our keep-alive pings. */
  onMessage?(peer: BitcoinPeer, message: Message): void;
  onDisconnect?(peer: BitcoinPeer, why: DisconnectReason): void;
}

export interface BitcoinProtocolOptions {
  params: NetworkParams;
  log?: Log;
  /** Services we advertise: 0 (NODE_NONE) for a light client. */
  services?: bigint;
  userAgent?: string;
  /** Our best height for version.start_height. */
  startHeight?: () => number;
  /** BIP37 relay flag; false: we do not want transaction invs. */
  relay?: boolean;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Wall clock, ms (version timestamp, clock offset). */
  now?: () => number;
  /** Monotonic clock, ms (handshake and ping round-trip times). */
  monotonic?: () => number;
  randomNonce?: () => bigint;
}

export interface BitcoinProtocolEvents {
  ready: [peer: BitcoinPeer];
  pong: [peer: BitcoinPeer, rttMs: number];
}

export function randomNonce64(): bigint {
  return randomBytes(8).readBigUInt64LE(0);
}

/** Text form of an address for version.addr_recv (IPv4 as is, IPv6 as is). */
function netAddress(host: string, port: number, services: bigint): NetAddress {
  return { services, host, port };
}

export class BitcoinProtocol extends EventEmitter<BitcoinProtocolEvents> implements Protocol<Message, BitcoinPeerState> {
  readonly params: NetworkParams;
  private readonly log: Log;
  private readonly services: bigint;
  private readonly userAgent: string;
  private readonly startHeight: () => number;
  private readonly relay: boolean;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly randomNonce: () => bigint;
  /** Nonces of versions we sent, to detect connecting to ourselves (Core net.cpp CheckIncomingNonce). */
  private readonly ourNonces = new Set<bigint>();
  private readonly plugins: PeerService[] = [];

  constructor(opts: BitcoinProtocolOptions) {
    super();
    this.params = opts.params;
    this.log = opts.log ?? silentLog;
    this.services = opts.services ?? 0n;
    this.userAgent = opts.userAgent ?? USER_AGENT;
    this.startHeight = opts.startHeight ?? (() => 0);
    this.relay = opts.relay ?? false;
    this.pingIntervalMs = opts.pingIntervalMs ?? PING_INTERVAL_MS;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? PING_TIMEOUT_MS;
    this.now = opts.now ?? Date.now;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.randomNonce = opts.randomNonce ?? randomNonce64;
  }

  use(service: PeerService): this {
    // Registered twice, a service would answer every message twice (a merge once did this).
    if (this.plugins.includes(service)) throw new Error('PeerService registered twice');
    this.plugins.push(service);
    return this;
  }

  createState(): BitcoinPeerState {
    return {
      remote: undefined,
      versionSent: false,
      verackSent: false,
      verackReceived: false,
      wtxidRelay: false,
      sendAddrV2: false,
      sendHeaders: false,
      handshakeStartedAt: this.monotonic(),
      handshakeMs: undefined,
      ping: new PingTracker(this.randomNonce),
      ignoredBeforeHandshake: 0,
      unknownMessages: 0,
    };
  }

  onConnect(peer: BitcoinPeer): void {
    peer.state.handshakeStartedAt = this.monotonic();
    // The side that opened the connection speaks first (protocol.md 3.2).
    if (peer.direction === 'outbound') this.sendVersion(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    const st = peer.state;
    if (msg.command === 'version') return this.onVersion(peer, msg);
    if (!st.remote) {
      // Core: "non-version message before version handshake" — ignored.
      st.ignoredBeforeHandshake++;
      this.log.debug(`${peer.label}: ignoring ${msg.command} before version`);
      return;
    }
    switch (msg.command) {
      case 'verack':
        if (st.verackReceived) return; // Core ignores a redundant verack
        st.verackReceived = true;
        this.maybeReady(peer);
        return;
      case 'wtxidrelay':
      case 'sendaddrv2':
        // BIP339/BIP155: only valid between version and verack; Core disconnects otherwise.
        if (st.verackReceived) {
          peer.disconnect(reason('protocol', `${msg.command}_after_verack`, `${msg.command} received after verack`));
          return;
        }
        if (msg.command === 'wtxidrelay') st.wtxidRelay = true;
        else st.sendAddrV2 = true;
        return;
      case 'sendtxrcncl':
        // BIP330: we do not reconcile. Core without -txreconciliation (its default) ignores it
        // before its after-verack check ("sendtxrcncl from peer=%d ignored, as our node does not
        // have txreconciliation enabled"), so do we, wherever it comes.
        this.log.debug(`${peer.label}: ignoring sendtxrcncl version ${msg.version} (no transaction reconciliation)`);
        return;
      case 'sendheaders':
        st.sendHeaders = true; // accepted before verack too, as Core does
        if (peer.established) this.dispatch(peer, msg);
        return;
      case 'ping':
        // BIP31: answer with the same nonce. Answered even before verack is complete would
        // be harmless, but Core ignores non-negotiation messages before verack; so do we.
        if (!peer.established) return this.ignoreBeforeVerack(peer, msg.command);
        peer.send({ command: 'pong', nonce: msg.nonce });
        return;
      case 'pong': {
        if (!peer.established) return this.ignoreBeforeVerack(peer, msg.command);
        const rtt = st.ping.pong(msg.nonce, this.monotonic());
        if (rtt !== undefined) {
          peer.clearTimer('pong');
          this.emit('pong', peer, rtt);
        } else this.dispatch(peer, msg); // not our keep-alive: a service's barrier ping
        return;
      }
      case 'unknown':
        st.unknownMessages++;
        this.log.debug(`${peer.label}: skipping unknown message "${printable(msg.name)}" (${msg.payload.length} bytes)`);
        return;
      case 'reject':
        // BIP61 is deprecated: never acted on; services may show it (spv broadcast does).
        this.log.debug(`${peer.label}: reject ${msg.message} code ${msg.code}: ${msg.reason}`);
        if (peer.established) this.dispatch(peer, msg);
        return;
      case 'sendcmpct':
      case 'feefilter':
      case 'getaddr':
      case 'addr':
      case 'addrv2':
      case 'inv':
      case 'getdata':
      case 'notfound':
      case 'getheaders':
      case 'headers':
      case 'tx':
      case 'block':
      case 'merkleblock':
      case 'filterload':
      case 'filteradd':
      case 'filterclear':
      case 'mempool':
      case 'getcfilters':
      case 'cfilter':
      case 'getcfheaders':
      case 'cfheaders':
      case 'getcfcheckpt':
      case 'cfcheckpt':
        if (!peer.established) return this.ignoreBeforeVerack(peer, msg.command);
        this.dispatch(peer, msg);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${(never as Message).command}`);
      }
    }
  }

  onDisconnect(peer: BitcoinPeer, why: DisconnectReason): void {
    if (!peer.established) return;
    for (const s of this.plugins) s.onDisconnect?.(peer, why);
  }

  /** Round-trip the next ping now (also used by the demo to show a ping/pong). */
  ping(peer: BitcoinPeer): void {
    const nonce = peer.state.ping.start(this.monotonic());
    if (nonce === undefined) return;
    peer.send({ command: 'ping', nonce });
    peer.setTimer('pong', this.pingTimeoutMs, () =>
      peer.disconnect(reason('timeout', 'ping_timeout', `no pong within ${this.pingTimeoutMs} ms`)),
    );
  }

  // --- handshake ------------------------------------------------------------------------

  private sendVersion(peer: BitcoinPeer): void {
    const nonce = this.randomNonce();
    this.ourNonces.add(nonce);
    if (this.ourNonces.size > 1000) this.ourNonces.delete(this.ourNonces.values().next().value as bigint);
    const version: VersionMessage = {
      command: 'version',
      version: PROTOCOL_VERSION,
      services: this.services,
      timestamp: BigInt(Math.floor(this.now() / 1000)),
      addrRecv: netAddress(peer.address.host, peer.address.port, 0n),
      // Core sends its services, "::" and port 0 here; the field is ignored by receivers.
      addrFrom: netAddress('::', 0, this.services),
      nonce,
      userAgent: this.userAgent,
      startHeight: this.startHeight(),
      relay: this.relay,
    };
    peer.send(version);
    peer.state.versionSent = true;
  }

  private onVersion(peer: BitcoinPeer, msg: VersionMessage): void {
    const st = peer.state;
    if (st.remote) {
      this.log.debug(`${peer.label}: redundant version ignored`);
      return;
    }
    if (peer.direction === 'inbound' && this.ourNonces.has(msg.nonce)) {
      peer.disconnect(reason('protocol', 'self_connection', 'connected to ourselves (version nonce is ours)'));
      return;
    }
    if (msg.version < MIN_PEER_PROTO_VERSION) {
      peer.disconnect(reason('protocol', 'obsolete_version', `peer uses obsolete protocol version ${msg.version}`));
      return;
    }
    st.remote = {
      version: msg.version,
      services: msg.services,
      userAgent: msg.userAgent,
      startHeight: msg.startHeight,
      relay: msg.relay,
      timestamp: Number(msg.timestamp),
      clockOffsetS: Number(msg.timestamp) - Math.floor(this.now() / 1000),
      addrRecv: msg.addrRecv,
    };
    // Core's order (net_processing.cpp, VERSION): own version if inbound; wtxidrelay and
    // sendaddrv2 if the common version allows; then verack.
    if (!st.versionSent) this.sendVersion(peer);
    const common = Math.min(msg.version, PROTOCOL_VERSION);
    if (common >= WTXID_RELAY_VERSION) {
      peer.send({ command: 'wtxidrelay' });
      peer.send({ command: 'sendaddrv2' });
    }
    peer.send({ command: 'verack' });
    st.verackSent = true;
    this.maybeReady(peer);
  }

  private maybeReady(peer: BitcoinPeer): void {
    const st = peer.state;
    if (peer.established || !st.verackSent || !st.verackReceived) return;
    st.handshakeMs = this.monotonic() - st.handshakeStartedAt;
    peer.markEstablished();
    this.log.debug(`${peer.label}: handshake complete in ${st.handshakeMs} ms (${st.remote?.userAgent})`);
    this.emit('ready', peer);
    // Core pings as soon as the connection is established, then every PING_INTERVAL.
    this.ping(peer);
    this.schedulePing(peer);
    for (const s of this.plugins) {
      if (peer.isClosed) return;
      s.onReady?.(peer);
    }
  }

  private schedulePing(peer: BitcoinPeer): void {
    peer.setTimer('ping-interval', this.pingIntervalMs, () => {
      this.ping(peer);
      this.schedulePing(peer);
    });
  }

  private ignoreBeforeVerack(peer: BitcoinPeer, command: string): void {
    // Core: "Unsupported message prior to verack" — ignored, not punished.
    peer.state.ignoredBeforeHandshake++;
    this.log.debug(`${peer.label}: ignoring ${command} before verack`);
  }

  private dispatch(peer: BitcoinPeer, msg: Message): void {
    for (const s of this.plugins) {
      if (peer.isClosed) return;
      s.onMessage?.(peer, msg);
    }
  }
}

/** The peer supports BIP130 sendheaders. */
export function supportsSendHeaders(peer: BitcoinPeer): boolean {
  return (peer.state.remote?.version ?? 0) >= SENDHEADERS_VERSION;
}

/** A command name from the wire, safe to print. */
export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 12);
}
