// Implementation of `spv handshake` (loaded only when the command runs).
import { parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { probePeer, ProbeError } from '../../bitcoin/probe.js';
import { createLogger } from '../logger.js';
import { resolveNetwork, type NetworkArgs } from '../network-options.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { TraceArgs } from '../common-options.js';
import { observeFromArgs } from '../observe.js';

export async function runHandshake(args: NetworkArgs & TraceArgs & { address: string; timeout: number; json?: boolean; 'log-level'?: string }): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  const to = parseHostPort(args.address, params.defaultPort);
  const log = createLogger(args['log-level'], args.json);
  const seen = await observeFromArgs(args, params, log);
  try {
    const r = await probePeer(params, to, { timeoutMs: args.timeout, log, observer: seen.observer });
    if (args.json) printJson({ ok: true, ...r });
    else {
      printLine(`handshake with ${r.address} (${r.network}) complete`);
      printLine(
        table([
          ['protocol version', String(r.protocolVersion)],
          ['services', `${r.services} ${r.serviceNames.join(' ') || 'NONE'}`],
          ['user agent', r.userAgent],
          ['start height', String(r.startHeight)],
          ['relay', r.relay === undefined ? '(not sent)' : String(r.relay)],
          ['clock offset', `${r.clockOffsetS >= 0 ? '+' : ''}${r.clockOffsetS} s`],
          ['wtxidrelay/addrv2', `${r.wtxidRelay ? 'yes' : 'no'}/${r.sendAddrV2 ? 'yes' : 'no'}`],
          ['handshake time', formatMs(r.handshakeMs)],
          ['ping round trip', formatMs(r.pingMs)],
        ]).replace(/^/gm, '  '),
      );
    }
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    if (args.json) printJson({ ok: false, address: args.address, failure: err.failure, error: err.message });
    else process.stderr.write(`spv: handshake with ${args.address} failed: ${err.message}\n`);
    return EXIT_FAILURE;
  } finally {
    seen.close();
    log.close();
  }
}
