// Transaction relay benchmarks on loopback:
// - `spv broadcast` start -> the first peer's getdata, against a real `spv serve --blocks`
//   process (goal: < 50 ms after the handshake), in-process broadcaster and as a whole CLI run;
// - pending detection latency: the peer announces (inv) -> `pending` emitted (goal < 100 ms);
// - matching throughput: transactions/s against 1, 100 and 10,000 watched scripts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { toHex } from '../../src/util/bytes.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { TxBroadcaster } from '../../src/bitcoin/tx-broadcast.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer } from '../../src/bitcoin/local-chain.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { Watcher } from '../../src/bitcoin/watcher.js';
import { PendingPayments } from '../../src/bitcoin/pending-txs.js';
import { NODE_WITNESS } from '../../src/bitcoin/services.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { WatchStore } from '../../src/wallet/watch-store.js';
import { Wallet } from '../../src/wallet/wallet.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import type { Tx } from '../../src/tx/tx.js';

const regtest = NETWORKS.regtest;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPV = resolve(ROOT, 'dist/spv.js');
const SEED = 'bench-tx';
const BLOCKS = 300;

function serve(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [SPV, 'serve', '--regtest', '--blocks', '--generate', String(BLOCKS), '--seed', SEED, '--listen', '127.0.0.1:0', '--log-level', 'error']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => rej(new Error(`serve exited ${code}`)));
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

function spends(chain: LocalBlockChain, to: Uint8Array): () => Tx {
  const coins = chain.unspentOf(chain.minerScript);
  let i = 0;
  return () => {
    const c = coins[i++]!;
    return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: 10_000n, scriptPubKey: to }, { value: c.value - 11_000n, scriptPubKey: chain.minerScript }] });
  };
}

async function broadcastLatency(port: number, next: () => Tx): Promise<{ handshake: number; afterHandshake: number }> {
  const t0 = performance.now();
  const b = new TxBroadcaster(next(), { maxPeers: 1, spreadMs: 0 });
  const node = createBitcoinNode({ params: regtest, services: NODE_WITNESS, pingIntervalMs: 3_600_000 });
  node.protocol.use(b);
  try {
    const requested = once(b, 'requested');
    await node.manager.connect({ host: '127.0.0.1', port });
    const [r] = (await requested) as [{ announcedAtMs: number; requestedAtMs: number }];
    return { handshake: r.announcedAtMs, afterHandshake: r.requestedAtMs - r.announcedAtMs };
  } finally {
    void t0;
    await node.manager.close();
  }
}

function cliBroadcast(port: number, tx: Tx): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [SPV, 'broadcast', toHex(tx.raw), '--regtest', '--connect', `127.0.0.1:${port}`, '--max-peers', '1', '--log-level', 'error'], { stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`spv broadcast exited ${code}`))));
  });
}

async function pendingLatency(runs: number): Promise<number[]> {
  const script = p2wpkhScript(new Uint8Array(20).fill(0x77));
  const address = encodeAddress(script, regtest);
  const chain = LocalBlockChain.generate(regtest, { blocks: BLOCKS, seed: `${SEED}-pending` });
  const peer = await startLocalPeer(chain);
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-pending-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const ws = new WatchStore(dir);
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const watcher = new Watcher({ params: regtest, chain: store.chain, sync, store: ws, watched: [{ address, script: toHex(script) }], fromHeight: BLOCKS });
  const pending = new PendingPayments({ wallet: watcher.wallet, chain: store.chain }).attach(watcher);
  const node = createBitcoinNode({ params: regtest, relay: true, pingIntervalMs: 3_600_000 });
  node.protocol.use(sync);
  for (const s of [...watcher.services, ...pending.services]) node.protocol.use(s);
  const out: number[] = [];
  try {
    const synced = once(sync, 'synced');
    await node.manager.connect({ host: '127.0.0.1', port: peer.port });
    await synced;
    await watcher.scanToTip();
    const next = spends(chain, script);
    for (let i = 0; i < runs; i++) {
      const tx = next();
      const seen = once(pending, 'pending');
      const t0 = performance.now();
      peer.mempoolServer.submit(tx); // the peer's inv goes out here
      await seen;
      out.push(performance.now() - t0);
    }
  } finally {
    await node.manager.close();
    await peer.close();
    ws.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function matchThroughput(watchedCount: number, txs: readonly Tx[]): number {
  const watched = Array.from({ length: watchedCount }, (_, i) => {
    const h = new Uint8Array(20);
    new DataView(h.buffer).setUint32(0, i + 1);
    const s = p2wpkhScript(h);
    return { address: encodeAddress(s, regtest), script: toHex(s) };
  });
  const wallet = new Wallet(watched);
  const pending = new PendingPayments({ wallet, chain: undefined as never });
  let hits = 0;
  const t0 = performance.now();
  for (const tx of txs) if (pending.match(tx)) hits++;
  const ms = performance.now() - t0;
  if (hits !== 0) throw new Error('unexpected match');
  return txs.length / (ms / 1000);
}

export async function run(): Promise<void> {
  const chain = LocalBlockChain.generate(regtest, { blocks: BLOCKS, seed: SEED });
  const next = spends(chain, p2wpkhScript(new Uint8Array(20).fill(0x66)));
  const srv = await serve();
  try {
    await broadcastLatency(srv.port, next); // warm-up
    const hs: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await broadcastLatency(srv.port, next);
      hs.push(r.handshake);
      after.push(r.afterHandshake);
    }
    console.log(`broadcast -> first getdata vs spv serve (30 runs): handshake median ${median(hs).toFixed(2)} ms; after the handshake median ${median(after).toFixed(2)} ms, p90 ${p90(after).toFixed(2)} ms  (goal < 50 ms)`);
    const cli: number[] = [];
    for (let i = 0; i < 5; i++) cli.push(await cliBroadcast(srv.port, next()));
    console.log(`whole \`spv broadcast\` process (start-up, handshake, inv, getdata, tx, pong, exit): median ${median(cli).toFixed(0)} ms`);
  } finally {
    srv.child.kill();
  }
  const lat = await pendingLatency(50);
  console.log(`pending detection, peer's inv -> pending event (50 runs, in-process peer): median ${median(lat).toFixed(2)} ms, p90 ${p90(lat).toFixed(2)} ms  (goal < 100 ms)`);
  // 10,000 unrelated 2-in/2-out transactions.
  const txs: Tx[] = [];
  for (let i = 0; i < 10_000; i++) {
    const a = new Uint8Array(32);
    new DataView(a.buffer).setUint32(0, i);
    const s1 = new Uint8Array(20);
    new DataView(s1.buffer).setUint32(4, i);
    txs.push(spendTx({ spends: [{ prevout: { txid: a, vout: 0 } }, { prevout: { txid: a, vout: 1 } }], outputs: [{ value: 1n, scriptPubKey: p2wpkhScript(s1) }, { value: 2n, scriptPubKey: p2wpkhScript(s1.reverse()) }] }));
  }
  for (const n of [1, 100, 10_000]) matchThroughput(n, txs); // warm-up (JIT) for every size first
  for (const n of [1, 100, 10_000]) {
    const rates = [0, 1, 2].map(() => matchThroughput(n, txs));
    console.log(`matching unrelated transactions against ${n} watched script(s): ${Math.round(median(rates)).toLocaleString('en-US')} tx/s`);
  }
}
