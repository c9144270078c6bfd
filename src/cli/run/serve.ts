// Implementation of `spv serve`: listens until Ctrl+C / SIGTERM, then closes cleanly. With
// --blocks (or --pay/--spend) it serves a generated regtest block chain: blocks, BIP157/158
// filters and BIP37, advertising NETWORK | WITNESS | BLOOM | COMPACT_FILTERS.
import type { NetworkParams } from '../../params/networks.js';
import { formatHostPort, parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { hashToDisplay } from '../../util/bytes.js';
import { decodeAddress, encodeAddress } from '../../wallet/address.js';
import { COIN_SATS, formatBtc, LocalBlockChain, type PaymentKind, type PaymentRequest } from '../../bitcoin/local-blocks.js';
import { startLocalPeer } from '../../bitcoin/local-chain.js';
import { createBitcoinNode } from '../../bitcoin/node.js';
import { NODE_P2P_V2 } from '../../bitcoin/services.js';
import { AddressRelay, KnownAddresses } from '../../bitcoin/address-relay.js';
import { HeaderServer } from '../../bitcoin/header-server.js';
import { generatedChain, TipMiner } from '../../bitcoin/local-chain.js';
import { HeaderChain } from '../../chain/header-chain.js';
import { HeaderStore } from '../../chain/header-store.js';
import { createLogger } from '../logger.js';
import { chainHeights, observeFromArgs } from '../observe.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine } from '../output.js';
import { EXIT_OK } from '../exit.js';
import type { ServeArgs } from '../commands/serve.js';
import { untilSignal } from '../signals.js';

/**
 * An amount as the options take it: BTC ("0.5", "0.5btc", "21") with at most 8 decimals, or
 * satoshis with a "sat"/"sats" suffix ("50000sat").
 */
export function parseAmount(text: string): bigint {
  const t = text.trim().toLowerCase();
  const sats = /^(\d+)sats?$/.exec(t);
  let value: bigint | undefined;
  if (sats) value = BigInt(sats[1]!);
  else {
    const btc = /^(\d+)(?:\.(\d{1,8}))?(?:btc)?$/.exec(t);
    if (btc) value = BigInt(btc[1]!) * COIN_SATS + BigInt((btc[2] ?? '').padEnd(8, '0'));
  }
  if (value === undefined) throw new UsageError('bad_amount', `amount "${text}": give BTC ("0.5", at most 8 decimals) or satoshis ("50000sat")`);
  if (value <= 0n || value > 21_000_000n * COIN_SATS) throw new UsageError('bad_amount', `amount "${text}": must be more than 0 and at most 21,000,000 BTC`);
  return value;
}

/** A --pay/--spend value, ADDR:AMOUNT@HEIGHT, with the address decoded for `params`' network and
 * the height checked against the generated chain (1..tip). */
export function parsePaymentOption(kind: PaymentKind, text: string, params: NetworkParams, tip: number): PaymentRequest {
  const at = text.lastIndexOf('@');
  const colon = at < 0 ? -1 : text.lastIndexOf(':', at);
  if (at < 0 || colon <= 0) throw new UsageError('bad_payment', `--${kind} "${text}": expected ADDRESS:AMOUNT@HEIGHT, e.g. bcrt1q...:0.5@120`);
  const heightText = text.slice(at + 1);
  if (!/^\d+$/.test(heightText)) throw new UsageError('bad_payment', `--${kind} "${text}": height "${heightText}" is not a block height`);
  const height = Number(heightText);
  if (height < 1 || height > tip) {
    throw new UsageError('bad_height', `--${kind} "${text}": height ${height} is outside the generated chain (${tip === 0 ? 'generate blocks with --generate N' : `1..${tip}`})`);
  }
  const { script } = decodeAddress(text.slice(0, colon), params);
  return { kind, script, amount: parseAmount(text.slice(colon + 1, at)), height };
}

export async function runServe(args: ServeArgs): Promise<number> {
  const wantsBlocks = args.blocks === true || (args.pay?.length ?? 0) > 0 || (args.spend?.length ?? 0) > 0 || args['filler-outputs'] !== undefined;
  if (wantsBlocks) return runServeBlocks(args);
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
  // The headers we serve: a datadir's, a generated regtest chain, or just genesis. A serving
  // node indexes every hash, as a full node does (any getheaders answered without a scan).
  if (args.datadir !== undefined && args.generate !== undefined) throw new UsageError('generate_and_datadir', 'use either --generate or --datadir, not both');
  const store = args.datadir !== undefined ? HeaderStore.open({ datadir: args.datadir, params, log, indexOldHashes: true }) : undefined;
  const started = performance.now();
  const chain = store?.chain ?? (args.generate !== undefined ? generatedChain(params, args.generate, args.seed) : new HeaderChain(params));
  if (args.generate !== undefined) log.info(`generated ${args.generate} regtest headers in ${Math.round(performance.now() - started)} ms (seed ${args.seed})`);
  const server = new HeaderServer(chain, { silentWhenUpToDate: args['silent-up-to-date'] });
  const seen = await observeFromArgs(args, params, log, chainHeights(chain));
  // BIP324: a listener that accepts v2 advertises NODE_P2P_V2 (Core sets it with -v2transport).
  const v2 = args.v2transport ?? true;
  const node = createBitcoinNode({ params, log, maxInbound: args['max-inbound'], handshakeTimeoutMs: args.timeout, startHeight: () => chain.height, v2transport: v2, services: v2 ? NODE_P2P_V2 : 0n, observer: seen.observer });
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
  node.protocol.on('ready', (p) => log.info(`peer ${p.label} connected over ${p.transport}: ${p.state.remote?.userAgent} v${p.state.remote?.version}`));
  node.manager.on('disconnected', (p, why) => log.info(`peer ${p.label} gone: ${why.code}`));
  const bound = await node.manager.listen(listen);
  if (args.json) printJson({ event: 'listening', network: params.name, address: formatHostPort(bound), height: chain.height, tip: chain.tip.hashHex });
  else printLine(`spv serve (${params.name}) listening on ${formatHostPort(bound)}, serving ${chain.height} headers (tip ${chain.tip.hashHex})`);
  const sig = await untilSignal();
  log.info(`${sig}: shutting down`);
  if (miner) clearInterval(miner);
  await node.manager.close();
  seen.close();
  store?.close();
  log.close();
  return EXIT_OK;
}

/** `spv serve --blocks`: a LocalBlockChain behind a full local peer. */
async function runServeBlocks(args: ServeArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (!params.noRetargeting) throw new UsageError('blocks_need_regtest', '--blocks, --pay and --spend generate blocks with real proof of work: use --regtest');
  if (args.datadir !== undefined) throw new UsageError('blocks_and_datadir', '--blocks serves a generated chain; it cannot serve a datadir');
  if (!Number.isInteger(args['max-inbound']) || args['max-inbound'] < 1) throw new UsageError('bad_max_inbound', '--max-inbound must be a positive integer');
  const n = args.generate ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new UsageError('bad_generate', '--generate takes a whole number of blocks');
  const listen = parseHostPort(args.listen ?? `127.0.0.1:${params.defaultPort}`, params.defaultPort);
  const payments = [...(args.pay ?? []).map((p) => parsePaymentOption('pay', p, params, n)), ...(args.spend ?? []).map((p) => parsePaymentOption('spend', p, params, n))];
  const log = createLogger(args['log-level'], args.json);
  const started = performance.now();
  const chain = LocalBlockChain.generate(params, { blocks: n, seed: args.seed, payments, fillerOutputs: args['filler-outputs'] });
  log.info(`generated ${n} regtest blocks in ${Math.round(performance.now() - started)} ms (seed ${args.seed})`);
  const seen = await observeFromArgs(args, params, log, chainHeights(chain.headers));
  const peer = await startLocalPeer(chain, { host: listen.host, port: listen.port, log, maxInbound: args['max-inbound'], handshakeTimeoutMs: args.timeout, v2transport: args.v2transport ?? true, silentWhenUpToDate: args['silent-up-to-date'], observer: seen.observer });
  const known = new KnownAddresses();
  const now = Math.floor(Date.now() / 1000);
  for (const a of args.addr ?? []) {
    const p = parseHostPort(a, params.defaultPort);
    known.add({ time: now, services: 0n, host: p.host, port: p.port });
  }
  peer.node.protocol.use(new AddressRelay({ known, requestFromOutbound: false }));
  let miner: NodeJS.Timeout | undefined;
  if (args['mine-every'] !== undefined) {
    miner = setInterval(() => {
      const b = peer.mine();
      log.info(`mined block ${b.height} ${b.hashHex} (${b.block.txs.length - 1} transaction(s) besides the coinbase)`);
      if (args.json) printJson({ event: 'mined', height: b.height, block: b.hashHex, txids: b.block.txs.slice(1).map((t) => hashToDisplay(t.txid)) });
    }, Math.max(10, args['mine-every']));
  }
  peer.node.protocol.on('ready', (p) => log.info(`peer ${p.label} connected over ${p.transport}: ${p.state.remote?.userAgent} v${p.state.remote?.version}`));
  peer.node.manager.on('disconnected', (p, why) => log.info(`peer ${p.label} gone: ${why.code}`));
  peer.mempoolServer.on('accepted', (e, from) => {
    if (args.json) printJson({ event: 'mempool_accept', txid: hashToDisplay(e.tx.txid), from });
  });
  peer.mempoolServer.on('rejected', (txid, code, why, from) => {
    if (args.json) printJson({ event: 'mempool_reject', txid, code, reason: why, from });
  });
  const address = formatHostPort({ host: listen.host, port: peer.port });
  const made = chain.payments.map((p) => ({
    kind: p.kind,
    address: describeScript(p.script, params),
    amountSats: p.amount.toString(),
    height: p.height,
    txid: hashToDisplay(p.txid),
    block: hashToDisplay(p.blockHash),
  }));
  if (args.json) printJson({ event: 'listening', network: params.name, address, height: chain.height, tip: chain.tip.hashHex, blocks: true, payments: made });
  else {
    printLine(`spv serve (${params.name}) listening on ${address}, serving ${chain.height} blocks with filters and BIP37 (tip ${chain.tip.hashHex})`);
    for (const p of chain.payments) {
      const verb = p.kind === 'pay' ? `pay ${formatBtc(p.amount)} to` : `spend ${formatBtc(p.amount)} from`;
      printLine(`  ${verb} ${describeScript(p.script, params)} in block ${p.height} (txid ${hashToDisplay(p.txid)})`);
    }
  }
  const sig = await untilSignal();
  log.info(`${sig}: shutting down`);
  if (miner) clearInterval(miner);
  await peer.close();
  seen.close();
  log.close();
  return EXIT_OK;
}

function describeScript(script: Uint8Array, params: NetworkParams): string {
  try {
    return encodeAddress(script, params);
  } catch {
    return Buffer.from(script).toString('hex');
  }
}
