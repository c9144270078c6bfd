// discoverPeers: the list of addresses to try first, each tagged with where it came from.
// Order of preference: manual addresses, then DNS seed answers, then fixed seeds (used only
// when DNS gives too few); deduplicated by host+port, shuffled within each tier, capped.
import type { NetworkName, NetworkParams } from '../params/networks.js';
import type { PeerAddress } from '../util/address.js';
import { silentLog, type Log } from '../util/log.js';
import { queryDnsSeeds, type DnsLookup, type SeedResult } from './dns-seeds.js';
import { DiscoveryError } from './errors.js';
import { readSeedsFile, shippedSeedsPath } from './fixed-seeds.js';
import { addressKey } from './host.js';

/**
 * Fixed seeds are added when DNS gives fewer addresses than this: one full set of outbound
 * peers (Bitcoin Core net.h MAX_OUTBOUND_FULL_RELAY_CONNECTIONS = 8). Core itself falls back
 * only when its address manager is still empty (net.cpp ThreadOpenConnections, after 60 s).
 */
export const MIN_DNS_CANDIDATES = 8;

export type CandidateSource =
  | { readonly kind: 'dns'; readonly seed: string }
  | { readonly kind: 'fixed'; readonly file: string }
  | { readonly kind: 'manual' };

export interface Candidate extends PeerAddress {
  readonly source: CandidateSource;
}

export interface DiscoverOptions {
  readonly network: NetworkParams;
  /** Required unless noDns is set or the network has no DNS seeds. */
  readonly lookup?: DnsLookup;
  /** Skip DNS entirely (--no-dns). */
  readonly noDns?: boolean;
  /** Replaces the shipped seeds/<network>.txt (--seeds-file); read even when DNS suffices, so errors show. */
  readonly seedsFile?: string;
  /** Addresses the user named; they come first, in the given order. */
  readonly manual?: readonly PeerAddress[];
  /** Fewer DNS addresses than this brings in the fixed seeds (default MIN_DNS_CANDIDATES). */
  readonly minDnsCandidates?: number;
  /** Keep at most this many candidates. */
  readonly maxPeers?: number;
  /** Per-seed DNS deadline (default DNS_SEED_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Service-filter prefixes to ask seeds first (default ['x9']; e.g. ['x49', 'x9'] for BIP157 peers). */
  readonly serviceFilters?: readonly string[];
  /** In [0, 1), default Math.random. */
  readonly random?: () => number;
  readonly now?: () => number;
  readonly log?: Log;
}

export type FixedSeedsUse = 'used_no_dns' | 'used_dns_empty' | 'used_dns_below_threshold' | 'not_needed';

export interface DiscoveryReport {
  readonly network: NetworkName;
  /** Per-seed results; empty when DNS was skipped. */
  readonly dns: readonly SeedResult[];
  readonly dnsSkipped?: 'no_dns_flag' | 'no_dns_seeds';
  /** Distinct addresses DNS gave (after deduplication). */
  readonly dnsAddresses: number;
  readonly fixed: {
    readonly file: string;
    readonly use: FixedSeedsUse;
    /** Addresses in the file; undefined when it was not read. */
    readonly addresses?: number;
  };
  readonly manual: number;
  /** Addresses dropped as duplicates of an earlier one (same host and port). */
  readonly duplicates: number;
  /** Addresses dropped by maxPeers. */
  readonly capped: number;
  readonly candidates: number;
}

export interface DiscoveryResult {
  readonly candidates: Candidate[];
  readonly report: DiscoveryReport;
}

export async function discoverPeers(opts: DiscoverOptions): Promise<DiscoveryResult> {
  const { network } = opts;
  const log = opts.log ?? silentLog;
  const random = opts.random ?? Math.random;
  const threshold = opts.minDnsCandidates ?? MIN_DNS_CANDIDATES;
  const fixedFile = opts.seedsFile ?? shippedSeedsPath(network.name);

  const seen = new Set<string>();
  let duplicates = 0;
  const addNew = (tier: Candidate[], c: Candidate): void => {
    const key = addressKey(c.host, c.port);
    if (seen.has(key)) duplicates++;
    else {
      seen.add(key);
      tier.push(c);
    }
  };

  const manual: Candidate[] = [];
  for (const a of opts.manual ?? []) addNew(manual, { host: a.host, port: a.port, source: { kind: 'manual' } });

  // A user's file is read up front so a typo fails fast even when DNS would have been enough.
  let fixedList = opts.seedsFile !== undefined ? await readSeedsFile(opts.seedsFile, network.defaultPort) : undefined;

  let dns: SeedResult[] = [];
  let dnsSkipped: DiscoveryReport['dnsSkipped'];
  if (opts.noDns) dnsSkipped = 'no_dns_flag';
  else if (network.dnsSeeds.length === 0) dnsSkipped = 'no_dns_seeds';
  else {
    if (!opts.lookup) throw new DiscoveryError('no_dns_lookup', 'discoverPeers needs a DNS lookup function (or noDns)');
    dns = await queryDnsSeeds(network, { lookup: opts.lookup, timeoutMs: opts.timeoutMs, now: opts.now, serviceFilters: opts.serviceFilters });
    for (const r of dns)
      log.debug(`dns seed ${r.seed}: ${r.addresses.length} addresses${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`, {
        seed: r.seed,
        answeredBy: r.answeredBy,
        durationMs: Math.round(r.durationMs),
      });
  }
  const fromDns: Candidate[] = [];
  for (const r of dns) for (const a of r.addresses) addNew(fromDns, { host: a.host, port: a.port, source: { kind: 'dns', seed: r.seed } });

  let use: FixedSeedsUse = 'not_needed';
  if (dnsSkipped) use = 'used_no_dns';
  else if (fromDns.length === 0) use = 'used_dns_empty';
  else if (fromDns.length < threshold) use = 'used_dns_below_threshold';
  const fromFixed: Candidate[] = [];
  if (use !== 'not_needed') {
    fixedList ??= await readSeedsFile(fixedFile, network.defaultPort);
    for (const a of fixedList) addNew(fromFixed, { host: a.host, port: a.port, source: { kind: 'fixed', file: fixedFile } });
    log.debug(`fixed seeds ${fixedFile}: ${fixedList.length} addresses (${use})`);
  }

  shuffle(fromDns, random);
  shuffle(fromFixed, random);
  let candidates = [...manual, ...fromDns, ...fromFixed];
  let capped = 0;
  if (opts.maxPeers !== undefined && candidates.length > opts.maxPeers) {
    capped = candidates.length - Math.max(0, opts.maxPeers);
    candidates = candidates.slice(0, Math.max(0, opts.maxPeers));
  }
  return {
    candidates,
    report: {
      network: network.name,
      dns,
      ...(dnsSkipped ? { dnsSkipped } : {}),
      dnsAddresses: fromDns.length,
      fixed: { file: fixedFile, use, ...(fixedList ? { addresses: fixedList.length } : {}) },
      manual: manual.length,
      duplicates,
      capped,
      candidates: candidates.length,
    },
  };
}

/** Fisher-Yates in place with an injected random in [0, 1). */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
