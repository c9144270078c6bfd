// Implementation of `spv connect`: an SpvClient holding --max-peers connections (replacing
// dropped ones), syncing headers and following the tip (unless --no-sync), with a live peer
// table; Ctrl+C shuts down cleanly.
import { SpvClient, type ConnectedPeer } from '../../index.js';
import { transportLabel } from '../../bitcoin/probe.js';
import { createLogger } from '../logger.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { ConnectArgs } from '../commands/connect.js';
import { untilSignal } from '../signals.js';
import { announceNetwork, clientOptions, writeNoPeersSummary } from './client.js';
import { clientHeights, observeFromArgs } from '../observe.js';

function peerRow(p: ConnectedPeer): string[] {
  return [p.address, transportLabel(p), p.userAgent, String(p.version), String(p.startHeight), formatMs(p.pingMs)];
}

export async function runConnect(args: ConnectArgs): Promise<number> {
  const params = announceNetwork(args);
  const log = createLogger(args['log-level'], args.json);
  const emit = (event: string, fields: Record<string, unknown>): void => {
    if (args.json) printJson({ event, ...fields });
  };
  let client: SpvClient | undefined;
  const seen = await observeFromArgs(args, params, log, clientHeights(() => client));
  client = new SpvClient(clientOptions(args, log, { sync: args.sync, observer: seen.observer }));
  if (args.sync) {
    const view = new SyncProgressView(progressMode(args.json), log);
    client.on('progress', (p) => view.update(p));
    client.on('synced', (x) => {
      view.finish();
      log.info(`synced: height ${x.height} tip ${x.tipHash}`);
      emit('synced', { ...x });
    });
    client.on('tip', (t) => {
      log.info(`new tip ${t.height} ${t.hash} from ${t.peer}`);
      emit('tip', { ...t });
    });
    client.on('reorg', (r) => emit('reorg', { depth: r.depth, forkHeight: r.forkHeight, oldTip: r.oldTip.hash, newTip: r.newTip.hash, peer: r.peer }));
  }
  client.on('discovery', (report) => emit('discovery', { report }));
  client.on('peerConnected', (p) => {
    log.info(`connected ${p.address} over ${transportLabel(p)}: ${p.userAgent} v${p.version} height ${p.startHeight}, handshake ${formatMs(p.handshakeMs)}`);
    emit('peer_connected', { address: p.address, transport: p.transport, transportFallback: p.transportFallback, sessionId: p.sessionId, userAgent: p.userAgent, version: p.version, startHeight: p.startHeight, handshakeMs: p.handshakeMs });
  });
  client.on('pong', (address, rtt) => {
    log.debug(`pong from ${address}: ${formatMs(rtt)}`);
    emit('pong', { address, transport: client.peers().find((p) => p.address === address)?.transport, rttMs: rtt });
  });
  client.on('peerDisconnected', (p) => {
    log.info(`disconnected ${p.address}: ${p.code} (${p.message})`);
    emit('peer_disconnected', { ...p });
  });

  const showStatus = (): void => {
    const peers = client.peers().filter((p) => p.direction === 'outbound');
    const height = args.sync ? client.tip().height : undefined;
    if (args.json) {
      emit('status', { height, peers: peers.map((p) => ({ address: p.address, transport: p.transport, transportFallback: p.transportFallback, sessionId: p.sessionId, userAgent: p.userAgent, pingMs: p.pingMs })) });
      return;
    }
    printLine(`${new Date().toISOString().slice(11, 19)} ${params.name}: ${peers.length}/${args['max-peers']} peers${height !== undefined ? `, headers ${height}` : ''}`);
    if (peers.length > 0) printLine(table([['peer', 'transport', 'agent', 'version', 'height', 'ping'], ...peers.map(peerRow)]).replace(/^/gm, '  '));
  };

  const exhausted = new Promise<'exhausted'>((resolve) => client.once('exhausted', () => resolve('exhausted')));
  await client.start();
  const statusTimer = setInterval(showStatus, Math.max(200, args['status-interval']));
  const timeUp = new Promise<'duration'>((resolve) => {
    if (args.duration !== undefined) setTimeout(() => resolve('duration'), args.duration).unref();
  });
  const outcome = await Promise.race([exhausted, untilSignal(), timeUp]);

  clearInterval(statusTimer);
  let code = EXIT_OK;
  if (outcome === 'exhausted') {
    code = EXIT_FAILURE;
    if (args.json) emit('no_reachable_peers', { attempts: client.dialAttempts, discovery: client.discoveryReport });
    else writeNoPeersSummary(params.name, client.discoveryReport, client.dialAttempts);
  } else {
    showStatus();
    log.info(`${outcome}: closing ${client.peers().length} connection(s)`);
  }
  await client.stop();
  seen.close();
  log.close();
  return code;
}
