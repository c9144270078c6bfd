// Implementation of `spv connect`: hold --max-peers connections (replacing dropped ones),
// sync headers and follow the tip (unless --no-sync), print a live status, clean Ctrl+C.
import { formatHostPort } from '../../util/address.js';
import { HeaderSync } from '../../bitcoin/header-sync.js';
import type { BitcoinPeer, PeerService } from '../../bitcoin/protocol.js';
import type { HeaderStore } from '../../chain/header-store.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { progressMode, SyncProgressView } from '../progress.js';
import type { ConnectArgs } from '../commands/connect.js';
import { untilSignal } from '../signals.js';
import { checkPeerArgs, startPeers, writeNoPeersSummary } from './peers.js';
import { openStore } from './chain-store.js';
import { loadHints } from './hints.js';

function peerRow(p: BitcoinPeer): string[] {
  const r = p.state.remote;
  return [formatHostPort(p.address), r?.userAgent ?? '?', String(r?.version ?? '?'), String(r?.startHeight ?? '?'), formatMs(p.state.ping.lastRtt)];
}

export async function runConnect(args: ConnectArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  checkPeerArgs(args);
  const log = createLogger(args['log-level'], args.json);
  const emit = (event: string, fields: Record<string, unknown>): void => {
    if (args.json) printJson({ event, ...fields });
  };

  let store: HeaderStore | undefined;
  const services: PeerService[] = [];
  let sync: HeaderSync | undefined;
  if (args.sync) {
    store = openStore(params, args.datadir, log);
    const s = store;
    sync = new HeaderSync({ chain: s.chain, persist: () => s.flush(), log, hints: loadHints(args.hints, params, log) });
    const view = new SyncProgressView(progressMode(args.json), log);
    sync.on('progress', (p) => view.update(p));
    sync.on('synced', (x) => {
      view.finish();
      log.info(`synced: height ${x.height} tip ${x.tipHash}`);
      emit('synced', { ...x });
    });
    sync.on('tip', (height, hash, peer) => {
      log.info(`new tip ${height} ${hash} from ${peer}`);
      emit('tip', { height, hash, peer });
    });
    sync.on('reorg', (r, peer) => emit('reorg', { depth: r.depth, forkHeight: r.forkHeight, oldTip: r.oldTip.hashHex, newTip: r.newTip.hashHex, peer }));
    services.push(sync);
  }
  const session = await startPeers(args, params, log, { services, startHeight: () => store?.chain.height ?? 0 });
  const { node, connector, report } = session;
  emit('discovery', { report });
  node.protocol.on('ready', (p) => {
    const r = p.state.remote;
    log.info(`connected ${p.label}: ${r?.userAgent} v${r?.version} height ${r?.startHeight}, handshake ${formatMs(p.state.handshakeMs)}`);
    emit('peer_connected', { address: formatHostPort(p.address), userAgent: r?.userAgent, version: r?.version, startHeight: r?.startHeight, handshakeMs: p.state.handshakeMs });
  });
  node.protocol.on('pong', (p, rtt) => {
    log.debug(`pong from ${p.label}: ${formatMs(rtt)}`);
    emit('pong', { address: formatHostPort(p.address), rttMs: rtt });
  });
  node.manager.on('disconnected', (p, why) => {
    if (!p.established) return;
    log.info(`disconnected ${p.label}: ${why.code} (${why.message})`);
    emit('peer_disconnected', { address: formatHostPort(p.address), code: why.code, message: why.message });
  });

  const showStatus = (): void => {
    const peers = connector.outboundPeers.filter((p) => p.established);
    const height = store?.chain.height;
    if (args.json) {
      emit('status', { height, peers: peers.map((p) => ({ address: formatHostPort(p.address), userAgent: p.state.remote?.userAgent, pingMs: p.state.ping.lastRtt })) });
      return;
    }
    printLine(`${new Date().toISOString().slice(11, 19)} ${params.name}: ${peers.length}/${args['max-peers']} peers${height !== undefined ? `, headers ${height}` : ''}`);
    if (peers.length > 0) printLine(table([['peer', 'agent', 'version', 'height', 'ping'], ...peers.map(peerRow)]).replace(/^/gm, '  '));
  };
  const statusTimer = setInterval(showStatus, Math.max(200, args['status-interval']));

  const timeUp = new Promise<'duration'>((resolve) => {
    if (args.duration !== undefined) setTimeout(() => resolve('duration'), args.duration).unref();
  });
  const outcome = await Promise.race([session.exhausted, untilSignal(), timeUp]);

  clearInterval(statusTimer);
  connector.stop();
  let code = EXIT_OK;
  if (Array.isArray(outcome)) {
    code = EXIT_FAILURE;
    if (args.json) emit('no_reachable_peers', { attempts: outcome, discovery: report });
    else writeNoPeersSummary(params.name, report, outcome);
  } else {
    showStatus();
    log.info(`${outcome}: closing ${node.manager.peers.length} connection(s)`);
  }
  await node.manager.close();
  store?.close();
  log.close();
  return code;
}
