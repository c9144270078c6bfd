// `spv seeds`: the chosen network's DNS seeds (with the names we ask and their filter prefixes)
// and its fixed seed nodes; with --resolve, what each DNS seed answers now, how long it took
// and what failed. Discovery code is imported inside the handler so `spv --help` stays fast.
import type { CommandModule } from 'yargs';
import { formatHostPort, type PeerAddress } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { DNS_SEED_TIMEOUT_MS, queryDnsSeeds, seedQueryNames, type DnsLookup, type SeedResult } from '../../discovery/dns-seeds.js';
import { DiscoveryError } from '../../discovery/errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { resolveNetwork, withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { formatMs, table, toJson } from '../output.js';
import type { NetworkParams } from '../../params/networks.js';

export interface SeedsArgs extends NetworkArgs, CommonArgs {
  resolve?: boolean;
  'dns-server'?: string;
  'seeds-file'?: string;
  /** false with --no-dns. */
  dns?: boolean;
  timeout?: number;
  /** Handshake with every listed address (DNS answers with --resolve, and the fixed seeds). */
  probe?: boolean;
  /** Probes in flight at once. */
  'probe-parallel'?: number;
}

/** Where output goes; tests pass collectors and may replace the DNS lookup. */
export interface SeedsIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Default: createDnsLookup({ server: --dns-server, timeoutMs: --timeout }). */
  readonly lookup?: DnsLookup;
}

const PROCESS_IO: SeedsIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** One DNS seed's answers as --json prints them. */
export interface ResolvedSeedReport {
  readonly seed: string;
  readonly answeredBy: string | null;
  readonly count: number;
  readonly addresses: string[];
  readonly durationMs: number;
  readonly error?: { code: string; message: string };
  readonly queries: { name: string; type: 'A' | 'AAAA'; count: number; dropped: number; durationMs: number; error?: { code: string; message: string } }[];
}

/** The --json document (and what runSeeds returns). */
export interface SeedsReport {
  readonly network: string;
  readonly defaultPort: number;
  readonly dnsSeeds: { host: string; names: string[]; filters: readonly string[] | null }[];
  readonly fixedSeeds: { file: string; replacesShipped: boolean; count: number; addresses: string[] };
  /** With --probe: one handshake per address. */
  readonly probes?: ProbeOutcome[];
  readonly resolve?: {
    readonly server: string;
    readonly timeoutMs: number;
    readonly skipped?: 'no_dns_flag' | 'no_dns_seeds';
    readonly seeds: ResolvedSeedReport[];
    /** Distinct addresses over all seeds. */
    readonly distinctAddresses: number;
  };
}

export const seedsCommand: CommandModule<object, SeedsArgs> = {
  command: 'seeds',
  describe: "List the network's DNS seeds and fixed seed nodes; --resolve asks the DNS seeds now",
  builder: (y) =>
    withCommonOptions(withNetworkOptions(y))
      .option('resolve', { type: 'boolean', default: false, describe: 'query each DNS seed (A and AAAA) and show its answers' })
      .option('dns-server', { type: 'string', describe: 'DNS server for --resolve, IP[:port] (default: the system resolver)' })
      .option('seeds-file', { type: 'string', describe: 'list this file instead of the shipped seeds/<network>.txt' })
      .option('dns', { type: 'boolean', default: true, describe: 'use the DNS seeds (--no-dns skips them)' })
      .option('timeout', { type: 'number', default: DNS_SEED_TIMEOUT_MS, describe: 'per-seed DNS deadline, ms' })
      .option('probe', { type: 'boolean', describe: 'handshake with every address listed (DNS answers with --resolve, and fixed seeds)' })
      .option('probe-parallel', { type: 'number', default: PROBE_PARALLEL, describe: 'handshakes in flight at once with --probe' })
      .example('$0 seeds --testnet4', 'DNS seeds and fixed nodes of testnet4')
      .example('$0 seeds --testnet4 --resolve --json', "each seed's answers as one JSON document") as never,
  handler: async (args) => {
    const { exitCode } = await runSeeds(args);
    process.exitCode = exitCode;
  },
};

/** The command's work, callable from tests. Throws UsageError on bad input (exit 2). */
export async function runSeeds(args: SeedsArgs, io: SeedsIo = PROCESS_IO): Promise<{ report: SeedsReport; exitCode: number }> {
  const params = resolveNetwork(args);
  if (params.deprecation) io.err(`Warning: ${params.deprecation}\n`);
  const timeoutMs = args.timeout ?? DNS_SEED_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');

  // node:dns and node:fs users load only when the command runs.
  const [{ parseDnsServer, createDnsLookup }, fixed] = await Promise.all([
    import('../../discovery/dns.js'),
    import('../../discovery/fixed-seeds.js'),
  ]);
  // Checked even without --resolve so a typo is reported, not silently ignored.
  const server = args['dns-server'] === undefined ? undefined : parseDnsServer(args['dns-server']);

  const userFile = args['seeds-file'];
  const file = userFile ?? fixed.shippedSeedsPath(params.name);
  let fixedList: PeerAddress[];
  try {
    fixedList = await fixed.readSeedsFile(file, params.defaultPort);
  } catch (err) {
    // A user's file is input (exit 2); the shipped one failing is our bug (exit 1).
    if (userFile !== undefined && err instanceof DiscoveryError) throw new UsageError(err.code, `--seeds-file: ${err.message}`);
    throw err;
  }

  let resolve: SeedsReport['resolve'];
  let exitCode = EXIT_OK;
  if (args.resolve) {
    const skipped = args.dns === false ? 'no_dns_flag' : params.dnsSeeds.length === 0 ? 'no_dns_seeds' : undefined;
    let results: SeedResult[] = [];
    if (!skipped) {
      const lookup = io.lookup ?? createDnsLookup({ ...(server ? { server } : {}), timeoutMs });
      results = await queryDnsSeeds(params, { lookup, timeoutMs });
    }
    const seeds = results.map(seedReport);
    const distinctAddresses = new Set(seeds.flatMap((s) => s.addresses)).size;
    resolve = { server: server ?? 'system', timeoutMs, ...(skipped ? { skipped } : {}), seeds, distinctAddresses };
    // A diagnostic that found nothing says so to scripts too.
    if (!skipped && distinctAddresses === 0) exitCode = EXIT_FAILURE;
  }

  const report: SeedsReport = {
    network: params.name,
    defaultPort: params.defaultPort,
    dnsSeeds: params.dnsSeeds.map((host) => ({
      host,
      names: seedQueryNames(host, params.dnsSeedFilters[host]),
      filters: params.dnsSeedFilters[host] ?? null,
    })),
    fixedSeeds: { file, replacesShipped: userFile !== undefined, count: fixedList.length, addresses: fixedList.map(formatHostPort) },
    ...(resolve ? { resolve } : {}),
  };

  if (args.probe) {
    const parallel = args['probe-parallel'] ?? PROBE_PARALLEL;
    if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('bad_probe_parallel', '--probe-parallel must be a positive integer');
    const probes = await probeAll(params, seedsToProbe(report), { timeoutMs, parallel });
    (report as { probes?: ProbeOutcome[] }).probes = probes;
    if (!probes.some((p) => p.ok)) exitCode = EXIT_FAILURE;
  }

  io.out(args.json ? `${toJson(report)}\n` : humanReport(report, args.dns === false));
  return { report, exitCode };
}

/** Every address the report lists, DNS answers first, for a later --probe. */
export function seedsToProbe(report: SeedsReport): string[] {
  const all = [...(report.resolve?.seeds.flatMap((s) => s.addresses) ?? []), ...report.fixedSeeds.addresses];
  return [...new Set(all)];
}

function seedReport(r: SeedResult): ResolvedSeedReport {
  return {
    seed: r.seed,
    answeredBy: r.answeredBy ?? null,
    count: r.addresses.length,
    addresses: r.addresses.map(formatHostPort),
    durationMs: Math.round(r.durationMs * 10) / 10,
    ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    queries: r.queries.map((q) => ({
      name: q.name,
      type: q.family === 4 ? 'A' : 'AAAA',
      count: q.addresses.length,
      dropped: q.dropped,
      durationMs: Math.round(q.durationMs * 10) / 10,
      ...(q.error ? { error: { code: q.error.code, message: q.error.message } } : {}),
    })),
  };
}

const indent = (text: string): string => text.replace(/^/gm, '  ');

function humanReport(r: SeedsReport, noDns: boolean): string {
  const lines: string[] = [`${r.network} (default port ${r.defaultPort})`, ''];
  if (r.dnsSeeds.length === 0) lines.push('DNS seeds: none for this network');
  else {
    lines.push(`DNS seeds (${r.dnsSeeds.length})${noDns ? ' — not used: --no-dns' : ''}:`);
    const asked = (names: readonly string[]): string => (names.length > 1 ? `${names[0]!.split('.')[0]}.<seed>, then bare` : 'bare name');
    const rows = r.dnsSeeds.map((s) => [s.host, asked(s.names), s.filters ? s.filters.join(' ') : 'not documented']);
    lines.push(indent(table([['seed', 'asked as', 'filter prefixes (Core)'], ...rows])));
  }
  lines.push('');
  const what = r.fixedSeeds.replacesShipped ? 'Seeds file' : 'Fixed seeds';
  lines.push(`${what}: ${r.fixedSeeds.count} node${r.fixedSeeds.count === 1 ? '' : 's'} in ${r.fixedSeeds.file}`);
  if (r.fixedSeeds.count > 0) lines.push(indent(columns(r.fixedSeeds.addresses)));

  const res = r.resolve;
  if (res) {
    lines.push('');
    if (res.skipped) lines.push(`DNS answers: skipped (${res.skipped === 'no_dns_flag' ? '--no-dns' : 'this network has no DNS seeds'})`);
    else {
      lines.push(`DNS answers (server ${res.server}, deadline ${res.timeoutMs} ms per seed):`);
      const rows = res.seeds.map((s) => [
        s.seed,
        s.answeredBy ?? '-',
        String(s.count),
        formatMs(s.durationMs),
        s.error ? `${s.error.code}: ${s.error.message}` : s.count > 0 ? 'ok' : 'empty answer',
      ]);
      lines.push(indent(table([['seed', 'answered by', 'addresses', 'time', 'result'], ...rows])));
      for (const s of res.seeds) if (s.count > 0) lines.push('', `  ${s.seed}:`, indent(indent(columns(s.addresses))));
      lines.push('', `${res.distinctAddresses} distinct address${res.distinctAddresses === 1 ? '' : 'es'} from ${res.seeds.length} seeds`);
    }
  }
  if (r.probes) {
    lines.push('', `Probes (${r.probes.filter((p) => p.ok).length}/${r.probes.length} answered):`);
    lines.push(
      indent(
        table([
          ['address', 'result', 'agent', 'height', 'handshake'],
          ...r.probes.map((p) => [p.address, p.ok ? 'ok' : (p.error ?? 'failed'), p.userAgent ?? '-', p.startHeight === undefined ? '-' : String(p.startHeight), formatMs(p.handshakeMs)]),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Handshakes in flight at once for --probe. */
export const PROBE_PARALLEL = 8;

export interface ProbeOutcome {
  readonly address: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly userAgent?: string;
  readonly startHeight?: number;
  readonly handshakeMs?: number;
  readonly pingMs?: number;
}

/** One handshake per address (bitcoin/probe.ts), `parallel` at a time, each under `timeoutMs`. */
async function probeAll(params: NetworkParams, addresses: readonly string[], opts: { timeoutMs: number; parallel: number }): Promise<ProbeOutcome[]> {
  const { probePeer } = await import('../../bitcoin/probe.js');
  const { parseHostPort } = await import('../../util/address.js');
  const out: ProbeOutcome[] = new Array(addresses.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < addresses.length) {
      const i = next++;
      const address = addresses[i] as string;
      try {
        const r = await probePeer(params, parseHostPort(address, params.defaultPort), { timeoutMs: opts.timeoutMs });
        out[i] = { address, ok: true, userAgent: r.userAgent, startHeight: r.startHeight, handshakeMs: r.handshakeMs, pingMs: r.pingMs };
      } catch (err) {
        out[i] = { address, ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel, addresses.length) }, worker));
  return out;
}

/** Addresses in as many columns as fit in about 100 characters, IPv4 before IPv6 (bracketed). */
function columns(items: readonly string[]): string {
  const blocks = [items.filter((s) => !s.startsWith('[')), items.filter((s) => s.startsWith('['))];
  const rows: string[] = [];
  for (const block of blocks) {
    if (block.length === 0) continue;
    const width = Math.max(...block.map((s) => s.length)) + 2;
    const perRow = Math.max(1, Math.floor(100 / width));
    for (let i = 0; i < block.length; i += perRow)
      rows.push(
        block
          .slice(i, i + perRow)
          .map((s, j, row) => (j === row.length - 1 ? s : s.padEnd(width)))
          .join(''),
      );
  }
  return rows.join('\n');
}
