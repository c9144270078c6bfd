// Keeps up to N outbound connections from a list of candidate addresses: dials in parallel,
// moves on after a refusal or timeout, replaces peers that drop, and gives up (with a record
// of every attempt) when the candidates run out before any peer answered.
import { EventEmitter } from 'node:events';
import { formatHostPort, type PeerAddress } from '../util/address.js';
import { errorMessage } from '../util/errors.js';
import type { BitcoinNode } from './node.js';
import type { BitcoinPeer } from './protocol.js';
import { NODE_P2P_V2 } from './services.js';

export interface DialAttempt {
  readonly address: string;
  readonly source: string;
  /** 'connected' once the handshake completed, otherwise the failure. */
  readonly outcome: string;
}

export interface OutboundEvents {
  /** Every candidate was tried and no peer is connected. */
  exhausted: [attempts: DialAttempt[]];
  /** A dial ended: the handshake completed, or it failed (the attempt says how). */
  dialed: [attempt: DialAttempt];
}

export interface Candidate {
  readonly address: PeerAddress;
  readonly source: string;
  /** Services the address is known to offer (addr gossip), if any. */
  readonly services?: bigint;
  /** A user-given address (--connect): v2 is tried regardless of services, as Core does. */
  readonly manual?: boolean;
}

/** Core ThreadOpenConnections: v2 for addresses offering NODE_P2P_V2 and for manual ones (the
 * node's transports apply -v2transport and the v1-only memory). */
export function wantsV2(c: Candidate): boolean {
  return c.manual === true || ((c.services ?? 0n) & NODE_P2P_V2) !== 0n;
}

export class OutboundConnector extends EventEmitter<OutboundEvents> {
  private readonly queue: Candidate[] = [];
  private readonly tried = new Set<string>();
  private readonly attempts: DialAttempt[] = [];
  private dialing = 0;
  private manualDialing = 0;
  private stopped = false;

  constructor(
    private readonly node: BitcoinNode,
    private readonly target: number,
    /** Service bits an outbound peer must offer; others are dropped after the handshake and
     * replaced, as Core does with outbound peers lacking its desirable services. */
    private readonly requiredServices = 0n,
  ) {
    super();
    node.manager.on('disconnected', (peer) => {
      if (peer.direction === 'outbound') this.fill();
    });
  }

  /** Add candidates (deduplicated); new ones are dialed when there is room. */
  add(candidates: readonly Candidate[]): void {
    for (const c of candidates) {
      const key = formatHostPort(c.address);
      if (this.tried.has(key) || this.queue.some((q) => formatHostPort(q.address) === key)) continue;
      this.queue.push(c);
    }
    this.fill();
  }

  get outboundPeers(): BitcoinPeer[] {
    return this.node.manager.peers.filter((p) => p.direction === 'outbound');
  }
  get history(): readonly DialAttempt[] {
    return this.attempts;
  }
  /** User-named (--connect) addresses still being dialed or in their handshake. */
  get manualDialsPending(): number {
    return this.manualDialing;
  }

  stop(): void {
    this.stopped = true;
  }

  private fill(): void {
    if (this.stopped) return;
    while (this.outboundPeers.length + this.dialing < this.target && this.queue.length > 0) {
      this.dial(this.queue.shift() as Candidate);
    }
    if (this.dialing === 0 && this.queue.length === 0 && this.outboundPeers.length === 0) this.emit('exhausted', [...this.attempts]);
  }

  private dial(c: Candidate): void {
    const key = formatHostPort(c.address);
    this.tried.add(key);
    this.dialing++;
    if (c.manual) this.manualDialing++;
    const done = (outcome: string): void => {
      this.dialing--;
      if (c.manual) this.manualDialing--;
      const attempt = { address: key, source: c.source, outcome };
      this.attempts.push(attempt);
      this.emit('dialed', attempt);
      this.fill();
    };
    this.node.manager.connect(c.address, undefined, wantsV2(c) ? 'v2' : undefined).then(
      (peer) => {
        const onReady = (p: BitcoinPeer): void => {
          if (p !== peer) return;
          cleanup();
          const services = p.state.remote?.services ?? 0n;
          if ((services & this.requiredServices) !== this.requiredServices) {
            p.disconnect({ kind: 'local', code: 'missing_services', message: `offers services 0x${services.toString(16)}, we need 0x${this.requiredServices.toString(16)}` });
            done(`missing services (has 0x${services.toString(16)}, needs 0x${this.requiredServices.toString(16)})`);
            return;
          }
          done('connected');
        };
        const onGone = (p: BitcoinPeer, why: { code: string; message: string }): void => {
          if (p !== peer) return;
          cleanup();
          done(`${why.code}: ${why.message}`);
        };
        const cleanup = (): void => {
          this.node.protocol.off('ready', onReady);
          this.node.manager.off('disconnected', onGone);
        };
        this.node.protocol.on('ready', onReady);
        this.node.manager.on('disconnected', onGone);
      },
      (err: unknown) => done(errorMessage(err)),
    );
  }
}
