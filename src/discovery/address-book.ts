// A small bounded address book for `spv connect`: addresses from seeds and from addr/addrv2
// gossip, each with its source and connection history, and a random pick of one to dial next.
// Size is capped so gossip floods cannot grow it; a flooder mostly displaces its own entries.
import type { PeerAddress } from '../util/address.js';
import type { CandidateSource } from './discover.js';
import { addressKey, dialableIp } from './host.js';

/** Entries kept at most (our choice; Core's addrman holds ~80k, a light client needs far fewer). */
export const MAX_ADDRESS_BOOK_ENTRIES = 1000;
/** Failures in a row, without a success since, after which an entry is no longer picked and is
 *  evicted first (Bitcoin Core addrman.h ADDRMAN_RETRIES = 3, used by IsTerrible). */
export const MAX_FAILURES = 3;
/** An entry that was tried is not picked again within this time (our choice). */
export const RETRY_INTERVAL_MS = 60_000;

export type AddressSource = CandidateSource | { readonly kind: 'gossip'; readonly peer: string };

/** new: never tried; tried: an attempt is under way or ended without a verdict; failed; good. */
export type AddressState = 'new' | 'tried' | 'failed' | 'good';

export interface AddressEntry extends PeerAddress {
  readonly source: AddressSource;
  readonly state: AddressState;
  /** Service bits the gossip advertised, when known. */
  readonly services?: bigint;
  /** Time the gossip said the node was last seen (unix seconds), when known. */
  readonly lastSeen?: number;
  readonly attempts: number;
  /** Failures since the last success. */
  readonly failures: number;
  readonly lastTried?: number;
  readonly lastGood?: number;
}

/** What addr (TimedNetAddress) and addrv2 (AddrV2Entry) entries look like to the book. */
export interface GossipAddress {
  /** Text form; undefined for networks without one (Tor, I2P), which are skipped. */
  readonly host?: string;
  readonly port: number;
  readonly services?: bigint;
  readonly time?: number;
}

export interface AddressBookOptions {
  readonly maxEntries?: number;
  /** In [0, 1), default Math.random. */
  readonly random?: () => number;
  /** Milliseconds, default Date.now. */
  readonly now?: () => number;
}

type MutableEntry = { -readonly [K in keyof AddressEntry]: AddressEntry[K] };

export class AddressBook {
  readonly maxEntries: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly byKey = new Map<string, MutableEntry>();

  constructor(opts: AddressBookOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? MAX_ADDRESS_BOOK_ENTRIES);
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.byKey.size;
  }

  get(a: PeerAddress): AddressEntry | undefined {
    return this.byKey.get(addressKey(a.host, a.port));
  }

  has(a: PeerAddress): boolean {
    return this.byKey.has(addressKey(a.host, a.port));
  }

  entries(): readonly AddressEntry[] {
    return [...this.byKey.values()];
  }

  /**
   * Add an address; true when it is new to the book. Known addresses only get their gossip
   * fields refreshed (the first source is kept). Not dialable (not IPv4/IPv6, CJDNS, port 0)
   * or no room even after eviction → false.
   */
  add(a: PeerAddress, source: AddressSource, info: { services?: bigint; lastSeen?: number } = {}): boolean {
    const ip = dialableIp(a.host);
    if (!ip || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return false;
    const key = addressKey(ip.host, a.port);
    const known = this.byKey.get(key);
    if (known) {
      if (info.services !== undefined) known.services = info.services;
      if (info.lastSeen !== undefined && (known.lastSeen === undefined || info.lastSeen > known.lastSeen)) known.lastSeen = info.lastSeen;
      return false;
    }
    if (this.byKey.size >= this.maxEntries && !this.evictOne()) return false;
    this.byKey.set(key, {
      host: ip.host,
      port: a.port,
      source,
      state: 'new',
      attempts: 0,
      failures: 0,
      ...(info.services !== undefined ? { services: info.services } : {}),
      ...(info.lastSeen !== undefined ? { lastSeen: info.lastSeen } : {}),
    });
    return true;
  }

  /** Add the entries of an addr/addrv2 message from `peer` (e.g. "1.2.3.4:18333"); returns how many were new. */
  addGossip(list: readonly GossipAddress[], peer: string): number {
    let added = 0;
    const source: AddressSource = { kind: 'gossip', peer };
    for (const g of list) {
      if (g.host === undefined) continue;
      const info: { services?: bigint; lastSeen?: number } = {};
      if (g.services !== undefined) info.services = g.services;
      if (g.time !== undefined) info.lastSeen = g.time;
      if (this.add({ host: g.host, port: g.port }, source, info)) added++;
    }
    return added;
  }

  /** A random never-tried address, or undefined. `exclude` skips e.g. already-connected peers. */
  pickUntried(exclude?: (a: PeerAddress) => boolean): AddressEntry | undefined {
    return this.pickFrom((e) => e.state === 'new' && !exclude?.(e));
  }

  /**
   * Untried first; otherwise a random entry not tried within RETRY_INTERVAL_MS and not failing
   * MAX_FAILURES times in a row. Undefined when nothing is eligible.
   */
  pick(exclude?: (a: PeerAddress) => boolean): AddressEntry | undefined {
    const untried = this.pickUntried(exclude);
    if (untried) return untried;
    const now = this.now();
    return this.pickFrom(
      (e) => e.failures < MAX_FAILURES && (e.lastTried === undefined || now - e.lastTried >= RETRY_INTERVAL_MS) && !exclude?.(e),
    );
  }

  /** A connection attempt starts. */
  markTried(a: PeerAddress): void {
    const e = this.entry(a);
    if (!e) return;
    e.attempts++;
    e.lastTried = this.now();
    if (e.state === 'new') e.state = 'tried';
  }

  /** The attempt failed, or the peer turned out useless (wrong network, misbehaved). */
  markFailed(a: PeerAddress): void {
    const e = this.entry(a);
    if (!e) return;
    e.failures++;
    e.state = 'failed';
  }

  /** The handshake completed. Good entries are never evicted. */
  markGood(a: PeerAddress): void {
    const e = this.entry(a);
    if (!e) return;
    e.failures = 0;
    e.state = 'good';
    e.lastGood = this.now();
  }

  remove(a: PeerAddress): boolean {
    return this.byKey.delete(addressKey(a.host, a.port));
  }

  private entry(a: PeerAddress): MutableEntry | undefined {
    return this.byKey.get(addressKey(a.host, a.port));
  }

  private pickFrom(eligible: (e: AddressEntry) => boolean): AddressEntry | undefined {
    const pool: MutableEntry[] = [];
    for (const e of this.byKey.values()) if (eligible(e)) pool.push(e);
    if (pool.length === 0) return undefined;
    return pool[Math.min(pool.length - 1, Math.floor(this.random() * pool.length))];
  }

  /**
   * Make room for one entry. First the entry failing most often (MAX_FAILURES or more in a
   * row); else a random untried entry of the source that contributed the most untried
   * entries, so one gossiping peer cannot push out everyone else's addresses; else nothing
   * (a book full of tried and good entries keeps them).
   */
  private evictOne(): boolean {
    let worst: [string, MutableEntry] | undefined;
    const untriedBySource = new Map<string, string[]>();
    for (const [key, e] of this.byKey) {
      if (e.failures >= MAX_FAILURES && e.state !== 'good' && (!worst || e.failures > worst[1].failures)) worst = [key, e];
      if (e.state === 'new') {
        const s = sourceKey(e.source);
        const list = untriedBySource.get(s);
        if (list) list.push(key);
        else untriedBySource.set(s, [key]);
      }
    }
    if (worst) return this.byKey.delete(worst[0]);
    let biggest: string[] | undefined;
    for (const list of untriedBySource.values()) if (!biggest || list.length > biggest.length) biggest = list;
    if (!biggest) return false;
    return this.byKey.delete(biggest[Math.min(biggest.length - 1, Math.floor(this.random() * biggest.length))]!);
  }
}

function sourceKey(s: AddressSource): string {
  switch (s.kind) {
    case 'dns':
      return `dns:${s.seed}`;
    case 'fixed':
      return `fixed:${s.file}`;
    case 'manual':
      return 'manual';
    case 'gossip':
      return `gossip:${s.peer}`;
    default: {
      const never: never = s;
      return never;
    }
  }
}
