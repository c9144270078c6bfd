// discoverPeers(): where a client would connect, without connecting: DNS seeds (system
// resolver or a named server), then the fixed seeds when DNS gives too few.
import type { Log } from '../util/log.js';
import { discoverPeers as discover, type DiscoveryReport } from '../discovery/discover.js';
import { createDnsLookup } from '../discovery/dns.js';
import { networkParams, type NetworkName } from './types.js';

export interface DiscoverPeersOptions {
  readonly network: NetworkName;
  /** Ask this DNS server (IP[:port]) instead of the system resolver. */
  readonly dnsServer?: string;
  /** A file of host:port lines instead of the shipped seeds/<network>.txt. */
  readonly seedsFile?: string;
  /** Query DNS seeds (default true); false uses the fixed seeds only. */
  readonly dns?: boolean;
  /** Per-seed DNS deadline, ms (default 5,000). */
  readonly timeoutMs?: number;
  /** Service-filter prefixes to ask seeds for first (default ['x9']). */
  readonly serviceFilters?: readonly string[];
  readonly log?: Log;
}

export interface DiscoveredPeer {
  readonly host: string;
  readonly port: number;
  /** 'dns' (with the seed's name), 'fixed' (with the file) or 'manual'. */
  readonly source: { readonly kind: 'dns'; readonly seed: string } | { readonly kind: 'fixed'; readonly file: string } | { readonly kind: 'manual' };
}

export interface Discovery {
  /** Deduplicated, shuffled within each tier: DNS answers first, then fixed seeds. */
  readonly peers: readonly DiscoveredPeer[];
  /** Per-seed results and errors, and whether and why the fixed seeds were used. */
  readonly report: DiscoveryReport;
}

/** Finds candidate peers for a network. Never throws for a failing seed: see `report`. */
export async function discoverPeers(opts: DiscoverPeersOptions): Promise<Discovery> {
  const params = networkParams(opts.network);
  const dns = opts.dns ?? true;
  const r = await discover({
    network: params,
    noDns: !dns,
    lookup: dns ? createDnsLookup({ server: opts.dnsServer }) : undefined,
    seedsFile: opts.seedsFile,
    serviceFilters: opts.serviceFilters,
    timeoutMs: opts.timeoutMs,
    log: opts.log,
  });
  return { peers: r.candidates.map((c) => ({ host: c.host, port: c.port, source: c.source })), report: r.report };
}
