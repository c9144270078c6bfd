// Implementation of `spv broadcast`: read and pre-check the transaction (refused with the
// reason before any traffic), connect to --max-peers peers (relay 0, advertising NODE_WITNESS),
// announce, serve, report per peer; exit 0 once a peer requested and received it, 1 with
// per-peer reasons at --timeout. `--wait-confirm N` then follows it N blocks deep.
import { readFileSync } from 'node:fs';
import { hashToDisplay } from '../../util/bytes.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { decodeCheckedTx, TxCheckError } from '../../tx/check.js';
import type { Tx } from '../../tx/tx.js';
import { txWeight } from '../../tx/tx.js';
import { TxBroadcaster, type PeerBroadcastReport } from '../../bitcoin/tx-broadcast.js';
import { ConfirmationWatch } from '../../bitcoin/tx-confirm.js';
import { HeaderSync } from '../../bitcoin/header-sync.js';
import { NODE_COMPACT_FILTERS, NODE_WITNESS } from '../../bitcoin/services.js';
import type { PeerService } from '../../bitcoin/protocol.js';
import type { HeaderStore } from '../../chain/header-store.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { BroadcastArgs } from '../commands/broadcast.js';
import { untilSignal } from '../signals.js';
import { startPeers, writeNoPeersSummary } from './peers.js';
import { openStore } from './chain-store.js';

/** The transaction bytes from `hex`, `@file` (hex text or raw bytes) or `-` (hex on stdin). */
export function readTxArgument(arg: string, readStdin: () => string = () => readFileSync(0, 'utf8')): Uint8Array {
  let text: string;
  if (arg === '-') text = readStdin();
  else if (arg.startsWith('@')) {
    let buf: Buffer;
    try {
      buf = readFileSync(arg.slice(1));
    } catch (err) {
      throw new UsageError('bad_tx_file', `cannot read ${arg.slice(1)}: ${errorMessage(err)}`);
    }
    const asText = buf.toString('latin1').trim();
    if (!/^[0-9a-fA-F]*$/.test(asText)) return Uint8Array.from(buf); // raw bytes
    text = asText;
  } else text = arg;
  const hex = text.trim();
  if (hex.length === 0) throw new UsageError('bad_tx_hex', 'no transaction given');
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) throw new UsageError('bad_tx_hex', 'the transaction is not hex (an even number of 0-9a-f digits)');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export async function runBroadcast(args: BroadcastArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  if (!(args.timeout > 0)) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  if (!(args['handshake-timeout'] > 0)) throw new UsageError('bad_timeout', '--handshake-timeout must be a positive number of ms');
  if (!(args['spread-ms'] >= 0)) throw new UsageError('bad_spread', '--spread-ms must be 0 or more');
  const depth = args['wait-confirm'] === undefined ? undefined : Number.isNaN(args['wait-confirm']) ? 1 : args['wait-confirm'];
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) throw new UsageError('bad_wait_confirm', '--wait-confirm takes a whole number of blocks from 1');

  // Everything a node would refuse on sight is refused here, before any traffic.
  let tx: Tx;
  try {
    // yargs hands a lone "-" over as an empty string.
    tx = decodeCheckedTx(readTxArgument(args.tx === '' ? '-' : args.tx));
  } catch (err) {
    if (err instanceof TxCheckError) {
      if (args.json) printJson({ event: 'refused', code: err.code, coreReason: err.coreReason, reason: err.message });
      throw new UsageError(`tx_${err.code}`, `transaction refused before any traffic (${err.coreReason}): ${err.message}`);
    }
    throw err;
  }

  const log = createLogger(args['log-level'], args.json);
  const txid = hashToDisplay(tx.txid);
  const broadcaster = new TxBroadcaster(tx, { maxPeers: args['max-peers'], spreadMs: args['spread-ms'], log });
  let store: HeaderStore | undefined;
  let sync: HeaderSync | undefined;
  let confirm: ConfirmationWatch | undefined;
  let firstSync: Promise<'synced'> = Promise.resolve('synced');
  const services: PeerService[] = [broadcaster];
  if (depth !== undefined) {
    store = openStore(params, args.datadir, log);
    const s = store;
    sync = new HeaderSync({ chain: s.chain, persist: () => s.flush(), log });
    confirm = new ConfirmationWatch({ chain: s.chain, sync, tx, depth, log });
    const sy = sync;
    firstSync = new Promise((resolve) => sy.once('synced', () => resolve('synced')));
    services.push(sync, ...confirm.services);
  }
  if (!args.json) printLine(`broadcasting ${txid} (wtxid ${hashToDisplay(tx.wtxid)}, ${tx.raw.length} bytes, weight ${txWeight(tx)}${broadcaster.segwit ? ', segwit' : ''}) to ${args['max-peers']} peer(s)`);
  const event = (name: string, r: PeerBroadcastReport, extra = ''): void => {
    if (args.json) printJson({ event: name, txid, peer: r.peer, ...(extra ? { detail: extra } : {}) });
    else printLine(`  ${r.peer}: ${name}${extra ? ` ${extra}` : ''}`);
  };
  broadcaster.on('announced', (r) => event('announced', r, r.announceType ?? ''));
  broadcaster.on('requested', (r, type) => event('requested', r, type));
  broadcaster.on('sent', (r) => event('sent', r, `${r.sentBytes} bytes`));
  broadcaster.on('delivered', (r) => event('delivered', r));
  broadcaster.on('refused', (r) => event('refused', r, r.refused ?? ''));

  const session = await startPeers({ ...args, timeout: args['handshake-timeout'] }, params, log, {
    services,
    relay: false,
    // Segwit decision (README): we advertise NODE_WITNESS, so txid-relay peers ask with
    // MSG_WITNESS_TX and get the witness; MSG_TX for a segwit tx gets notfound, never a stripped tx.
    ourServices: NODE_WITNESS,
    startHeight: store ? (): number => store?.chain.height ?? 0 : undefined,
    requiredServices: depth !== undefined ? NODE_COMPACT_FILTERS : undefined,
    serviceFilters: depth !== undefined ? ['x49', 'x9'] : undefined,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const done = new Promise<'done'>((resolve) => broadcaster.once('done', () => resolve('done')));
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), args.timeout)));
    const outcome = await Promise.race([done, timeout, session.exhausted, untilSignal()]);
    if (Array.isArray(outcome) && broadcaster.delivered.length === 0) {
      if (args.json) printJson({ event: 'no_reachable_peers', txid, attempts: outcome, discovery: session.report });
      else writeNoPeersSummary(params.name, session.report, outcome);
      return EXIT_FAILURE;
    }
    const ok = broadcaster.delivered.length > 0;
    printReport(broadcaster, ok, args.json ?? false);
    if (!ok) return EXIT_FAILURE;
    if (!confirm || !sync || !store) return EXIT_OK;
    clearTimeout(timer);

    // --wait-confirm: headers, then filters of each new block, until N deep.
    const c = confirm;
    if ((await Promise.race([firstSync, untilSignal()])) !== 'synced') return EXIT_FAILURE;
    c.start();
    if (!args.json) printLine(`waiting for ${depth} confirmation(s) (headers at ${store.chain.height})`);
    c.on('found', (height, hash) => {
      if (args.json) printJson({ event: 'found', txid, height, block: hash });
      else printLine(`in block ${height} (${hash})`);
    });
    const confirmed = new Promise<[number, string, number]>((resolve) => c.once('confirmed', (h, b, n) => resolve([h, b, n])));
    const end = await Promise.race([confirmed, session.exhausted, untilSignal()]);
    if (Array.isArray(end) && typeof end[0] === 'number') {
      const [height, block, confirmations] = end as [number, string, number];
      if (args.json) printJson({ event: 'confirmed', txid, height, block, confirmations });
      else printLine(`confirmed: ${txid} at height ${height} (${confirmations} confirmation(s)), block ${block}`);
      return EXIT_OK;
    }
    if (Array.isArray(end)) process.stderr.write('spv: lost every peer before the transaction confirmed\n');
    return EXIT_FAILURE;
  } finally {
    clearTimeout(timer);
    session.connector.stop();
    await session.node.manager.close();
    store?.close();
    log.close();
  }
}

function printReport(b: TxBroadcaster, ok: boolean, json: boolean): void {
  const reports = b.reports;
  if (json) {
    printJson({ event: 'broadcast', txid: b.txid, wtxid: hashToDisplay(b.tx.wtxid), ok, peers: reports });
    return;
  }
  printLine(ok ? `broadcast ${b.txid}: ${b.delivered.length} peer(s) requested and received it` : `broadcast ${b.txid} FAILED: no peer requested and received it`);
  if (reports.length === 0) printLine('  no peer completed the handshake');
  for (const r of reports) printLine(`  ${r.peer} ${r.userAgent}: ${describe(r)}`);
}

function describe(r: PeerBroadcastReport): string {
  const ms = (v: number): string => `${Math.round(v)} ms`;
  const parts: string[] = [];
  if (r.announcedAtMs !== undefined) parts.push(`announced ${r.announceType} at ${ms(r.announcedAtMs)}`);
  else parts.push('not announced');
  if (r.requestedAtMs !== undefined) parts.push(`requested (${r.requested.join(', ')}) at ${ms(r.requestedAtMs)}`);
  else if (r.announcedAtMs !== undefined) parts.push('not requested');
  if (r.sentAtMs !== undefined) parts.push(`sent ${r.sentBytes} bytes`);
  if (r.deliveredAtMs !== undefined) parts.push(`received (pong) at ${ms(r.deliveredAtMs)}`);
  if (r.feeFilter !== undefined) parts.push(`feefilter ${r.feeFilter} sat/kvB`);
  if (r.refused) parts.push(r.refused);
  if (r.gone) parts.push(`disconnected: ${r.gone}`);
  return parts.join(', ');
}
