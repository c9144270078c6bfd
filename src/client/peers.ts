// Finding and holding peers for a client: discovery (DNS seeds, fixed seeds or only the named
// peers), a Bitcoin node with address relay, and an OutboundConnector holding maxPeers
// connections, replacing dropped peers from the candidates and from addr gossip.
import { parseHostPort } from '../util/address.js';
import { SpvError } from '../util/errors.js';
import type { Log } from '../util/log.js';
import type { NetworkParams } from '../params/networks.js';
import { discoverPeers, type Candidate, type DiscoveryReport } from '../discovery/discover.js';
import { createDnsLookup } from '../discovery/dns.js';
import { AddressBook } from '../discovery/address-book.js';
import { createBitcoinNode, type BitcoinNode } from '../bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../bitcoin/address-relay.js';
import { OutboundConnector, type DialAttempt } from '../bitcoin/outbound.js';
import type { PeerService } from '../bitcoin/protocol.js';
import type { MessageObserver } from '../net/observer.js';
import type { Message } from '../wire/message.js';

/** Candidates taken from the address book per addr message received. */
const GOSSIP_CANDIDATES_PER_MESSAGE = 16;

export interface PeerSourceOptions {
  /** Only these host:port addresses, like Core's -connect (no DNS, no fixed seeds, no gossip). */
  readonly peers?: readonly string[];
  readonly maxPeers: number;
  /** Query DNS seeds (default true). */
  readonly dns?: boolean;
  /** Ask this DNS server (IP[:port]) instead of the system resolver. */
  readonly dnsServer?: string;
  /** A file of host:port lines instead of the shipped seeds/<network>.txt. */
  readonly seedsFile?: string;
  /** Per-peer connect and handshake timeout, ms. */
  readonly timeoutMs: number;
  /** BIP324 (Core -v2transport): v2 first with manual peers and peers offering NODE_P2P_V2,
   * one v1 fallback. Default false in the library; the CLI's --v2transport is on by default. */
  readonly v2transport?: boolean;
  /** Services known for an address (addrman-like); NODE_P2P_V2 there means v2 first. */
  readonly knownServices?: (host: string, port: number) => bigint | undefined;
}

export interface PeerSession {
  readonly node: BitcoinNode;
  readonly connector: OutboundConnector;
  readonly report: DiscoveryReport;
  readonly candidates: readonly Candidate[];
  /** Resolves when every candidate failed and no peer is connected. */
  readonly exhausted: Promise<DialAttempt[]>;
}

export function checkPeerSourceOptions(opts: Pick<PeerSourceOptions, 'maxPeers' | 'timeoutMs'>): void {
  if (!Number.isInteger(opts.maxPeers) || opts.maxPeers < 1) throw new SpvError('bad_max_peers', 'maxPeers must be a positive integer');
  if (!(opts.timeoutMs > 0)) throw new SpvError('bad_timeout', 'the timeout must be a positive number of ms');
}

function sourceLabel(c: Candidate): string {
  switch (c.source.kind) {
    case 'dns':
      return `dns ${c.source.seed}`;
    case 'fixed':
      return 'fixed seed';
    case 'manual':
      return 'manual';
  }
}

export async function startPeers(
  params: NetworkParams,
  source: PeerSourceOptions,
  log: Log,
  opts: {
    services?: PeerService[];
    startHeight?: () => number;
    requiredServices?: bigint;
    serviceFilters?: readonly string[];
    /** BIP37 relay flag in our version (default false: no transaction invs). */
    relay?: boolean;
    /** Services we advertise (default NODE_NONE). */
    ourServices?: bigint;
    observer?: MessageObserver<Message>;
  } = {},
): Promise<PeerSession> {
  checkPeerSourceOptions(source);
  const manual = (source.peers ?? []).map((a) => parseHostPort(a, params.defaultPort));
  // Core: -connect means "only these": no DNS seeding, no fixed seeds, no gossip addresses.
  const onlyManual = manual.length > 0;
  const dns = source.dns ?? true;
  const discovered = await discoverPeers({
    network: params,
    manual,
    noDns: onlyManual || !dns,
    lookup: !onlyManual && dns ? createDnsLookup({ server: source.dnsServer }) : undefined,
    seedsFile: onlyManual ? undefined : source.seedsFile,
    serviceFilters: opts.serviceFilters,
    log,
  });
  const candidates = onlyManual ? discovered.candidates.filter((c) => c.source.kind === 'manual') : discovered.candidates;
  const report = discovered.report;
  for (const s of report.dns) log.info(`dns seed ${s.seed}: ${s.addresses.length} addresses in ${Math.round(s.durationMs)} ms${s.error ? ` (${s.error.message})` : ''}`);
  log.info(`discovery: ${candidates.length} candidates (dns ${report.dnsAddresses}, fixed seeds ${onlyManual ? 'not used' : report.fixed.use}, manual ${report.manual})`);

  const node = createBitcoinNode({ params, log, handshakeTimeoutMs: source.timeoutMs, connectTimeoutMs: source.timeoutMs, startHeight: opts.startHeight, relay: opts.relay, services: opts.ourServices, v2transport: source.v2transport ?? false, observer: opts.observer });
  const connector = new OutboundConnector(node, source.maxPeers, opts.requiredServices);
  const book = new AddressBook();
  node.protocol.use(
    new AddressRelay({
      known: new KnownAddresses(),
      requestFromOutbound: !onlyManual,
      onLearned: (peer, addrs) => {
        if (onlyManual) return;
        // Gossip goes through the bounded address book (a flooding peer mostly evicts its own
        // entries); replacements are drawn from it at random, never-tried first.
        book.addGossip(addrs, peer.label);
        for (let i = 0; i < GOSSIP_CANDIDATES_PER_MESSAGE; i++) {
          const e = book.pickUntried();
          if (!e) break;
          book.markTried(e);
          connector.add([{ address: { host: e.host, port: e.port }, source: 'addr gossip', services: e.services }]);
        }
      },
    }),
  );
  for (const s of opts.services ?? []) node.protocol.use(s);
  const exhausted = new Promise<DialAttempt[]>((resolve) => connector.once('exhausted', resolve));
  connector.add(candidates.map((c) => ({ address: { host: c.host, port: c.port }, source: sourceLabel(c), manual: c.source.kind === 'manual', services: source.knownServices?.(c.host, c.port) })));
  return { node, connector, report, candidates, exhausted };
}
