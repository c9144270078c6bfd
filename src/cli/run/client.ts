// What the CLI's client commands share: their arguments as SpvClientOptions, the network's
// deprecation note, and the "no reachable peers" summary on stderr.
import { loadHints, SpvError, type DialAttempt, type DiscoveryReport, type DownloadHint, type Log, type NetworkParams, type SpvClientOptions } from '../../index.js';
import { UsageError } from '../../util/errors.js';
import type { PeerOptionArgs } from '../peer-options.js';
import { resolveNetwork, type NetworkArgs } from '../network-options.js';

/** Checks the shared peer options (exit 2 on bad ones) and maps them onto the library's. */
export function clientOptions(args: NetworkArgs & PeerOptionArgs, log: Log, extra: Partial<SpvClientOptions> = {}): SpvClientOptions {
  const params = resolveNetwork(args);
  if (!Number.isInteger(args['max-peers']) || args['max-peers'] < 1) throw new UsageError('bad_max_peers', '--max-peers must be a positive integer');
  if (!(args.timeout > 0)) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  return {
    network: params.name,
    datadir: args.datadir,
    peers: args.connect,
    maxPeers: args['max-peers'],
    dns: args.dns,
    dnsServer: args['dns-server'],
    seedsFile: args['seeds-file'],
    timeoutMs: args.timeout,
    v2transport: args.v2transport ?? true,
    hints: hintsFromArgs(args.hints, params, log),
    ...(args.minimumchainwork !== undefined ? { minimumChainWork: minimumChainWorkFromArg(args.minimumchainwork) } : {}),
    log,
    ...extra,
  };
}

/** Core -minimumchainwork=<hex> (Core parses it with IsHexNumber: hex digits, optional 0x). */
function minimumChainWorkFromArg(hex: string): bigint {
  const digits = hex.replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,64}$/i.test(digits)) throw new UsageError('bad_minimum_chain_work', `--minimumchainwork: expected up to 64 hex digits, got "${hex}"`);
  return BigInt(`0x${digits}`);
}

/** --hints FILE, --hints none / --no-hints, or the network's shipped file; a bad file is a
 * usage error (exit 2) before any traffic. */
function hintsFromArgs(option: string | false | undefined, params: NetworkParams, log: Log): readonly DownloadHint[] | false {
  try {
    return loadHints(option, params, log) ?? false;
  } catch (err) {
    if (err instanceof SpvError && (err.code === 'bad_hints' || err.code === 'hints_unreadable')) throw new UsageError(err.code, `--${err.message}`);
    throw err;
  }
}

/** The chosen network, with Core's deprecation note (testnet3) on stderr. */
export function announceNetwork(args: NetworkArgs): NetworkParams {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  return params;
}

/** The "no reachable peers" summary: every seed and every dial, one line each, on stderr. */
export function writeNoPeersSummary(network: string, report: DiscoveryReport | undefined, attempts: readonly DialAttempt[]): void {
  const w = (s: string): boolean => process.stderr.write(`${s}\n`);
  w(`spv: no reachable peers on ${network}: tried ${attempts.length} address(es)`);
  if (report) {
    for (const s of report.dns) w(`  dns seed ${s.seed}: ${s.error ? s.error.message : `${s.addresses.length} addresses`}`);
    if (report.dnsSkipped) w(`  dns: skipped (${report.dnsSkipped})`);
    w(`  fixed seeds: ${report.fixed.file} (${report.fixed.use}${report.fixed.addresses !== undefined ? `, ${report.fixed.addresses} addresses` : ''})`);
  }
  for (const a of attempts.slice(0, 50)) w(`  ${a.address} [${a.source}]: ${a.outcome}`);
  if (attempts.length > 50) w(`  ... and ${attempts.length - 50} more`);
}
