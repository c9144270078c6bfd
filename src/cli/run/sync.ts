// Implementation of `spv sync`: open the store, find peers, sync headers until every peer
// has told us all it has, print a summary. Exit 1 with the reason when that cannot happen.
import { HeaderSync } from '../../bitcoin/header-sync.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { SyncArgs } from '../commands/sync.js';
import { untilSignal } from '../signals.js';
import { checkPeerArgs, startPeers, writeNoPeersSummary } from './peers.js';
import { openStore } from './chain-store.js';
import { loadHints } from './hints.js';

export async function runSync(args: SyncArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  checkPeerArgs(args);
  const log = createLogger(args['log-level'], args.json);
  const store = openStore(params, args.datadir, log);
  const chain = store.chain;
  const hints = loadHints(args.hints, params, log);
  const sync = new HeaderSync({ chain, persist: () => store.flush(), log, responseTimeoutMs: args['stall-timeout'], hints });
  const view = new SyncProgressView(progressMode(args.json), log);
  sync.on('progress', (p) => view.update(p));
  sync.on('reorg', (r, peer) => {
    if (args.json) printJson({ event: 'reorg', depth: r.depth, forkHeight: r.forkHeight, oldTip: r.oldTip.hashHex, newTip: r.newTip.hashHex, peer });
  });
  const session = await startPeers(args, params, log, { services: [sync], startHeight: () => chain.height });
  try {
    const synced = new Promise<'synced'>((resolve) => sync.once('synced', () => resolve('synced')));
    const outcome = await Promise.race([synced, session.exhausted, untilSignal()]);
    view.finish();
    const s = sync.summary();
    if (outcome === 'synced') {
      if (args.json) printJson({ event: 'synced', network: params.name, ...s });
      else {
        printLine(`synced ${params.name} headers`);
        printLine(
          table([
            ['height', String(s.height)],
            ['tip', s.tipHash],
            ['headers received', `${s.headersReceived} in ${s.seconds.toFixed(2)} s (${Math.round(s.headersPerSec)}/s)`],
            ['peers used', s.peersUsed.join(', ') || '(none: already at their tip)'],
            ['chain work', s.belowMinimumWork ? 'BELOW the network minimum: not trusted' : 'at or above the network minimum'],
          ]).replace(/^/gm, '  '),
        );
      }
      if (s.belowMinimumWork) {
        process.stderr.write(`spv: the peers' best chain (height ${s.height}) has less work than ${params.name}'s minimum chain work; not treating it as synced\n`);
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    }
    if (Array.isArray(outcome)) {
      if (args.json) printJson({ event: 'no_reachable_peers', attempts: outcome, discovery: session.report, height: s.height });
      else writeNoPeersSummary(params.name, session.report, outcome);
      return EXIT_FAILURE;
    }
    log.info(`${outcome}: stopped at height ${s.height}`);
    return EXIT_FAILURE;
  } finally {
    session.connector.stop();
    await session.node.manager.close();
    store.close();
    log.close();
  }
}
