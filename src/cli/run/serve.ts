// Implementation of `spv serve`: listens until Ctrl+C / SIGTERM, then closes cleanly.
import { formatHostPort, parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { createBitcoinNode } from '../../bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../bitcoin/address-relay.js';
import { HeaderServer } from '../../bitcoin/header-server.js';
import { generatedChain, TipMiner } from '../../bitcoin/local-chain.js';
import { HeaderChain } from '../../chain/header-chain.js';
import { HeaderStore } from '../../chain/header-store.js';
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
  // The headers we serve: a datadir's, a generated regtest chain, or just genesis.
  if (args.datadir !== undefined && args.generate !== undefined) throw new UsageError('generate_and_datadir', 'use either --generate or --datadir, not both');
  const store = args.datadir !== undefined ? HeaderStore.open({ datadir: args.datadir, params, log }) : undefined;
  const started = performance.now();
  const chain = store?.chain ?? (args.generate !== undefined ? generatedChain(params, args.generate, args.seed) : new HeaderChain(params));
  if (args.generate !== undefined) log.info(`generated ${args.generate} regtest headers in ${Math.round(performance.now() - started)} ms (seed ${args.seed})`);
  const server = new HeaderServer(chain);
  const node = createBitcoinNode({ params, log, maxInbound: args['max-inbound'], handshakeTimeoutMs: args.timeout, startHeight: () => chain.height });
  node.protocol.use(new AddressRelay({ known, requestFromOutbound: false }));
  node.protocol.use(server);
  let miner: NodeJS.Timeout | undefined;
  if (args['mine-every'] !== undefined) {
    if (!params.noRetargeting) throw new UsageError('mine_needs_regtest', '--mine-every is only practical on --regtest');
    const tipMiner = new TipMiner(chain, args.seed);
    miner = setInterval(() => {
      const h = tipMiner.mine();
      store?.flush();
      log.info(`mined header ${h} ${chain.tip.hashHex}`);
      server.announce(h);
    }, Math.max(10, args['mine-every']));
  }
  node.protocol.on('ready', (p) => log.info(`peer ${p.label} connected: ${p.state.remote?.userAgent} v${p.state.remote?.version}`));
  node.manager.on('disconnected', (p, why) => log.info(`peer ${p.label} gone: ${why.code}`));
  const bound = await node.manager.listen(listen);
  if (args.json) printJson({ event: 'listening', network: params.name, address: formatHostPort(bound), height: chain.height, tip: chain.tip.hashHex });
  else printLine(`spv serve (${params.name}) listening on ${formatHostPort(bound)}, serving ${chain.height} headers (tip ${chain.tip.hashHex})`);
  const sig = await untilSignal();
  log.info(`${sig}: shutting down`);
  if (miner) clearInterval(miner);
  await node.manager.close();
  store?.close();
  log.close();
  return EXIT_OK;
}
