// Implementation of `spv demo`: starts local regtest peers on 127.0.0.1, writes a seeds
// file naming them (plus one closed port, to show a failed dial), and runs the client
// against them, narrating each step. Exits 0 with a summary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { formatHostPort, type PeerAddress } from '../../util/address.js';
import { NETWORKS, type NetworkParams } from '../../params/networks.js';
import { discoverPeers } from '../../discovery/discover.js';
import { createBitcoinNode, type BitcoinNode } from '../../bitcoin/node.js';
import { OutboundConnector } from '../../bitcoin/outbound.js';
import { HeaderSync, type SyncSummary } from '../../bitcoin/header-sync.js';
import { startLocalPeer, type LocalPeer } from '../../bitcoin/local-chain.js';
import { transportLabel } from '../../bitcoin/probe.js';
import { LocalBlockChain } from '../../bitcoin/local-blocks.js';
import { Watcher } from '../../bitcoin/watcher.js';
import { WatchStore } from '../../wallet/watch-store.js';
import { formatBtc, type WatchedScript } from '../../wallet/wallet.js';
import { encodeAddress } from '../../wallet/address.js';
import { p2wpkhScript } from '../../tx/builder.js';
import { HeaderStore } from '../../chain/header-store.js';
import { SyncProgressView } from '../progress.js';
import type { BitcoinPeer } from '../../bitcoin/protocol.js';
import { createLogger } from '../logger.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { DemoArgs } from '../commands/demo.js';

const DEMO_TIMEOUT_MS = 15_000;
/** Blocks the local peers serve (regtest, real proof of work, generated at start). */
const DEMO_BLOCKS = 3_000;

/** The address the demo watches (a P2WPKH of a fixed key hash). */
function demoAddress(params: NetworkParams): { address: string; script: Uint8Array; watched: WatchedScript } {
  const script = p2wpkhScript(new Uint8Array(20).fill(0xd3));
  const address = encodeAddress(script, params);
  return { address, script, watched: { address, script: Buffer.from(script).toString('hex') } };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function runDemo(args: DemoArgs): Promise<number> {
  const params = NETWORKS.regtest;
  const json = args.json ?? false;
  const log = createLogger(args['log-level'] === 'info' ? 'warn' : args['log-level'], json);
  const say = (step: string, text: string, fields: Record<string, unknown> = {}): void => {
    if (json) printJson({ step, text, ...fields });
    else printLine(`${step.padEnd(10)} ${text}`);
  };
  const servers: LocalPeer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'spv-demo-'));
  let client: BitcoinNode | undefined;
  try {
    // 1. Local peers, serving one generated regtest chain of blocks that pay and spend from
    //    the demo's address, with BIP158 filters.
    const watched = demoAddress(params);
    const chain = LocalBlockChain.generate(params, {
      blocks: DEMO_BLOCKS,
      seed: 'demo',
      payments: [
        { kind: 'pay', script: watched.script, amount: 125_000_000n, height: 1200 },
        { kind: 'pay', script: watched.script, amount: 30_000_000n, height: 2100 },
        { kind: 'spend', script: watched.script, amount: 50_000_000n, height: 2500 },
      ],
    });
    const addrs: PeerAddress[] = [];
    for (let i = 0; i < Math.max(1, args.peers); i++) {
      // The first peer speaks BIP324 v2 beside v1 (and says so with NODE_P2P_V2); the others are
      // v1-only, like nodes older than Core 26: the client picks the transport per peer.
      const peer = await startLocalPeer(chain, { log, userAgent: `/spv-serve:0.1.0/demo-${i + 1}/`, v2transport: i === 0 });
      addrs.push({ host: peer.host, port: peer.port });
      servers.push(peer);
    }
    say('peers', `started ${servers.length} local ${params.name} peer(s) serving ${chain.height} blocks with filters: ${addrs.map(formatHostPort).join(', ')}`);

    // 2. Discovery.
    const dead = { host: '127.0.0.1', port: await closedPort() };
    const seedsFile = join(dir, 'seeds.txt');
    writeFileSync(seedsFile, `# demo seeds: local peers and one closed port\n${[...addrs, dead].map(formatHostPort).join('\n')}\n`);
    const { candidates, report } = await discoverPeers({ network: params, seedsFile, noDns: params.dnsSeeds.length === 0, log });
    say('discovery', `${params.name} has no DNS seeds (as in Bitcoin Core); fixed seeds from ${seedsFile}: ${report.fixed.addresses} address(es), ${candidates.length} candidate(s) after dedupe+shuffle`);

    // 3. Handshakes.
    const datadir = join(dir, 'datadir');
    let store = HeaderStore.open({ datadir, params, log });
    const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush(), log });
    const watchStore = new WatchStore(datadir);
    const watcher = new Watcher({ params, chain: store.chain, sync, store: watchStore, watched: [watched.watched], fromHeight: 0, log });
    const view = new SyncProgressView(json ? 'json' : process.stdout.isTTY ? 'bar' : 'lines', log);
    let lastShown = 0;
    sync.on('progress', (p) => {
      if (!json && !process.stdout.isTTY) {
        if (p.height - lastShown >= 2000 || p.height === p.peerHeight) say('sync', `headers ${p.height}/${p.peerHeight} from ${p.peer}`);
        lastShown = p.height;
      } else view.update(p);
    });
    const synced = new Promise<SyncSummary>((resolve) => sync.once('synced', resolve));
    client = createBitcoinNode({ params, log, handshakeTimeoutMs: DEMO_TIMEOUT_MS, connectTimeoutMs: DEMO_TIMEOUT_MS, startHeight: () => store.chain.height, v2transport: true });
    client.protocol.use(sync);
    for (const s of watcher.services) client.protocol.use(s);
    const connector = new OutboundConnector(client, candidates.length);
    const ready: BitcoinPeer[] = [];
    const allTried = new Promise<void>((resolve) => {
      const check = (): void => {
        if (connector.history.length >= candidates.length) resolve();
      };
      client!.protocol.on('ready', (p) => {
        ready.push(p);
        const r = p.state.remote;
        const session = p.sessionId ? ` session ${p.sessionId}` : '';
        say('handshake', `${formatHostPort(p.address)}: ${transportLabel(p)}${session}, version ${r?.version}, agent ${r?.userAgent}, services 0x${r?.services.toString(16)}, wtxidrelay ${p.state.wtxidRelay ? 'yes' : 'no'}, sendaddrv2 ${p.state.sendAddrV2 ? 'yes' : 'no'}, ${formatMs(p.state.handshakeMs)}`, { transport: p.transport, sessionId: p.sessionId ?? null });
        setImmediate(check);
      });
      client!.manager.on('disconnected', () => setImmediate(check));
      const poll = setInterval(() => {
        check();
      }, 50);
      poll.unref();
    });
    // The demo started these peers, so it knows their services (as addrman would from gossip):
    // the one offering NODE_P2P_V2 gets a v2 connection (Core's rule for automatic outbound).
    const servicesOf = (host: string, port: number): bigint | undefined => servers.find((s) => s.host === host && s.port === port)?.services;
    connector.add(candidates.map((c) => ({ address: { host: c.host, port: c.port }, source: c.source.kind, services: servicesOf(c.host, c.port) })));
    await withTimeout(allTried, DEMO_TIMEOUT_MS, 'handshakes');
    for (const a of connector.history.filter((h) => h.outcome !== 'connected')) say('handshake', `${a.address}: ${a.outcome}`);

    // 4. Ping/pong: the first ping goes out right after each handshake.
    const pongs = await withTimeout(
      Promise.all(
        ready.map(
          (p) =>
            new Promise<number>((resolve) => {
              if (p.state.ping.lastRtt !== undefined) return resolve(p.state.ping.lastRtt);
              const on = (q: BitcoinPeer, rtt: number): void => {
                if (q !== p) return;
                client!.protocol.off('pong', on);
                resolve(rtt);
              };
              client!.protocol.on('pong', on);
            }),
        ),
      ),
      DEMO_TIMEOUT_MS,
      'pongs',
    );
    ready.forEach((p, i) => say('ping', `${formatHostPort(p.address)}: pong with matching nonce after ${formatMs(pongs[i])}`));

    // 5. The toy gossip network, on the same connection layer (while headers sync).
    const { runToyNetwork } = await import('../../toy/index.js');
    const toy = await runToyNetwork({ nodes: 5, topology: 'ring', blocks: 3, difficulty: 2, log });
    for (const b of toy.blocks)
      say('toy', `block ${b.height} mined at node ${b.miner} reached ${b.reached}/${toy.nodes} nodes in ${formatMs(b.spreadMs)} (${b.messages} messages, ${b.duplicates} duplicates dropped)`);
    const tip = toy.tips[0];
    say('toy', `${toy.nodes}-node ${toy.topology}: ${toy.converged ? 'converged' : 'NOT converged'} on height ${tip?.height} ${tip?.hash.slice(0, 16)}...`);

    // 6. Header sync (headers-first, getheaders/headers in batches of 2,000), persisted.
    const summary = await withTimeout(synced, DEMO_TIMEOUT_MS, 'header sync');
    view.finish();
    say('sync', `synced ${summary.headersReceived} headers in ${summary.seconds.toFixed(2)} s (${Math.round(summary.headersPerSec)}/s) from ${summary.peersUsed.join(', ')}; tip ${summary.height} ${summary.tipHash.slice(0, 16)}...`);

    // 7. Last, watch an address with compact block filters (BIP157/158).
    const found: string[] = [];
    watcher.on('tx', (r) => {
      const parts = [...Object.entries(r.received).map(([, v]) => `+${formatBtc(BigInt(v))}`), ...Object.entries(r.sent).map(([, v]) => `-${formatBtc(BigInt(v))}`)];
      found.push(`height ${r.height}: ${r.txid.slice(0, 16)}... ${parts.join(' ')}`);
    });
    const scanStart = performance.now();
    await withTimeout(watcher.scanToTip(), DEMO_TIMEOUT_MS, 'filter scan');
    say('watch', `scanned ${chain.height} compact filters for ${watched.address} in ${((performance.now() - scanStart) / 1000).toFixed(2)} s`);
    for (const f of found) say('watch', f);
    const balance = watcher.wallet.balance(watched.address);
    say('watch', `balance ${formatBtc(balance)} in ${watcher.wallet.unspent(watched.address).length} unspent output(s)`);
    const watchOk = balance === chain.balanceOf(watched.script) && found.length === 3;
    await client.manager.close();
    await watcher.idle();
    watchStore.close();
    store.close();
    store = HeaderStore.open({ datadir, params, log });
    say('sync', `reopened the datadir: height ${store.chain.height}, tip matches: ${store.chain.tip.hashHex === chain.headers.tip.hashHex ? 'yes' : 'NO'}`);
    const syncOk = store.chain.tip.hashHex === chain.headers.tip.hashHex && watchOk;
    store.close();

    // Summary.
    const ok = ready.length === servers.length && toy.converged && syncOk;
    if (json) printJson({ step: 'summary', ok, peers: ready.length, tried: connector.history.length, headers: summary.height, balanceSats: balance.toString(), toyConverged: toy.converged });
    else {
      printLine('');
      printLine(
        table([
          ['peer', 'transport', 'agent', 'handshake', 'ping'],
          ...ready.map((p, i) => [formatHostPort(p.address), transportLabel(p), p.state.remote?.userAgent ?? '?', formatMs(p.state.handshakeMs), formatMs(pongs[i])]),
        ]),
      );
      printLine('');
      printLine(`demo ${ok ? 'complete' : 'FAILED'}: ${ready.length}/${servers.length} local peers reached, ${connector.history.length - ready.length} unreachable address(es) handled; ${summary.height} headers synced and stored; address watched (balance ${formatBtc(balance)}); toy network ${toy.converged ? 'converged' : 'did not converge'}`);
    }
    return ok ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await client?.manager.close();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
    log.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`demo: ${what} did not finish within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
