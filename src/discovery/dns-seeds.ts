// DNS seed queries: every seed of a network asked for A and AAAA in parallel, each seed under
// its own deadline, every answer and failure recorded per seed. The lookup itself is injected
// (DnsLookup): src/discovery/dns.ts has the real one, tests point it at a loopback server.
import type { NetworkParams } from '../params/networks.js';
import type { PeerAddress } from '../util/address.js';
import { errorMessage } from '../util/errors.js';
import { DiscoveryError, type DiscoveryErrorCode } from './errors.js';
import { dialableIp, type IpFamily } from './host.js';

/**
 * Resolve `name` to IP address strings of one family. An empty list means "no records"
 * (NODATA). Failures reject, preferably with a DiscoveryError (`dns_*` codes) or a node:dns
 * error code. `signal` aborts when the seed's deadline passes; implementations should stop.
 */
export type DnsLookup = (name: string, family: IpFamily, signal?: AbortSignal) => Promise<string[]>;

/**
 * Deadline for one seed, filtered and fallback queries together (our choice: Core has no
 * per-seed limit, it blocks in getaddrinfo; 5 s is c-ares' own default per-try timeout).
 * Seeds run in parallel, so this also bounds the whole DNS phase.
 */
export const DNS_SEED_TIMEOUT_MS = 5_000;
/** Addresses kept from one seed (Bitcoin Core net.cpp ThreadDNSAddressSeed: nMaxIPs = 256). */
export const MAX_IPS_PER_SEED = 256;
/**
 * Service-filter prefix asked first: x9 = NODE_NETWORK | NODE_WITNESS, what Core asks for
 * (net.cpp: strprintf("x%x.%s", SeedsServiceFlags(), seed)); see reference networks.md 6.1.
 */
export const SEED_SERVICE_FILTER = 'x9';

/** The network fields seed queries need (tests pass made-up seed names). */
export type SeedNetwork = Pick<NetworkParams, 'dnsSeeds' | 'dnsSeedFilters' | 'defaultPort'>;

export interface DnsFailure {
  readonly code: DiscoveryErrorCode;
  readonly message: string;
}

/** One name + family asked of the resolver. */
export interface DnsQuery {
  readonly name: string;
  readonly family: IpFamily;
  readonly durationMs: number;
  /** Usable addresses in the answer, canonical text (an IPv4-mapped AAAA answer reads as IPv4). */
  readonly addresses: readonly string[];
  /** Answer entries dropped: not an IP address, or CJDNS (fc00::/8). */
  readonly dropped: number;
  readonly error?: DnsFailure;
}

export interface SeedResult {
  readonly seed: string;
  /** The filter prefix tried first (SEED_SERVICE_FILTER), or undefined when only the bare name was asked. */
  readonly filter: string | undefined;
  /** The name whose answers were kept, undefined when no name gave an address. */
  readonly answeredBy: string | undefined;
  /** Deduplicated, capped at MAX_IPS_PER_SEED, with the network's default port. */
  readonly addresses: readonly PeerAddress[];
  readonly queries: readonly DnsQuery[];
  readonly durationMs: number;
  /** Why the seed gave nothing (first failure of the last name asked); undefined if it answered, or answered empty. */
  readonly error?: DnsFailure;
}

export interface DnsSeedOptions {
  readonly lookup: DnsLookup;
  readonly timeoutMs?: number;
  /** Milliseconds clock for durations (default performance.now). */
  readonly now?: () => number;
  /** Service-filter prefixes to try first, in order (default ['x9']). */
  readonly serviceFilters?: readonly string[];
}

/**
 * Names to ask for a seed, in order. `prefer` lists service-filter prefixes in order of
 * preference (default x9; a light wallet asks x49 first for BIP157 peers, xd for BIP37 ones,
 * networks.md 6.1). A filtered name is asked only when Core documents the
 * seed as supporting it (dnsSeedFilters lists x9); a seed without the filter may answer it with
 * NXDOMAIN or nothing, so for seeds of unknown support we ask the bare name only. The bare name
 * is always the fallback: a filtered name with no usable address sends us to it.
 */
export function seedQueryNames(seed: string, filters: readonly string[] | null | undefined, prefer: readonly string[] = [SEED_SERVICE_FILTER]): string[] {
  const names = prefer.filter((f) => filters?.includes(f)).map((f) => `${f}.${seed}`);
  return [...names, seed];
}

/** Ask every DNS seed of the network, in parallel. Never rejects: failures are in the results. */
export function queryDnsSeeds(network: SeedNetwork, opts: DnsSeedOptions): Promise<SeedResult[]> {
  return Promise.all(network.dnsSeeds.map((seed) => queryDnsSeed(seed, network, opts)));
}

/** Ask one seed: A and AAAA of its first name in parallel, then the fallback name if needed. */
export async function queryDnsSeed(seed: string, network: SeedNetwork, opts: DnsSeedOptions): Promise<SeedResult> {
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? DNS_SEED_TIMEOUT_MS;
  const names = seedQueryNames(seed, network.dnsSeedFilters[seed], opts.serviceFilters);
  const start = now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve();
    }, timeoutMs);
  });
  const queries: DnsQuery[] = [];
  const kept: PeerAddress[] = [];
  let answeredBy: string | undefined;
  let error: DnsFailure | undefined;
  try {
    for (const name of names) {
      if (controller.signal.aborted) break;
      const ctx: QueryContext = { lookup: opts.lookup, signal: controller.signal, deadline, timeoutMs, now };
      const phase = await Promise.all([runQuery(name, 4, ctx), runQuery(name, 6, ctx)]);
      queries.push(...phase);
      const seen = new Set<string>();
      for (const q of phase)
        for (const host of q.addresses)
          if (kept.length < MAX_IPS_PER_SEED && !seen.has(host)) {
            seen.add(host);
            kept.push({ host, port: network.defaultPort });
          }
      if (kept.length > 0) {
        answeredBy = name;
        error = undefined;
        break;
      }
      error = phase.find((q) => q.error)?.error;
    }
  } finally {
    clearTimeout(timer);
  }
  return {
    seed,
    filter: names.length > 1 ? names[0]!.slice(0, names[0]!.indexOf('.')) : undefined,
    answeredBy,
    addresses: kept,
    queries,
    durationMs: now() - start,
    ...(error ? { error } : {}),
  };
}

interface QueryContext {
  readonly lookup: DnsLookup;
  readonly signal: AbortSignal;
  readonly deadline: Promise<void>;
  readonly timeoutMs: number;
  readonly now: () => number;
}

const TIMED_OUT: unique symbol = Symbol('timed out');

async function runQuery(name: string, family: IpFamily, ctx: QueryContext): Promise<DnsQuery> {
  const t0 = ctx.now();
  const answer = Promise.resolve().then(() => ctx.lookup(name, family, ctx.signal));
  answer.catch(() => {}); // a lookup that ignores the signal may reject after the deadline
  try {
    const got = await Promise.race([answer, ctx.deadline.then((): typeof TIMED_OUT => TIMED_OUT)]);
    if (got === TIMED_OUT) return failed(name, family, t0, ctx, timeoutFailure(ctx.timeoutMs));
    const addresses: string[] = [];
    let dropped = 0;
    for (const text of got) {
      const ip = typeof text === 'string' ? dialableIp(text) : undefined;
      if (ip) addresses.push(ip.host);
      else dropped++;
    }
    return { name, family, durationMs: ctx.now() - t0, addresses, dropped };
  } catch (err) {
    return failed(name, family, t0, ctx, ctx.signal.aborted ? timeoutFailure(ctx.timeoutMs) : classifyDnsError(err));
  }
}

function failed(name: string, family: IpFamily, t0: number, ctx: QueryContext, error: DnsFailure): DnsQuery {
  return { name, family, durationMs: ctx.now() - t0, addresses: [], dropped: 0, error };
}

function timeoutFailure(timeoutMs: number): DnsFailure {
  return { code: 'dns_timeout', message: `no answer within ${timeoutMs} ms` };
}

/** node:dns (c-ares) error codes → our codes, for injected lookups that throw raw errors. */
export const NODE_DNS_CODES: Readonly<Record<string, DiscoveryErrorCode>> = {
  ENOTFOUND: 'dns_nxdomain',
  ESERVFAIL: 'dns_servfail',
  EREFUSED: 'dns_refused',
  ETIMEOUT: 'dns_timeout',
  ECANCELLED: 'dns_timeout',
};

export function classifyDnsError(err: unknown): DnsFailure {
  if (err instanceof DiscoveryError) return { code: err.code, message: err.message };
  const nodeCode = (err as { code?: unknown } | null)?.code;
  const code = typeof nodeCode === 'string' ? NODE_DNS_CODES[nodeCode] : undefined;
  return { code: code ?? 'dns_failed', message: errorMessage(err) };
}
