// Implementation of `spv handshake` (loaded only when the command runs): the library's
// handshake(), printed as a table or JSON.
import { handshake, ProbeError } from '../../index.js';
import { UsageError } from '../../util/errors.js';
import { transportLabel } from '../../bitcoin/probe.js';
import { createLogger } from '../logger.js';
import type { NetworkArgs } from '../network-options.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { announceNetwork } from './client.js';
import type { TraceArgs } from '../common-options.js';
import { observeFromArgs } from '../observe.js';

export async function runHandshake(args: NetworkArgs & TraceArgs & { address: string; timeout: number; v2transport?: boolean; json?: boolean; 'log-level'?: string }): Promise<number> {
  const params = announceNetwork(args);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  const log = createLogger(args['log-level'], args.json);
  const seen = await observeFromArgs(args, params, log);
  try {
    const r = await handshake(args.address, { network: params.name, timeoutMs: args.timeout, log, v2transport: args.v2transport ?? true, observer: seen.observer });
    const services = `0x${r.services.toString(16)}`;
    if (args.json) printJson({ ok: true, ...r, protocolVersion: r.version, services });
    else {
      printLine(`handshake with ${r.address} (${r.network}) complete`);
      printLine(
        table([
          ['transport', transportLabel(r)],
          ...(r.sessionId ? [['session id', r.sessionId]] : []),
          ['protocol version', String(r.version)],
          ['services', `${services} ${r.serviceNames.join(' ') || 'NONE'}`],
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
