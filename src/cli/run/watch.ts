// Implementation of `spv watch`: an SpvClient with an address watch. Addresses are checked
// before any traffic; every relevant transaction is printed as it is found, then balances and
// unspent outputs; new blocks are followed unless --no-follow. State lives in the datadir and
// a restart resumes the scan.
import { SpvClient, SyncError, SpvError, formatBtc, type Balances, type PendingPayment, type PendingConflict, type WatchTx } from '../../index.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { createLogger } from '../logger.js';
import { printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { WatchArgs } from '../commands/watch.js';
import { untilSignal } from '../signals.js';
import { announceNetwork, clientOptions, writeNoPeersSummary } from './client.js';
import { clientHeights, observeFromArgs } from '../observe.js';

export async function runWatch(args: WatchArgs): Promise<number> {
  const params = announceNetwork(args);
  const log = createLogger(args['log-level'], args.json);
  const json = args.json ?? false;
  let client: SpvClient | undefined;
  const seen = await observeFromArgs(args, params, log, clientHeights(() => client));
  client = new SpvClient(clientOptions(args, log, { observer: seen.observer }));
  // Every address is checked before any network traffic (exit 2 on a bad one).
  const watch = (() => {
    try {
      return client.watch(args.address, { fromHeight: args['from-height'], bloom: args.bloom, fpRate: args['fp-rate'], follow: args.follow, pendingExpiryMs: args['pending-expiry'] * 1000 });
    } catch (err) {
      log.close();
      if (!(err instanceof SpvError)) throw err;
      if (err.code === 'bad_address') throw new UsageError(err.code, `--address ${err.message}`);
      if (err.code === 'bad_fp_rate') throw new UsageError(err.code, '--fp-rate must be between 0 and 1');
      if (err.code === 'bad_pending_expiry') throw new UsageError(err.code, '--pending-expiry must be a positive number of seconds');
      if (err.code === 'bad_from_height') throw new UsageError(err.code, '--from-height must be a whole number >= 0');
      throw err;
    }
  })();

  const printTx = (r: WatchTx, verb: 'tx' | 'undone'): void => {
    if (json) return printJson({ event: verb, ...r });
    const parts = [...Object.entries(r.received).map(([a, v]) => `+${formatBtc(BigInt(v))} to ${a}`), ...Object.entries(r.sent).map(([a, v]) => `-${formatBtc(BigInt(v))} from ${a}`)];
    printLine(`${verb === 'undone' ? 'UNDONE (reorg) ' : ''}${r.txid} height ${r.height} (${r.confirmations} conf) block ${r.blockHash.slice(0, 16)}…  ${parts.join(', ')}`);
  };
  const view = new SyncProgressView(progressMode(args.json), log, 'blocks scanned');
  let scanStarted = 0;
  let scanFrom = 0;
  watch.on('progress', (p) => {
    if (scanStarted === 0) {
      scanStarted = performance.now();
      scanFrom = p.height;
    }
    const secs = Math.max(1e-3, (performance.now() - scanStarted) / 1000);
    view.update({ height: p.height, peerHeight: p.tip, headersPerSec: (p.height - scanFrom + 1) / secs, peer: '' });
  });
  watch.on('tx', (r) => printTx(r, 'tx'));
  watch.on('undone', (r) => printTx(r, 'undone'));
  // Unconfirmed payments while following (README: Transactions). --json prints the library's
  // PendingPayment as it is, plus `height` (confirmed) or `by` (conflicted).
  const printPending = (verb: 'pending' | 'confirmed' | 'conflicted' | 'expired', p: PendingPayment, extra: { height?: number; by?: PendingConflict } = {}): void => {
    if (json) return printJson({ event: verb, ...p, ...extra });
    const parts = [...Object.entries(p.received).map(([a, v]) => `+${formatBtc(BigInt(v))} to ${a}`), ...Object.entries(p.sent).map(([a, v]) => `-${formatBtc(BigInt(v))} from ${a}`)];
    const more = [extra.by ? `by ${extra.by.txid}` : '', extra.height !== undefined ? `height ${extra.height}` : extra.by ? `height ${extra.by.height}` : ''].filter(Boolean).join(', ');
    printLine(`${verb.toUpperCase()} ${p.txid} first seen ${p.firstSeen} from ${p.announcedBy.join(', ')}  ${parts.join(', ')}${more ? `  (${more})` : ''}`);
  };
  watch.on('pending', (p) => printPending('pending', p));
  watch.on('confirmed', (p, height) => printPending('confirmed', p, { height }));
  watch.on('conflicted', (p, by) => printPending('conflicted', p, { by }));
  watch.on('expired', (p) => printPending('expired', p));
  watch.on('banned', (peer, why) => {
    if (json) printJson({ event: 'banned', peer, reason: why });
  });
  let firstDone = false;
  watch.on('balances', (b) => {
    if (firstDone) printBalances(b, json, watch.history().length, watch.pendingEnabled);
  });

  const interrupted = new AbortController();
  untilSignal().then(() => interrupted.abort());
  const lostPeers = new Promise<'lost'>((resolve) => client.once('exhausted', () => resolve('lost')));
  try {
    await client.start();
    const first = await watch.scanned({ signal: interrupted.signal });
    firstDone = true;
    view.finish();
    printBalances(first, json, watch.history().length, watch.pendingEnabled);
    if (!args.follow) return EXIT_OK;
    const end = await Promise.race([lostPeers, new Promise<'signal'>((resolve) => interrupted.signal.addEventListener('abort', () => resolve('signal')))]);
    await client.stop();
    printBalances(watch.balances(), json, watch.history().length, watch.pendingEnabled);
    if (end === 'lost') {
      process.stderr.write(`spv: lost every peer; the scan is saved at height ${watch.scannedHeight}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  } catch (err) {
    view.finish();
    if (interrupted.signal.aborted) return EXIT_OK;
    if (err instanceof SyncError && err.code === 'no_reachable_peers') {
      if (json) printJson({ event: 'no_reachable_peers', attempts: err.details.attempts, discovery: err.details.report });
      else writeNoPeersSummary(params.name, err.details.report, err.details.attempts ?? []);
      return EXIT_FAILURE;
    }
    if (err instanceof SyncError && err.code === 'below_minimum_work') {
      if (json) printJson({ event: 'below_minimum_work', height: err.details.summary?.height, lowWorkChains: err.details.summary?.lowWorkChains });
      process.stderr.write(`spv: ${err.message}: not scanning it for payments\n`);
      return EXIT_FAILURE;
    }
    if (err instanceof SpvError && err.code === 'datadir_locked') throw err;
    process.stderr.write(`spv: watch failed: ${errorMessage(err)} (scan saved at height ${watch.scannedHeight})\n`);
    return EXIT_FAILURE;
  } finally {
    await client.stop();
    seen.close();
    log.close();
  }
}

function printBalances(b: Balances, json: boolean, transactions: number, withPending: boolean): void {
  if (json) {
    printJson({ event: 'balances', tip: b.tip, addresses: b.addresses.map((r) => ({ address: r.address, balance: r.balance.toString(), pending: r.pending.toString(), utxos: r.utxos })) });
    return;
  }
  printLine(`\nat height ${b.tip}: ${transactions} transaction(s)`);
  // Confirmed and pending are separate columns (pending only while following).
  const head = ['address', 'confirmed', 'unspent outputs', ...(withPending ? ['pending'] : [])];
  printLine(table([head, ...b.addresses.map((r) => [r.address, formatBtc(r.balance), String(r.utxos.length), ...(withPending ? [formatBtc(r.pending)] : [])])]).replace(/^/gm, '  '));
  for (const r of b.addresses)
    for (const u of r.utxos) printLine(`  ${u.txid}:${u.vout}  ${formatBtc(BigInt(u.value))}  height ${u.height} (${b.tip - u.height + 1} conf)  ${r.address}`);
}
