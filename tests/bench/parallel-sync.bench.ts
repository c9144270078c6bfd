// Parallel header download with hints (issue 10): 1,000,000 regtest headers from 8 local peers,
// each behind a loopback proxy that delays every reply by 50 ms (a peer 50 ms away), synced into
// an empty datadir sequentially (one peer at a time, no hints) and in parallel (hints every
// 2,000 heights). Goal: parallel >= 5x faster. Each peer is its own `spv serve --datadir`
// process with its own proxy process (8 independent nodes, as on a network); the chain is
// generated once and synced into a datadir that each peer gets a copy of.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync, type SyncSummary } from '../../src/bitcoin/header-sync.js';
import type { DownloadHint } from '../../src/bitcoin/download-hints.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { DIGESTS_FILE, HEADERS_FILE } from '../../src/chain/datadir.js';
import type { HeaderChain } from '../../src/chain/header-chain.js';
import '../helpers/delay-proxy.js'; // compiled next to this file for the proxy process

const regtest = NETWORKS.regtest;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const SPV = resolve(ROOT, 'dist/spv.js');
const PROXY_MODULE = pathToFileURL(resolve(HERE, '../helpers/delay-proxy.js')).href;

const HEADERS = Number(process.env.SPV_BENCH_PARALLEL_HEADERS ?? 1_000_000);
const PEERS = 8;
const DELAY_MS = 50;
const HINT_EVERY = 2000;

function waitFor(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((res, rej) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) res(m);
    });
    child.on('exit', (code) => rej(new Error(`child exited ${code}: ${out}`)));
  });
}

async function startProxy(targetPort: number): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const { startDelayProxy } = await import(${JSON.stringify(PROXY_MODULE)});
    console.log('proxy ' + (await startDelayProxy({ port: ${targetPort} }, ${DELAY_MS})).port);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const m = await waitFor(child, /proxy (\d+)/);
  return { child, port: Number(m[1]) };
}

function serve(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SPV, 'serve', '--regtest', '--listen', '127.0.0.1:0', '--log-level', 'error', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitFor(child, /listening on 127\.0\.0\.1:(\d+)/).then((m) => ({ child, port: Number(m[1]) }));
}

/** Generates the chain once and stores it in a datadir (a plain sync from a local peer). */
async function buildDatadir(): Promise<string> {
  const gen = await serve(['--generate', String(HEADERS), '--seed', 'bench-parallel']);
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-parallel-src-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const node = createBitcoinNode({ params: regtest });
  node.protocol.use(sync);
  try {
    const done = new Promise((r) => sync.once('synced', r));
    await node.manager.connect({ host: '127.0.0.1', port: gen.port });
    await done;
  } finally {
    await node.manager.close();
    store.close();
    gen.child.kill();
  }
  return dir;
}

async function syncOnce(ports: number[], hints: DownloadHint[] | undefined): Promise<{ ms: number; cpuMs: number; summary: SyncSummary; hintsOut: DownloadHint[]; peak: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-parallel-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush(), hints });
  const node = createBitcoinNode({ params: regtest });
  node.protocol.use(sync);
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const done = new Promise<SyncSummary>((r) => sync.once('synced', r));
    await Promise.all(ports.map((port) => node.manager.connect({ host: '127.0.0.1', port })));
    const summary = await done;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, summary, hintsOut: hintsOf(store.chain), peak: sync.rangeWindowPeak };
  } finally {
    await node.manager.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function hintsOf(chain: HeaderChain): DownloadHint[] {
  const out: DownloadHint[] = [];
  for (let h = HINT_EVERY; h <= chain.height; h += HINT_EVERY) out.push({ height: h, hash: chain.hashAt(h) });
  return out;
}

export async function run(): Promise<void> {
  const source = await buildDatadir();
  const children: ChildProcess[] = [];
  const dirs = [source];
  const ports: number[] = [];
  try {
    for (let i = 0; i < PEERS; i++) {
      const dir = mkdtempSync(join(tmpdir(), `spv-bench-parallel-peer${i}-`));
      dirs.push(dir);
      mkdirSync(dir, { recursive: true });
      for (const f of [HEADERS_FILE, DIGESTS_FILE]) copyFileSync(join(source, f), join(dir, f));
      const peer = await serve(['--datadir', dir]);
      children.push(peer.child);
      const proxy = await startProxy(peer.port);
      children.push(proxy.child);
      ports.push(proxy.port);
    }
    const seq = await syncOnce(ports, undefined);
    console.log(
      `sequential, ${PEERS} peers ${DELAY_MS} ms away, no hints: ${seq.summary.height} headers in ${(seq.ms / 1000).toFixed(2)} s; ` +
        `${seq.summary.getheaders} getheaders round trips, one after another; client CPU ${(seq.cpuMs / 1000).toFixed(1)} s`,
    );
    const par = await syncOnce(ports, seq.hintsOut);
    const perPeer = par.summary.getheaders / PEERS;
    console.log(
      `parallel with hints every ${HINT_EVERY}: ${par.summary.height} headers in ${(par.ms / 1000).toFixed(2)} s; ${par.summary.getheaders} getheaders ` +
        `(${par.summary.hintRanges} ranges; ~${perPeer.toFixed(0)} round trips per peer), peers used ${par.summary.peersUsed.length}, ` +
        `peak headers held in ranges ${par.peak}; client CPU ${(par.cpuMs / 1000).toFixed(1)} s`,
    );
    console.log(`speed-up ${(seq.ms / par.ms).toFixed(1)}x  (goal >= 5x); same tip: ${seq.summary.tipHash === par.summary.tipHash ? 'yes' : 'NO'}`);
  } finally {
    for (const c of children) c.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
