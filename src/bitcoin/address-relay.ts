// Address exchange (protocol.md section 7): ask outbound peers for addresses once, answer a
// peer's getaddr once per connection from what we know, and learn from addr/addrv2 into a
// bounded store so a gossip flood cannot grow memory.
import { isIP } from 'node:net';
import { Bip155Network, type Message, type TimedNetAddress } from '../wire/message.js';
import { parseIpv4, parseIpv6 } from '../util/ip.js';
import { makeAddrV2Entry } from '../wire/messages/addrv2.js';
import { MAX_ADDR_TO_SEND } from './constants.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** Cap on addresses kept from gossip (Core's addrman is far larger; we need only a few). */
export const MAX_KNOWN_ADDRESSES = 2000;

export class KnownAddresses {
  private readonly map = new Map<string, TimedNetAddress>();
  constructor(private readonly cap = MAX_KNOWN_ADDRESSES) {}

  add(a: TimedNetAddress): void {
    const key = `${a.host}|${a.port}`;
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.cap) this.map.delete(this.map.keys().next().value as string); // drop the oldest
    this.map.set(key, a);
  }
  get size(): number {
    return this.map.size;
  }
  list(max = MAX_ADDR_TO_SEND): TimedNetAddress[] {
    return [...this.map.values()].slice(-max);
  }
}

export interface AddressRelayOptions {
  known: KnownAddresses;
  /** Send getaddr to our outbound peers after the handshake (Core does). */
  requestFromOutbound: boolean;
  onLearned?: (peer: BitcoinPeer, addresses: TimedNetAddress[]) => void;
}

/** Core net_processing MAX_ADDR_RATE_PER_SECOND: addresses processed per peer per second. */
export const MAX_ADDR_RATE_PER_SECOND = 0.1;

interface AddrBucket {
  tokens: number;
  at: number;
}

export class AddressRelay implements PeerService {
  private readonly answered = new WeakSet<BitcoinPeer>();
  /** Core's per-peer token bucket (m_addr_token_bucket): starts at 1, refills at 0.1/s, and
   * gets MAX_ADDR_TO_SEND more when we send getaddr; addresses beyond it are dropped. */
  private readonly buckets = new WeakMap<BitcoinPeer, AddrBucket>();
  constructor(
    private readonly opts: AddressRelayOptions,
    private readonly now: () => number = Date.now,
  ) {}

  onReady(peer: BitcoinPeer): void {
    const bucket: AddrBucket = { tokens: 1, at: this.now() };
    this.buckets.set(peer, bucket);
    if (this.opts.requestFromOutbound && peer.direction === 'outbound') {
      peer.send({ command: 'getaddr' });
      bucket.tokens += MAX_ADDR_TO_SEND;
    }
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    switch (msg.command) {
      case 'getaddr':
        // Core answers getaddr only on inbound connections and only once per connection.
        if (peer.direction !== 'inbound' || this.answered.has(peer)) return;
        this.answered.add(peer);
        this.answer(peer);
        return;
      case 'addr':
        this.learn(peer, [...msg.addresses]);
        return;
      case 'addrv2':
        this.learn(
          peer,
          msg.addresses.filter((a) => a.host !== undefined && isIP(a.host) !== 0).map((a) => ({ time: a.time, services: a.services, host: a.host as string, port: a.port })),
        );
        return;
      default:
        return;
    }
  }

  private answer(peer: BitcoinPeer): void {
    const list = this.opts.known.list(MAX_ADDR_TO_SEND);
    if (!peer.state.sendAddrV2) {
      peer.send({ command: 'addr', addresses: list });
      return;
    }
    // BIP155: IPv4 (id 1) as 4 bytes, IPv6 (id 2) as 16.
    const addresses = list.flatMap((a) => {
      const v4 = parseIpv4(a.host);
      const addr = v4 ?? parseIpv6(a.host);
      if (!addr) return [];
      return [makeAddrV2Entry({ time: a.time, services: a.services, networkId: v4 ? Bip155Network.IPv4 : Bip155Network.IPv6, addr, port: a.port })];
    });
    peer.send({ command: 'addrv2', addresses });
  }

  private learn(peer: BitcoinPeer, all: TimedNetAddress[]): void {
    const b = this.buckets.get(peer) ?? { tokens: 1, at: this.now() };
    this.buckets.set(peer, b);
    const t = this.now();
    b.tokens = Math.min(b.tokens + ((t - b.at) / 1000) * MAX_ADDR_RATE_PER_SECOND, Math.max(b.tokens, MAX_ADDR_TO_SEND));
    b.at = t;
    const take = Math.min(all.length, Math.floor(b.tokens));
    b.tokens -= take;
    const addresses = all.slice(0, take);
    if (take === 0) return;
    for (const a of addresses) this.opts.known.add(a);
    this.opts.onLearned?.(peer, addresses);
  }
}

