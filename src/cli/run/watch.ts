// Implementation of `spv watch`: addresses checked before any traffic; header sync; then a
// compact-filter (or --bloom) scan from the saved height; every relevant transaction printed
// as it is found; balances and unspent outputs; then new blocks as they arrive. State lives in
// the datadir and a restart resumes the scan.
import { toHex } from '../../util/bytes.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { decodeAddress } from '../../wallet/address.js';
import { formatBtc, type TxRecord, type Wallet, type WatchedScript } from '../../wallet/wallet.js';
import { WatchStore } from '../../wallet/watch-store.js';
import { HeaderSync } from '../../bitcoin/header-sync.js';
import { Watcher } from '../../bitcoin/watcher.js';
import { NODE_BLOOM, NODE_COMPACT_FILTERS } from '../../bitcoin/services.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { WatchArgs } from '../commands/watch.js';
import { untilSignal } from '../signals.js';
import { checkPeerArgs, startPeers, writeNoPeersSummary } from './peers.js';
import { openStore } from './chain-store.js';
import { loadHints } from './hints.js';

export async function runWatch(args: WatchArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  checkPeerArgs(args);
  if (!Number.isInteger(args['from-height']) || args['from-height'] < 0) throw new UsageError('bad_from_height', '--from-height must be a whole number >= 0');
  if (!(args['fp-rate'] > 0 && args['fp-rate'] < 1)) throw new UsageError('bad_fp_rate', '--fp-rate must be between 0 and 1');
  // Every address is checked before any network traffic.
  const watched: WatchedScript[] = [];
  for (const a of args.address) {
    try {
      watched.push({ address: a, script: toHex(decodeAddress(a, params).script) });
    } catch (err) {
      throw new UsageError('bad_address', `--address ${a}: ${errorMessage(err)}`);
    }
  }

  const log = createLogger(args['log-level'], args.json);
  const store = openStore(params, args.datadir, log);
  const chain = store.chain;
  const ws = new WatchStore(store.datadir);
  if (ws.tornBytes) log.warn(`recovered a torn filter-header record (${ws.tornBytes} bytes)`);

  const emitJson = (event: string, fields: Record<string, unknown>): void => {
    if (args.json) printJson({ event, ...fields });
  };
  const printRecord = (r: TxRecord, verb: 'tx' | 'undone'): void => {
    const confirmations = chain.height - r.height + 1;
    if (args.json) return emitJson(verb, { ...r, confirmations });
    const parts = [...Object.entries(r.received).map(([a, v]) => `+${formatBtc(BigInt(v))} to ${a}`), ...Object.entries(r.sent).map(([a, v]) => `-${formatBtc(BigInt(v))} from ${a}`)];
    printLine(`${verb === 'undone' ? 'UNDONE (reorg) ' : ''}${r.txid} height ${r.height} (${confirmations} conf) block ${r.blockHash.slice(0, 16)}…  ${parts.join(', ')}`);
  };

  const sync = new HeaderSync({ chain, persist: () => store.flush(), log, hints: loadHints(args.hints, params, log) });
  const watcher = new Watcher({ params, chain, sync, store: ws, watched, fromHeight: args['from-height'], bloom: args.bloom, fpRate: args['fp-rate'], log });
  const view = new SyncProgressView(progressMode(args.json), log, 'blocks scanned');
  let scanStarted = 0;
  let scanFrom = 0;
  watcher.on('progress', (p) => {
    const secs = Math.max(1e-3, (performance.now() - scanStarted) / 1000);
    view.update({ height: p.height, peerHeight: p.tip, headersPerSec: (p.height - scanFrom + 1) / secs, peer: '' });
  });
  watcher.on('tx', (r) => printRecord(r, 'tx'));
  watcher.on('undone', (r) => printRecord(r, 'undone'));
  watcher.on('liar', (peer, why) => emitJson('banned', { peer, reason: why }));

  // Peers that can serve what the scan needs: DNS seeds asked with the matching service filter
  // (x49 = NETWORK|WITNESS|COMPACT_FILTERS, xd = NETWORK|BLOOM|WITNESS; networks.md 6.1), and
  // outbound peers without the service dropped and replaced.
  const session = await startPeers(args, params, log, {
    services: [sync, ...watcher.services],
    startHeight: () => chain.height,
    requiredServices: args.bloom ? NODE_BLOOM : NODE_COMPACT_FILTERS,
    serviceFilters: args.bloom ? ['xd', 'x9'] : ['x49', 'x9'],
  });
  try {
    const synced = new Promise<'synced'>((resolve) => sync.once('synced', () => resolve('synced')));
    const first = await Promise.race([synced, session.exhausted, untilSignal()]);
    if (Array.isArray(first)) {
      if (args.json) emitJson('no_reachable_peers', { attempts: first, discovery: session.report });
      else writeNoPeersSummary(params.name, session.report, first);
      return EXIT_FAILURE;
    }
    if (first !== 'synced') return EXIT_OK;
    scanStarted = performance.now();
    scanFrom = watcher.scannedHeight + 1;
    await watcher.scanToTip();
    view.finish();
    printSummary(watcher.wallet, chain.height, args.json ?? false);
    if (!args.follow) return EXIT_OK;
    watcher.follow();
    const end = await Promise.race([session.exhausted, untilSignal()]);
    await watcher.idle();
    printSummary(watcher.wallet, chain.height, args.json ?? false);
    if (Array.isArray(end)) {
      process.stderr.write(`spv: lost every peer; the scan is saved at height ${watcher.scannedHeight}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  } catch (err) {
    view.finish();
    process.stderr.write(`spv: watch failed: ${errorMessage(err)} (scan saved at height ${watcher.scannedHeight})\n`);
    return EXIT_FAILURE;
  } finally {
    session.connector.stop();
    await session.node.manager.close();
    ws.close();
    store.close();
    log.close();
  }
}

function printSummary(wallet: Wallet, tip: number, json: boolean): void {
  const rows = wallet.watched.map((w) => ({ address: w.address, balance: wallet.balance(w.address), utxos: wallet.unspent(w.address) }));
  if (json) {
    printJson({ event: 'balances', tip, addresses: rows.map((r) => ({ address: r.address, balance: r.balance.toString(), utxos: r.utxos })) });
    return;
  }
  printLine(`\nat height ${tip}: ${wallet.records.length} transaction(s)`);
  printLine(table([['address', 'balance', 'unspent outputs'], ...rows.map((r) => [r.address, formatBtc(r.balance), String(r.utxos.length)])]).replace(/^/gm, '  '));
  for (const r of rows)
    for (const u of r.utxos) printLine(`  ${u.txid}:${u.vout}  ${formatBtc(BigInt(u.value))}  height ${u.height} (${tip - u.height + 1} conf)  ${r.address}`);
}
