// Parallel header download with hints (issue 10): 1,000,000 regtest headers from 8 local peers,
// each behind a loopback proxy that delays every reply by 50 ms (a peer 50 ms away), synced into
// an empty datadir sequentially (one peer at a time, no hints) and in parallel (hints every
// 2,000 heights). Goal: parallel >= 5x faster. One `spv serve` process serves the chain; the 8
// proxies run in a second process, so neither competes with the client's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync, type SyncSummary } from '../../src/bitcoin/header-sync.js';
import type { DownloadHint } from '../../src/bitcoin/download-hints.js';
import { HeaderStore } from '../../src/chain/header-store.js';
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

async function startProxies(targetPort: number): Promise<{ child: ChildProcess; ports: number[] }> {
  const script = `
    const { startDelayProxy } = await import(${JSON.stringify(PROXY_MODULE)});
    const ports = [];
    for (let i = 0; i < ${PEERS}; i++) ports.push((await startDelayProxy({ port: ${targetPort} }, ${DELAY_MS})).port);
    console.log('proxies ' + ports.join(','));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const m = await waitFor(child, /proxies ([\d,]+)/);
  return { child, ports: (m[1] as string).split(',').map(Number) };
}

async function syncOnce(ports: number[], hints: DownloadHint[] | undefined): Promise<{ ms: number; summary: SyncSummary; hintsOut: DownloadHint[]; peak: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-parallel-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush(), hints });
  const node = createBitcoinNode({ params: regtest });
  node.protocol.use(sync);
  try {
    const t0 = performance.now();
    const done = new Promise<SyncSummary>((r) => sync.once('synced', r));
    await Promise.all(ports.map((port) => node.manager.connect({ host: '127.0.0.1', port })));
    const summary = await done;
    const ms = performance.now() - t0;
    return { ms, summary, hintsOut: hintsOf(store.chain), peak: sync.rangeWindowPeak };
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
  const serve = spawn(process.execPath, [SPV, 'serve', '--regtest', '--listen', '127.0.0.1:0', '--log-level', 'error', '--generate', String(HEADERS), '--seed', 'bench-parallel', '--max-inbound', '64'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = Number((await waitFor(serve, /listening on 127\.0\.0\.1:(\d+)/))[1]);
  const proxies = await startProxies(port);
  try {
    const seq = await syncOnce(proxies.ports, undefined);
    console.log(
      `sequential, ${PEERS} peers ${DELAY_MS} ms away, no hints: ${seq.summary.height} headers in ${(seq.ms / 1000).toFixed(2)} s; ` +
        `${seq.summary.getheaders} getheaders round trips, one after another`,
    );
    const par = await syncOnce(proxies.ports, seq.hintsOut);
    const perPeer = par.summary.getheaders / PEERS;
    console.log(
      `parallel with hints every ${HINT_EVERY}: ${par.summary.height} headers in ${(par.ms / 1000).toFixed(2)} s; ${par.summary.getheaders} getheaders ` +
        `(${par.summary.hintRanges} ranges; ~${perPeer.toFixed(0)} round trips per peer), peers used ${par.summary.peersUsed.length}, ` +
        `peak headers held in ranges ${par.peak}`,
    );
    console.log(`speed-up ${(seq.ms / par.ms).toFixed(1)}x  (goal >= 5x); same tip: ${seq.summary.tipHash === par.summary.tipHash ? 'yes' : 'NO'}`);
  } finally {
    proxies.child.kill();
    serve.kill();
  }
}
