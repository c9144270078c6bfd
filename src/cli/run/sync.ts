// Implementation of `spv sync`: an SpvClient until headers are synced with every peer, then a
// summary. Exit 1 with the reason when no peer is reachable or the chain is below the
// network's minimum chain work.
import { SpvClient, SyncError, type SyncSummary } from '../../index.js';
import { createLogger } from '../logger.js';
import { printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { SyncArgs } from '../commands/sync.js';
import { untilSignal } from '../signals.js';
import { announceNetwork, clientOptions, writeNoPeersSummary } from './client.js';
import { clientHeights, observeFromArgs } from '../observe.js';

export async function runSync(args: SyncArgs): Promise<number> {
  const params = announceNetwork(args);
  const log = createLogger(args['log-level'], args.json);
  let client: SpvClient | undefined;
  const seen = await observeFromArgs(args, params, log, clientHeights(() => client));
  client = new SpvClient(clientOptions(args, log, { stallTimeoutMs: args['stall-timeout'], observer: seen.observer }));
  const view = new SyncProgressView(progressMode(args.json), log);
  client.on('progress', (p) => view.update(p));
  client.on('reorg', (r) => {
    if (args.json) printJson({ event: 'reorg', depth: r.depth, forkHeight: r.forkHeight, oldTip: r.oldTip.hash, newTip: r.newTip.hash, peer: r.peer });
  });
  const interrupted = new AbortController();
  untilSignal().then(() => interrupted.abort());
  try {
    await client.start();
    await client.synced({ signal: interrupted.signal });
    view.finish();
    printSummary(client.syncSummary() as SyncSummary, params.name, args.json);
    return EXIT_OK;
  } catch (err) {
    view.finish();
    if (!(err instanceof SyncError)) {
      if (interrupted.signal.aborted) {
        log.info(`interrupted: stopped at height ${client.syncSummary()?.height ?? 0}`);
        return EXIT_FAILURE;
      }
      throw err;
    }
    if (err.code === 'below_minimum_work' && err.details.summary) {
      printSummary(err.details.summary, params.name, args.json);
      process.stderr.write(`spv: ${err.message}; not treating it as synced\n`);
    } else if (err.code === 'no_reachable_peers') {
      if (args.json) printJson({ event: 'no_reachable_peers', attempts: err.details.attempts, discovery: err.details.report, height: client.syncSummary()?.height });
      else writeNoPeersSummary(params.name, err.details.report, err.details.attempts ?? []);
    } else process.stderr.write(`spv: ${err.message}\n`);
    return EXIT_FAILURE;
  } finally {
    await client.stop();
    seen.close();
    log.close();
  }
}

function printSummary(s: SyncSummary, network: string, json: boolean | undefined): void {
  if (json) {
    printJson({ event: 'synced', network, ...s });
    return;
  }
  printLine(`synced ${network} headers`);
  printLine(
    table([
      ['height', String(s.height)],
      ['tip', s.tipHash],
      ['headers received', `${s.headersReceived} in ${s.seconds.toFixed(2)} s (${Math.round(s.headersPerSec)}/s)`],
      ['peers used', s.peersUsed.join(', ') || (s.lowWorkChains.length > 0 ? '(none: their chains had too little work to store)' : '(none: already at their tip)')],
      ['chain work', s.belowMinimumWork ? 'BELOW the network minimum: not trusted' : 'at or above the network minimum'],
    ]).replace(/^/gm, '  '),
  );
}
