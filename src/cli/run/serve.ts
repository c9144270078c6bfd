// Implementation of `spv serve`: listens until Ctrl+C / SIGTERM, then closes cleanly.
import { formatHostPort, parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { createBitcoinNode } from '../../bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../bitcoin/address-relay.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine } from '../output.js';
import { EXIT_OK } from '../exit.js';
import type { ServeArgs } from '../commands/serve.js';
import { untilSignal } from '../signals.js';

export async function runServe(args: ServeArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  if (!Number.isInteger(args['max-inbound']) || args['max-inbound'] < 1) throw new UsageError('bad_max_inbound', '--max-inbound must be a positive integer');
  const listen = parseHostPort(args.listen ?? `127.0.0.1:${params.defaultPort}`, params.defaultPort);
  const log = createLogger(args['log-level'], args.json);
  const known = new KnownAddresses();
  const now = Math.floor(Date.now() / 1000);
  for (const a of args.addr ?? []) {
    const p = parseHostPort(a, params.defaultPort);
    known.add({ time: now, services: 0n, host: p.host, port: p.port });
  }
  const node = createBitcoinNode({ params, log, maxInbound: args['max-inbound'], handshakeTimeoutMs: args.timeout });
  node.protocol.use(new AddressRelay({ known, requestFromOutbound: false }));
  node.protocol.on('ready', (p) => log.info(`peer ${p.label} connected: ${p.state.remote?.userAgent} v${p.state.remote?.version}`));
  node.manager.on('disconnected', (p, why) => log.info(`peer ${p.label} gone: ${why.code}`));
  const bound = await node.manager.listen(listen);
  if (args.json) printJson({ event: 'listening', network: params.name, address: formatHostPort(bound) });
  else printLine(`spv serve (${params.name}) listening on ${formatHostPort(bound)}`);
  const sig = await untilSignal();
  log.info(`${sig}: shutting down`);
  await node.manager.close();
  log.close();
  return EXIT_OK;
}
