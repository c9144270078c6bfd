// Implementation of `spv watch`: addresses checked before any traffic; header sync; then a
// compact-filter (or --bloom) scan from the saved height; every relevant transaction printed
// as it is found; balances and unspent outputs; then new blocks as they arrive. State lives in
// the datadir and a restart resumes the scan.
import { hashToDisplay, toHex } from '../../util/bytes.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { decodeAddress } from '../../wallet/address.js';
import { Wallet, formatBtc, type TxRecord, type WatchedScript } from '../../wallet/wallet.js';
import { WatchStore, type WatchStateFile } from '../../wallet/watch-store.js';
import { HeaderSync } from '../../bitcoin/header-sync.js';
import { PeerRequests } from '../../bitcoin/peer-requests.js';
import { FilterScanner } from '../../bitcoin/filter-scan.js';
import { BloomScanner } from '../../bitcoin/bloom-scan.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { WatchArgs } from '../commands/watch.js';
import { untilSignal } from '../signals.js';
import { checkPeerArgs, startPeers, writeNoPeersSummary } from './peers.js';
import { openStore } from './chain-store.js';

function sameWatched(a: readonly WatchedScript[], b: readonly WatchedScript[]): boolean {
  const key = (w: readonly WatchedScript[]): string => w.map((x) => x.script).sort().join(',');
  return key(a) === key(b);
}

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
  let state: WatchStateFile | undefined = ws.readState();
  if (state && (state.network !== params.name || !sameWatched(state.watched, watched) || state.fromHeight !== args['from-height'])) {
    log.info('the watched addresses or --from-height changed: starting a new scan');
    state = undefined;
  }
  const fromHeight = args['from-height'];
  const wallet = new Wallet(watched, state?.wallet);
  let scanHeight = state?.scanHeight ?? fromHeight - 1;
  let filterBase = state?.filterBase ?? 0;
  let filterHeaders = state ? ws.readFilterHeaders() : [];
  // A reorg while we were not running (headers moved under the saved scan): start over.
  if (state && scanHeight >= 0 && (scanHeight > chain.height || hashToDisplay(chain.hashAt(scanHeight)) !== state.scanHash)) {
    log.warn(`the chain changed under the saved scan at height ${scanHeight}: rescanning from ${fromHeight}`);
    wallet.rewindTo(fromHeight - 1);
    scanHeight = fromHeight - 1;
    filterBase = 0;
    filterHeaders = [];
  }
  if (state && scanHeight >= fromHeight) log.info(`resuming the scan after height ${scanHeight} (${wallet.records.length} transactions known)`);

  const emitJson = (event: string, fields: Record<string, unknown>): void => {
    if (args.json) printJson({ event, ...fields });
  };
  const printRecord = (r: TxRecord, verb = 'tx'): void => {
    const confirmations = chain.height - r.height + 1;
    if (args.json) return emitJson(verb, { ...r, confirmations });
    const parts = [...Object.entries(r.received).map(([a, v]) => `+${formatBtc(BigInt(v))} to ${a}`), ...Object.entries(r.sent).map(([a, v]) => `-${formatBtc(BigInt(v))} from ${a}`)];
    printLine(`${verb === 'undone' ? 'UNDONE ' : ''}${r.txid} height ${r.height} (${confirmations} conf) block ${r.blockHash.slice(0, 16)}…  ${parts.join(', ')}`);
  };
  const save = (): void => {
    ws.writeState({
      version: 1,
      network: params.name,
      watched,
      fromHeight,
      scanHeight,
      scanHash: scanHeight >= 0 ? hashToDisplay(chain.hashAt(scanHeight)) : null,
      filterBase,
      wallet: wallet.snapshot(),
    });
  };

  const sync = new HeaderSync({ chain, persist: () => store.flush(), log });
  const requests = new PeerRequests();
  const view = new SyncProgressView(progressMode(args.json), log, 'blocks scanned');
  let scanStarted = 0;
  const onProgress = (p: { height: number; tip: number }): void => {
    const secs = Math.max(1e-3, (performance.now() - scanStarted) / 1000);
    view.update({ height: p.height, peerHeight: p.tip, headersPerSec: (p.height - fromHeight + 1) / secs, peer: '' });
  };
  const storedFilterCount = { n: filterHeaders.length };
  const persistFilters = (base: number, headers: Uint8Array[]): void => {
    if (base !== filterBase) storedFilterCount.n = 0;
    filterBase = base;
    ws.writeFilterHeaders(storedFilterCount.n, headers.slice(storedFilterCount.n));
    storedFilterCount.n = headers.length;
  };
  let scanner: FilterScanner | BloomScanner;
  if (args.bloom) {
    scanner = new BloomScanner(
      chain,
      {
        scripts: () => wallet.scripts(),
        ownedOutpoints: () => wallet.ownedOutpoints(),
        applyTxs: (h, hash, txs) => wallet.applyBlock(h, hash, txs).forEach((r) => printRecord(r)),
        scanned: (h) => {
          scanHeight = h;
          save();
        },
      },
      requests,
      { log, fpRate: args['fp-rate'] },
    );
  } else {
    scanner = new FilterScanner({
      chain,
      requests,
      log,
      filterBase,
      filterHeaders,
      target: {
        scripts: () => wallet.scripts(),
        applyBlock: (h, block) => wallet.applyBlock(h, block.hash, block.txs).forEach((r) => printRecord(r)),
        scanned: (h, fh) => {
          persistFilters(fh.base, fh.headers);
          scanHeight = h;
          save();
        },
      },
    });
  }
  scanner.on('progress', onProgress);
  scanner.on('liar', (peer, why) => emitJson('banned', { peer, reason: why }));

  // Reorg below what we scanned: undo those transactions and rescan from the fork.
  sync.on('reorg', (r) => {
    if (r.forkHeight >= scanHeight) return;
    const undone = wallet.rewindTo(r.forkHeight);
    for (const rec of undone) printRecord(rec, 'undone');
    log.warn(`reorg of depth ${r.depth}: ${undone.length} transaction(s) undone, rescanning from ${r.forkHeight + 1}`);
    if (scanner instanceof FilterScanner) {
      scanner.rewindTo(r.forkHeight);
      storedFilterCount.n = Math.max(0, Math.min(storedFilterCount.n, r.forkHeight - filterBase + 1));
      ws.writeFilterHeaders(storedFilterCount.n, []);
    }
    scanHeight = r.forkHeight;
    save();
  });

  const session = await startPeers(args, params, log, { services: [sync, requests, scanner], startHeight: () => chain.height });
  let code = EXIT_OK;
  let scanning: Promise<void> = Promise.resolve();
  const scanToTip = (): Promise<void> =>
    (scanning = scanning.then(async () => {
      if (scanHeight >= chain.height) return;
      scanStarted = performance.now();
      await scanner.scan(scanHeight + 1);
      view.finish();
    }));
  try {
    const synced = new Promise<'synced'>((resolve) => sync.once('synced', () => resolve('synced')));
    const first = await Promise.race([synced, session.exhausted, untilSignal()]);
    if (Array.isArray(first)) {
      if (args.json) emitJson('no_reachable_peers', { attempts: first, discovery: session.report });
      else writeNoPeersSummary(params.name, session.report, first);
      return EXIT_FAILURE;
    }
    if (first !== 'synced') return EXIT_OK;
    await scanToTip();
    printSummary(wallet, chain.height, args.json ?? false);
    if (!args.follow) return EXIT_OK;
    sync.on('tip', () => {
      scanToTip().catch((err: unknown) => log.error(`scan failed: ${errorMessage(err)}`));
    });
    const end = await Promise.race([session.exhausted, untilSignal()]);
    if (Array.isArray(end)) {
      process.stderr.write(`spv: lost every peer; the scan is saved at height ${scanHeight}\n`);
      code = EXIT_FAILURE;
    }
    await scanning.catch(() => {});
    printSummary(wallet, chain.height, args.json ?? false);
    return code;
  } catch (err) {
    view.finish();
    process.stderr.write(`spv: watch failed: ${errorMessage(err)} (scan saved at height ${scanHeight})\n`);
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
