// Memory of an address scan against one hostile peer (issue 13), next to the same scan against
// an honest one: a filter peer whose filters match all 1,000 blocks of a getcfilters batch, and a
// BIP37 peer flooding unmatched and repeated `tx` messages after every merkleblock. The peers run
// in a child process (their send buffers are not the client's memory); the client samples its
// own heap + array buffers every 10 ms during the scan, each time after a full GC (npm run bench
// runs node --expose-gc), and reports the peak retained above its start. The scan time comes
// from a second scan without the sampling (the GCs slow it down).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { toHex } from '../../src/util/bytes.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { Watcher } from '../../src/bitcoin/watcher.js';
import { FilterScanner } from '../../src/bitcoin/filter-scan.js';
import { BloomScanner } from '../../src/bitcoin/bloom-scan.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeerOptions } from '../../src/bitcoin/local-chain.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { WatchStore } from '../../src/wallet/watch-store.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript } from '../../src/tx/builder.js';

const regtest = NETWORKS.regtest;
/** One getcfilters batch (MAX_GETCFILTERS_SIZE) of blocks carrying 1,000 filler outputs each. */
const BLOCKS = 1_000;
const FILLER_OUTPUTS = 1_000;
const TX_FLOOD_PER_BLOCK = 200;
/** Sampling period of the client's retained memory, ms. */
const SAMPLE_MS = 10;
const script = p2wpkhScript(new Uint8Array(20).fill(0xbe));

interface Scenario {
  readonly name: string;
  readonly bloom: boolean;
  readonly peer: LocalPeerOptions;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'BIP157, honest filter peer', bloom: false, peer: {} },
  { name: 'BIP157, every filter matches', bloom: false, peer: { filterLie: { kind: 'add-scripts', scripts: [script] } } },
  { name: 'BIP37, honest peer', bloom: true, peer: {} },
  { name: `BIP37, ${TX_FLOOD_PER_BLOCK} junk txs per block`, bloom: true, peer: { blockLie: { kind: 'tx-flood', count: TX_FLOOD_PER_BLOCK } } },
];

/** Child: generate the chain once, serve it from one local peer per scenario, report the ports. */
async function serve(): Promise<void> {
  const payments = [100, 400, 700, 900].map((height) => ({ kind: 'pay' as const, script, amount: 100_000n, height }));
  const chain = LocalBlockChain.generate(regtest, { blocks: BLOCKS, seed: 'bench-hostile', payments, fillerOutputs: FILLER_OUTPUTS });
  let blockBytes = 0;
  for (let h = 1; h <= BLOCKS; h++) blockBytes += chain.blockAt(h).block.txs.reduce((n, t) => n + t.raw.length, 80);
  const ports: number[] = [];
  for (const s of SCENARIOS) ports.push((await startLocalPeer(chain, { host: '127.0.0.1', ...s.peer })).port);
  process.send?.({ ports, avgBlockBytes: Math.round(blockBytes / BLOCKS) });
}

/** Live heap + array buffers (after a full GC when node runs with --expose-gc). */
function footprint(): number {
  global.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function scan(port: number, s: Scenario, sample: boolean): Promise<{ ms: number; found: number; held: string; peakMB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-hostile-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const ws = new WatchStore(dir);
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const watcher = new Watcher({ params: regtest, chain: store.chain, sync, store: ws, watched: [{ address: encodeAddress(script, regtest), script: toHex(script) }], fromHeight: 0, bloom: s.bloom, requestTimeoutMs: 120_000 });
  const node = createBitcoinNode({ params: regtest });
  node.protocol.use(sync);
  for (const x of watcher.services) node.protocol.use(x);
  try {
    const synced = once(sync, 'synced');
    await node.manager.connect({ host: '127.0.0.1', port });
    await synced;
    const base = sample ? footprint() : 0;
    let peak = base;
    const sampler = sample ? setInterval(() => (peak = Math.max(peak, footprint())), SAMPLE_MS) : undefined;
    const t0 = performance.now();
    await watcher.scanToTip();
    const ms = performance.now() - t0;
    clearInterval(sampler);
    if (sample) peak = Math.max(peak, footprint());
    const scanner = watcher.services.find((x) => x instanceof FilterScanner || x instanceof BloomScanner);
    const held = scanner instanceof FilterScanner ? `peak ${scanner.peaks.blocksInFlight} blocks in flight` : scanner instanceof BloomScanner ? `peak ${scanner.peaks.txsHeld} matched txs held` : '';
    return { ms, found: watcher.wallet.records.length, held, peakMB: (peak - base) / 1e6 };
  } finally {
    await node.manager.close();
    await watcher.idle();
    ws.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [info] = (await once(child, 'message')) as [{ ports: number[]; avgBlockBytes: number }];
    console.log(`chain: ${BLOCKS} blocks of ${FILLER_OUTPUTS} filler outputs (${(info.avgBlockBytes / 1000).toFixed(1)} kB per block on average), served from a child process`);
    for (let i = 0; i < SCENARIOS.length; i++) {
      const s = SCENARIOS[i]!;
      const mem = await scan(info.ports[i]!, s, true);
      const { ms } = await scan(info.ports[i]!, s, false);
      console.log(`  ${s.name.padEnd(29)}: scan ${ms.toFixed(0).padStart(5)} ms, ${mem.found} txs found, ${mem.held}, peak retained +${mem.peakMB.toFixed(1)} MB`);
    }
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) await serve();
