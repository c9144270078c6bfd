// Bitcoin-mode benchmarks against a real `spv serve` process on loopback:
// - handshake latency (connect -> both veracks), median and p99 of 200 (goal: median < 5 ms);
// - end-to-end sync of 100,000 headers into an empty datadir (goal: < 1 s wall), measured
//   in-process (connect to synced) and as a whole `spv sync` command.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { HeaderStore } from '../../src/chain/header-store.js';

const regtest = NETWORKS.regtest;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPV = resolve(ROOT, 'dist/spv.js');

function serve(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [SPV, 'serve', '--regtest', '--listen', '127.0.0.1:0', '--log-level', 'error', ...args]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => rej(new Error(`serve exited ${code}`)));
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function handshakeLatency(port: number, n: number): Promise<number[]> {
  const node = createBitcoinNode({ params: regtest, pingIntervalMs: 3_600_000 });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const ready = new Promise<void>((r) => node.protocol.once('ready', () => r()));
      const peer = await node.manager.connect({ host: '127.0.0.1', port });
      await ready;
      times.push(performance.now() - t0);
      peer.disconnect({ kind: 'local', code: 'bench', message: 'done' });
    }
  } finally {
    await node.manager.close();
  }
  return times;
}

async function syncOnce(port: number): Promise<{ ms: number; height: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-sync-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const node = createBitcoinNode({ params: regtest });
  node.protocol.use(sync);
  try {
    const t0 = performance.now();
    const done = new Promise<void>((r) => sync.once('synced', () => r()));
    await node.manager.connect({ host: '127.0.0.1', port });
    await done;
    return { ms: performance.now() - t0, height: store.chain.height };
  } finally {
    await node.manager.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function cliSync(port: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-cli-'));
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [SPV, 'sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', dir, '--log-level', 'error'], { stdio: 'ignore' });
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) res(performance.now() - t0);
      else rej(new Error(`spv sync exited ${code}`));
    });
  });
}

export async function run(): Promise<void> {
  const small = await serve([]);
  try {
    await handshakeLatency(small.port, 20); // warm-up
    const t = (await handshakeLatency(small.port, 200)).sort((a, b) => a - b);
    console.log(`handshake latency vs spv serve (200 sequential, loopback): median ${quantile(t, 0.5).toFixed(2)} ms, p99 ${quantile(t, 0.99).toFixed(2)} ms, min ${(t[0] as number).toFixed(2)} ms  (goal: median < 5 ms)`);
  } finally {
    small.child.kill();
  }

  const big = await serve(['--generate', '100000', '--seed', 'bench']);
  try {
    const runs: number[] = [];
    let height = 0;
    for (let i = 0; i < 3; i++) {
      const r = await syncOnce(big.port);
      runs.push(r.ms);
      height = r.height;
    }
    runs.sort((a, b) => a - b);
    console.log(`sync ${height} headers from spv serve into an empty datadir (in-process, connect..synced): best ${runs[0]!.toFixed(0)} ms, median ${runs[1]!.toFixed(0)} ms  (${Math.round(height / (runs[1]! / 1000))} headers/s; goal < 1000 ms)`);
    const cli: number[] = [];
    for (let i = 0; i < 3; i++) cli.push(await cliSync(big.port));
    cli.sort((a, b) => a - b);
    console.log(`same as a whole \`spv sync\` process (node start-up, discovery, sync, fsync, exit): median ${cli[1]!.toFixed(0)} ms`);
  } finally {
    big.child.kill();
  }
}
