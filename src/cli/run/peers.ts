// What `spv connect` and `spv sync` share: discovery (DNS seeds, fixed seeds or --connect),
// a Bitcoin node with address relay, and an OutboundConnector holding --max-peers
// connections, replacing dropped peers from the candidates and from addr gossip.
import { formatHostPort, parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import type { Log } from '../../util/log.js';
import type { NetworkParams } from '../../params/networks.js';
import { discoverPeers, type Candidate, type DiscoveryReport } from '../../discovery/discover.js';
import { createDnsLookup } from '../../discovery/dns.js';
import { AddressBook } from '../../discovery/address-book.js';

/** Candidates taken from the address book per addr message received. */
const GOSSIP_CANDIDATES_PER_MESSAGE = 16;
import { createBitcoinNode, type BitcoinNode } from '../../bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../bitcoin/address-relay.js';
import { OutboundConnector, type DialAttempt } from '../../bitcoin/outbound.js';
import type { PeerService } from '../../bitcoin/protocol.js';
import type { PeerOptionArgs } from '../peer-options.js';
import type { MessageObserver } from '../../net/observer.js';
import type { Message } from '../../wire/message.js';

export type PeerArgs = Omit<PeerOptionArgs, 'datadir'>;

export interface PeerSession {
  readonly node: BitcoinNode;
  readonly connector: OutboundConnector;
  readonly report: DiscoveryReport;
  readonly candidates: readonly Candidate[];
  /** Resolves when every candidate failed and no peer is connected. */
  readonly exhausted: Promise<DialAttempt[]>;
}

export function checkPeerArgs(args: PeerArgs): void {
  if (!Number.isInteger(args['max-peers']) || args['max-peers'] < 1) throw new UsageError('bad_max_peers', '--max-peers must be a positive integer');
  if (!(args.timeout > 0)) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
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
  args: PeerArgs,
  params: NetworkParams,
  log: Log,
  opts: { services?: PeerService[]; startHeight?: () => number; requiredServices?: bigint; serviceFilters?: readonly string[]; observer?: MessageObserver<Message> } = {},
): Promise<PeerSession> {
  checkPeerArgs(args);
  const manual = (args.connect ?? []).map((a) => parseHostPort(a, params.defaultPort));
  // Core: -connect means "only these": no DNS seeding, no fixed seeds, no gossip addresses.
  const onlyManual = manual.length > 0;
  const discovered = await discoverPeers({
    network: params,
    manual,
    noDns: onlyManual || !args.dns,
    lookup: !onlyManual && args.dns ? createDnsLookup({ server: args['dns-server'] }) : undefined,
    seedsFile: onlyManual ? undefined : args['seeds-file'],
    serviceFilters: opts.serviceFilters,
    log,
  });
  const candidates = onlyManual ? discovered.candidates.filter((c) => c.source.kind === 'manual') : discovered.candidates;
  const report = discovered.report;
  for (const s of report.dns) log.info(`dns seed ${s.seed}: ${s.addresses.length} addresses in ${Math.round(s.durationMs)} ms${s.error ? ` (${s.error.message})` : ''}`);
  log.info(`discovery: ${candidates.length} candidates (dns ${report.dnsAddresses}, fixed seeds ${onlyManual ? 'not used' : report.fixed.use}, manual ${report.manual})`);

  const node = createBitcoinNode({ params, log, handshakeTimeoutMs: args.timeout, connectTimeoutMs: args.timeout, startHeight: opts.startHeight, observer: opts.observer });
  const connector = new OutboundConnector(node, args['max-peers'], opts.requiredServices);
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
          connector.add([{ address: { host: e.host, port: e.port }, source: 'addr gossip' }]);
        }
      },
    }),
  );
  for (const s of opts.services ?? []) node.protocol.use(s);
  const exhausted = new Promise<DialAttempt[]>((resolve) => connector.once('exhausted', resolve));
  connector.add(candidates.map((c) => ({ address: { host: c.host, port: c.port }, source: sourceLabel(c) })));
  return { node, connector, report, candidates, exhausted };
}

/** The "no reachable peers" summary: every seed and every dial, one line each, on stderr. */
export function writeNoPeersSummary(network: string, report: DiscoveryReport, attempts: readonly DialAttempt[]): void {
  const w = (s: string): boolean => process.stderr.write(`${s}\n`);
  w(`spv: no reachable peers on ${network}: tried ${attempts.length} address(es)`);
  for (const s of report.dns) w(`  dns seed ${s.seed}: ${s.error ? s.error.message : `${s.addresses.length} addresses`}`);
  if (report.dnsSkipped) w(`  dns: skipped (${report.dnsSkipped})`);
  w(`  fixed seeds: ${report.fixed.file} (${report.fixed.use}${report.fixed.addresses !== undefined ? `, ${report.fixed.addresses} addresses` : ''})`);
  for (const a of attempts.slice(0, 50)) w(`  ${a.address} [${a.source}]: ${a.outcome}`);
  if (attempts.length > 50) w(`  ... and ${attempts.length - 50} more`);
}

export { formatHostPort };
