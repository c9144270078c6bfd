// Implementation of `spv connect`: discovery, an OutboundConnector holding --max-peers
// connections, addresses learned from peers as replacements, a live status, clean Ctrl+C.
import { formatHostPort, parseHostPort } from '../../util/address.js';
import { UsageError } from '../../util/errors.js';
import { discoverPeers, type Candidate } from '../../discovery/discover.js';
import { createDnsLookup } from '../../discovery/dns.js';
import { createBitcoinNode } from '../../bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../bitcoin/address-relay.js';
import { OutboundConnector, type DialAttempt } from '../../bitcoin/outbound.js';
import type { BitcoinPeer } from '../../bitcoin/protocol.js';
import { createLogger } from '../logger.js';
import { resolveNetwork } from '../network-options.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { ConnectArgs } from '../commands/connect.js';
import { untilSignal } from '../signals.js';

function sourceLabel(c: Candidate): string {
  switch (c.source.kind) {
    case 'dns':
      return `dns ${c.source.seed}`;
    case 'fixed':
      return 'fixed seed';
    case 'manual':
      return 'manual';
  }
}

function peerRow(p: BitcoinPeer): string[] {
  const r = p.state.remote;
  return [formatHostPort(p.address), r?.userAgent ?? '?', String(r?.version ?? '?'), String(r?.startHeight ?? '?'), formatMs(p.state.ping.lastRtt)];
}

export async function runConnect(args: ConnectArgs): Promise<number> {
  const params = resolveNetwork(args);
  if (params.deprecation) process.stderr.write(`Warning: ${params.deprecation}\n`);
  const maxPeers = args['max-peers'];
  if (!Number.isInteger(maxPeers) || maxPeers < 1) throw new UsageError('bad_max_peers', '--max-peers must be a positive integer');
  if (!(args.timeout > 0)) throw new UsageError('bad_timeout', '--timeout must be a positive number of ms');
  const manual = (args.connect ?? []).map((a) => parseHostPort(a, params.defaultPort));
  const log = createLogger(args['log-level'], args.json);
  const emit = (event: string, fields: Record<string, unknown>): void => {
    if (args.json) printJson({ event, ...fields });
  };

  // Core: -connect means "only these", no DNS seeding and no automatic connections.
  const lookup = manual.length === 0 && args.dns ? createDnsLookup({ server: args['dns-server'] }) : undefined;
  const { candidates, report } = await discoverPeers({
    network: params,
    manual,
    noDns: manual.length > 0 || !args.dns,
    lookup,
    seedsFile: manual.length > 0 ? undefined : args['seeds-file'],
    minDnsCandidates: undefined,
    log,
  }).then((r) => (manual.length > 0 ? { ...r, candidates: r.candidates.filter((c) => c.source.kind === 'manual') } : r));
  for (const s of report.dns) log.info(`dns seed ${s.seed}: ${s.addresses.length} addresses in ${Math.round(s.durationMs)} ms${s.error ? ` (${s.error.message})` : ''}`);
  log.info(`discovery: ${candidates.length} candidates (dns ${report.dnsAddresses}, fixed seeds ${report.fixed.use}, manual ${report.manual})`);
  emit('discovery', { report });

  const node = createBitcoinNode({ params, log, handshakeTimeoutMs: args.timeout, connectTimeoutMs: args.timeout });
  const connector = new OutboundConnector(node, maxPeers);
  const known = new KnownAddresses();
  node.protocol.use(
    new AddressRelay({
      known,
      requestFromOutbound: manual.length === 0,
      onLearned: (_peer, addrs) => {
        if (manual.length > 0) return;
        connector.add(addrs.slice(0, 100).map((a) => ({ address: { host: a.host, port: a.port }, source: 'addr gossip' })));
      },
    }),
  );
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
    if (args.json) {
      emit('status', { peers: peers.map((p) => ({ address: formatHostPort(p.address), userAgent: p.state.remote?.userAgent, pingMs: p.state.ping.lastRtt })) });
      return;
    }
    printLine(`${new Date().toISOString().slice(11, 19)} ${params.name}: ${peers.length}/${maxPeers} peers`);
    if (peers.length > 0) printLine(table([['peer', 'agent', 'version', 'height', 'ping'], ...peers.map(peerRow)]).replace(/^/gm, '  '));
  };
  const statusTimer = setInterval(showStatus, Math.max(200, args['status-interval']));

  const exhausted = new Promise<DialAttempt[]>((resolve) => connector.once('exhausted', resolve));
  const timeUp = new Promise<'duration'>((resolve) => {
    if (args.duration !== undefined) setTimeout(() => resolve('duration'), args.duration).unref();
  });
  const labelOf = new Map(candidates.map((c) => [formatHostPort(c), sourceLabel(c)]));
  connector.add(candidates.map((c) => ({ address: { host: c.host, port: c.port }, source: labelOf.get(formatHostPort(c)) ?? '' })));
  const outcome = candidates.length === 0 ? [] : await Promise.race([exhausted, untilSignal(), timeUp]);

  clearInterval(statusTimer);
  connector.stop();
  let code = EXIT_OK;
  if (Array.isArray(outcome)) {
    code = EXIT_FAILURE;
    const attempts = outcome;
    if (args.json) emit('no_reachable_peers', { attempts, discovery: report });
    else {
      process.stderr.write(`spv: no reachable peers on ${params.name}: tried ${attempts.length} address(es)\n`);
      for (const s of report.dns) process.stderr.write(`  dns seed ${s.seed}: ${s.error ? s.error.message : `${s.addresses.length} addresses`}\n`);
      if (report.dnsSkipped) process.stderr.write(`  dns: skipped (${report.dnsSkipped})\n`);
      process.stderr.write(`  fixed seeds: ${report.fixed.file} (${report.fixed.use}${report.fixed.addresses !== undefined ? `, ${report.fixed.addresses} addresses` : ''})\n`);
      for (const a of attempts.slice(0, 50)) process.stderr.write(`  ${a.address} [${a.source}]: ${a.outcome}\n`);
      if (attempts.length > 50) process.stderr.write(`  ... and ${attempts.length - 50} more\n`);
    }
  } else {
    showStatus();
    log.info(`${outcome}: closing ${node.manager.peers.length} connection(s)`);
  }
  await node.manager.close();
  log.close();
  return code;
}
