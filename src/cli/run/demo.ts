// Implementation of `spv demo`: starts local regtest peers on 127.0.0.1, writes a seeds
// file naming them (plus one closed port, to show a failed dial), and runs the client
// against them, narrating each step. Exits 0 with a summary.
import { closedPort } from '../../net/closed-port.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHostPort, type PeerAddress } from '../../util/address.js';
import { NETWORKS, type NetworkParams } from '../../params/networks.js';
import { discoverPeers, formatBtc, SpvClient, ToyNetwork, type ConnectedPeer, type SyncSummary } from '../../index.js';
import { startLocalPeer, type LocalPeer } from '../../bitcoin/local-chain.js';
import { LocalBlockChain } from '../../bitcoin/local-blocks.js';
import { encodeAddress } from '../../wallet/address.js';
import { p2wpkhScript } from '../../tx/builder.js';
import { HeaderStore } from '../../chain/header-store.js';
import { SyncProgressView } from '../progress.js';
import { createLogger } from '../logger.js';
import { formatMs, printJson, printLine, table } from '../output.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import type { DemoArgs } from '../commands/demo.js';

const DEMO_TIMEOUT_MS = 15_000;
/** Blocks the local peers serve (regtest, real proof of work, generated at start). */
const DEMO_BLOCKS = 3_000;

/** The address the demo watches (a P2WPKH of a fixed key hash). */
function demoAddress(params: NetworkParams): { address: string; script: Uint8Array } {
  const script = p2wpkhScript(new Uint8Array(20).fill(0xd3));
  return { address: encodeAddress(script, params), script };
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
  let client: SpvClient | undefined;
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
      const peer = await startLocalPeer(chain, { log, userAgent: `/spv-serve:0.1.0/demo-${i + 1}/` });
      addrs.push({ host: peer.host, port: peer.port });
      servers.push(peer);
    }
    say('peers', `started ${servers.length} local ${params.name} peer(s) serving ${chain.height} blocks with filters: ${addrs.map(formatHostPort).join(', ')}`);

    // 2. Discovery.
    const dead = { host: '127.0.0.1', port: await closedPort() };
    const seedsFile = join(dir, 'seeds.txt');
    writeFileSync(seedsFile, `# demo seeds: local peers and one closed port\n${[...addrs, dead].map(formatHostPort).join('\n')}\n`);
    const { peers: candidates, report } = await discoverPeers({ network: 'regtest', seedsFile, dns: false, log });
    say('discovery', `${params.name} has no DNS seeds (as in Bitcoin Core); fixed seeds from ${seedsFile}: ${report.fixed.addresses} address(es), ${candidates.length} candidate(s) after dedupe+shuffle`);

    // 3. Handshakes: a light client (the library's SpvClient) on the seeds file, watching the
    //    demo's address with compact filters.
    const datadir = join(dir, 'datadir');
    client = new SpvClient({ network: 'regtest', datadir, seedsFile, dns: false, maxPeers: candidates.length, timeoutMs: DEMO_TIMEOUT_MS, log });
    const watch = client.watch([watched.address], { fromHeight: 0, follow: false });
    const view = new SyncProgressView(json ? 'json' : process.stdout.isTTY ? 'bar' : 'lines', log);
    let lastShown = 0;
    client.on('progress', (p) => {
      if (!json && !process.stdout.isTTY) {
        if (p.height - lastShown >= 2000 || p.height === p.peerHeight) say('sync', `headers ${p.height}/${p.peerHeight} from ${p.peer}`);
        lastShown = p.height;
      } else view.update(p);
    });
    const ready: ConnectedPeer[] = [];
    const pongs = new Map<string, number>();
    client.on('peerConnected', (p) => {
      ready.push(p);
      say('handshake', `${p.address}: version ${p.version}, agent ${p.userAgent}, services 0x${p.services.toString(16)}, wtxidrelay ${p.wtxidRelay ? 'yes' : 'no'}, sendaddrv2 ${p.sendAddrV2 ? 'yes' : 'no'}, ${formatMs(p.handshakeMs)}`);
    });
    client.on('pong', (address, rtt) => {
      if (!pongs.has(address)) pongs.set(address, rtt);
    });
    const found: string[] = [];
    watch.on('tx', (r) => {
      const parts = [...Object.values(r.received).map((v) => `+${formatBtc(BigInt(v))}`), ...Object.values(r.sent).map((v) => `-${formatBtc(BigInt(v))}`)];
      found.push(`height ${r.height}: ${r.txid.slice(0, 16)}... ${parts.join(' ')}`);
    });
    let syncedAt = 0;
    let scannedAt = 0;
    client.once('synced', () => (syncedAt = performance.now()));
    watch.once('balances', () => (scannedAt = performance.now()));
    const c = client;
    await c.start();
    await waitFor(() => c.dialAttempts.length >= candidates.length, DEMO_TIMEOUT_MS, 'handshakes');
    for (const a of c.dialAttempts.filter((h) => h.outcome !== 'connected')) say('handshake', `${a.address}: ${a.outcome}`);

    // 4. Ping/pong: the first ping goes out right after each handshake.
    await waitFor(() => ready.every((p) => pongs.has(p.address)), DEMO_TIMEOUT_MS, 'pongs');
    for (const p of ready) say('ping', `${p.address}: pong with matching nonce after ${formatMs(pongs.get(p.address))}`);

    // 5. The toy gossip network, on the same connection layer (while headers sync).
    const toy = await ToyNetwork.run({ nodes: 5, topology: 'ring', blocks: 3, difficulty: 2, log });
    for (const b of toy.blocks)
      say('toy', `block ${b.height} mined at node ${b.miner} reached ${b.reached}/${toy.nodes} nodes in ${formatMs(b.spreadMs)} (${b.messages} messages, ${b.duplicates} duplicates dropped)`);
    const tip = toy.tips[0];
    say('toy', `${toy.nodes}-node ${toy.topology}: ${toy.converged ? 'converged' : 'NOT converged'} on height ${tip?.height} ${tip?.hash.slice(0, 16)}...`);

    // 6. Header sync (headers-first, getheaders/headers in batches of 2,000), persisted.
    await withTimeout(c.synced(), DEMO_TIMEOUT_MS, 'header sync');
    view.finish();
    const summary = c.syncSummary() as SyncSummary;
    say('sync', `synced ${summary.headersReceived} headers in ${summary.seconds.toFixed(2)} s (${Math.round(summary.headersPerSec)}/s) from ${summary.peersUsed.join(', ')}; tip ${summary.height} ${summary.tipHash.slice(0, 16)}...`);

    // 7. Last, the address watch with compact block filters (BIP157/158), which began once
    //    the headers were synced.
    const balances = await withTimeout(watch.scanned(), DEMO_TIMEOUT_MS, 'filter scan');
    say('watch', `scanned ${chain.height} compact filters for ${watched.address} in ${((scannedAt - syncedAt) / 1000).toFixed(2)} s (the scan began when the headers were synced)`);
    for (const f of found) say('watch', f);
    const balance = balances.addresses[0]?.balance ?? 0n;
    say('watch', `balance ${formatBtc(balance)} in ${balances.addresses[0]?.utxos.length ?? 0} unspent output(s)`);
    const watchOk = balance === chain.balanceOf(watched.script) && found.length === 3;
    const tried = c.dialAttempts.length;
    await c.stop();
    const store = HeaderStore.open({ datadir, params, log });
    say('sync', `reopened the datadir: height ${store.chain.height}, tip matches: ${store.chain.tip.hashHex === chain.headers.tip.hashHex ? 'yes' : 'NO'}`);
    const syncOk = store.chain.tip.hashHex === chain.headers.tip.hashHex && watchOk;
    store.close();

    // Summary.
    const ok = ready.length === servers.length && toy.converged && syncOk;
    if (json) printJson({ step: 'summary', ok, peers: ready.length, tried, headers: summary.height, balanceSats: balance.toString(), toyConverged: toy.converged });
    else {
      printLine('');
      printLine(
        table([
          ['peer', 'agent', 'handshake', 'ping'],
          ...ready.map((p) => [p.address, p.userAgent, formatMs(p.handshakeMs), formatMs(pongs.get(p.address))]),
        ]),
      );
      printLine('');
      printLine(`demo ${ok ? 'complete' : 'FAILED'}: ${ready.length}/${servers.length} local peers reached, ${tried - ready.length} unreachable address(es) handled; ${summary.height} headers synced and stored; address watched (balance ${formatBtc(balance)}); toy network ${toy.converged ? 'converged' : 'did not converge'}`);
    }
    return ok ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await client?.stop();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
    log.close();
  }
}

/** Polls `done` until it holds (the client reports dials and pongs as events; polling keeps this short). */
function waitFor(done: () => boolean, ms: number, what: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!done()) return;
        clearInterval(poll);
        resolve();
      }, 20);
      poll.unref();
    }),
    ms,
    what,
  );
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
