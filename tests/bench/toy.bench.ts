// Toy network benchmarks: (1) 50 nodes, random topology of degree >= 3, 20 blocks at the default
// difficulty 2: median time from a block being mined to the last node accepting it, and messages
// per block; (2) a newcomer syncing a 10,000-block chain from one peer, with memory used.
// The 10,000 blocks are pre-mined at difficulty 1 (~256 hashes each) so the bench stays short.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { GENESIS_BLOCK, mineBlock, runToyNetwork, seededRandom, type ToyBlock } from '../../src/toy/index.js';
import { ToyNode } from '../../src/toy/node.js';
import { waitUntil } from '../../src/toy/network.js';

const NODES = 50;
const BLOCKS = 20;
const SYNC_CHAIN = 10_000;
const GOAL_SPREAD_MS = 250;
const GOAL_SYNC_MS = 2_000;

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
/** A real GC between measurements (the --expose-gc flag set at run time), so heap deltas mean something. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function gossipBench(): Promise<void> {
  const r = await runToyNetwork({ nodes: NODES, topology: 'random', degree: 3, blocks: BLOCKS, difficulty: 2, random: seededRandom(2024) });
  const spreads = r.blocks.map((b) => b.spreadMs ?? NaN);
  const degrees = new Array<number>(NODES).fill(0);
  for (const [a, b] of r.edges) (degrees[a]!++, degrees[b]!++);
  console.log(`gossip: ${NODES} nodes, random topology (${r.edges.length} links, degree ${Math.min(...degrees)}-${Math.max(...degrees)}), ${BLOCKS} blocks at difficulty 2`);
  console.log(`  converged: ${r.converged}, every block reached all nodes: ${r.blocks.every((b) => b.reached === NODES)}`);
  console.log(
    `  mining -> last node accepts: median ${r.medianSpreadMs?.toFixed(1)} ms (goal < ${GOAL_SPREAD_MS} ms, ${((r.medianSpreadMs ?? Infinity) / GOAL_SPREAD_MS).toFixed(2)}x of goal), ` +
      `min ${Math.min(...spreads).toFixed(1)}, max ${Math.max(...spreads).toFixed(1)} ms`,
  );
  console.log(
    `  BLOCK messages per block: ${r.messagesPerBlock.toFixed(1)} (= ${NODES - 1} needed + ${r.duplicatesPerBlock.toFixed(1)} duplicates dropped on arrival); ` +
      `forwards per node per block: ${r.forwardsPerNodePerBlock.toFixed(2)} (goal <= 1)`,
  );
  console.log(`  whole run incl. wiring and mining: ${(r.totalMs / 1000).toFixed(1)} s`);
}

async function syncBench(): Promise<void> {
  let t = performance.now();
  const chain: ToyBlock[] = [];
  let parent = GENESIS_BLOCK;
  const base = Math.floor(Date.now() / 1000) - SYNC_CHAIN;
  for (let i = 1; i <= SYNC_CHAIN; i++) {
    parent = mineBlock({ index: i, timestamp: base + i, nonce: 0, data: `block ${i}`, prev_hash: parent.hash, transactions: [] }, 1);
    chain.push(parent);
  }
  const mineMs = performance.now() - t;
  const source = await ToyNode.start({ difficulty: 1 });
  source.importBlocks(chain);
  chain.length = 0;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  t = performance.now();
  const newcomer = await ToyNode.start({ difficulty: 1, listen: false, peers: [source.address!] });
  try {
    await waitUntil([newcomer], () => newcomer.chain.height === SYNC_CHAIN, 60_000, 'newcomer sync');
    const syncMs = performance.now() - t;
    const rssAfter = process.memoryUsage().rss;
    gc();
    const heapRetained = process.memoryUsage().heapUsed - heapBefore;
    console.log(`sync: newcomer fetching a ${SYNC_CHAIN}-block chain from one peer (chain pre-mined at difficulty 1 in ${(mineMs / 1000).toFixed(1)} s)`);
    console.log(
      `  ${syncMs.toFixed(0)} ms (goal < ${GOAL_SYNC_MS} ms, ${(syncMs / GOAL_SYNC_MS).toFixed(2)}x of goal), ${(SYNC_CHAIN / (syncMs / 1000)).toFixed(0)} blocks/s validated; ` +
        `${newcomer.gossip.stats.rejected} rejected, ${newcomer.gossip.stats.duplicates} duplicates`,
    );
    console.log(
      `  memory: newcomer's heap after GC +${mb(heapRetained)} (~${(heapRetained / SYNC_CHAIN) | 0} bytes/block: block objects, index, hash sets); ` +
        `process rss +${mb(rssAfter - rssBefore)} during sync`,
    );
  } finally {
    await newcomer.close();
    await source.close();
  }
}

export async function run(): Promise<void> {
  await gossipBench();
  await syncBench();
}
