// The local peer's block chain (`npm run bench -- local-blocks`): generating 10,000 regtest blocks
// with filters and filter headers (bare, and with 100 filler outputs per block), the memory they
// hold, and serving all 10,000 cfilters (+ cfheaders) to a client over loopback.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer } from '../../src/bitcoin/local-chain.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { p2wpkhScript } from '../../src/tx/index.js';

const BLOCKS = 10_000;
const regtest = NETWORKS.regtest;
const mb = (b: number): string => (b / 1e6).toFixed(1);

function generate(fillerOutputs: number): { chain: LocalBlockChain; ms: number; heapBytes: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const used = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heap0 = used();
  const script = p2wpkhScript(new Uint8Array(20).fill(1));
  const t0 = performance.now();
  const chain = LocalBlockChain.generate(regtest, {
    blocks: BLOCKS,
    seed: 'bench',
    fillerOutputs,
    payments: [
      { kind: 'pay', script, amount: 100_000n, height: 5000 },
      { kind: 'spend', script, amount: 10_000n, height: 9000 },
    ],
  });
  const ms = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  return { chain, ms, heapBytes: used() - heap0 };
}

export async function run(): Promise<void> {
  for (const filler of [0, 100]) {
    const { chain, ms, heapBytes } = generate(filler);
    let filterBytes = 0;
    let blockBytes = 0;
    for (let h = 0; h <= chain.height; h++) {
      filterBytes += chain.blockAt(h).filter.length;
      blockBytes += chain.blockAt(h).block.raw.length;
    }
    console.log(
      `generate ${BLOCKS.toLocaleString('en-US')} blocks, ${filler} filler outputs/block: ${Math.round(ms)} ms ` +
        `(${Math.round((BLOCKS * 1000) / ms).toLocaleString('en-US')} blocks/s); blocks ${mb(blockBytes)} MB, filters ${mb(filterBytes)} MB, ` +
        `memory (heap + array buffers) +${mb(heapBytes)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: approximate)'}`,
    );
    if (filler !== 100) continue;
    // Serve every filter header and filter to one client over loopback.
    const peer = await startLocalPeer(chain);
    const client = createBitcoinNode({ params: regtest });
    let filters = 0;
    let headers = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    client.protocol.use({
      onMessage(_p, m) {
        if (m.command === 'cfheaders') headers += m.filterHashes.length;
        if (m.command === 'cfilter' && ++filters === BLOCKS + 1) done();
      },
    });
    const ready = once(client.protocol, 'ready');
    const remote = (await client.manager.connect({ host: '127.0.0.1', port: peer.port })) as BitcoinPeer;
    await ready;
    const t0 = performance.now();
    for (let start = 0; start <= BLOCKS; start += 2000) remote.send({ command: 'getcfheaders', filterType: 0, startHeight: start, stopHash: chain.blockAt(Math.min(BLOCKS, start + 1999)).hash });
    for (let start = 0; start <= BLOCKS; start += 1000) remote.send({ command: 'getcfilters', filterType: 0, startHeight: start, stopHash: chain.blockAt(Math.min(BLOCKS, start + 999)).hash });
    await finished;
    const serveMs = performance.now() - t0;
    console.log(`serve ${headers.toLocaleString('en-US')} filter hashes + ${filters.toLocaleString('en-US')} cfilters over loopback (client decodes only): ${Math.round(serveMs)} ms (${Math.round((filters * 1000) / serveMs).toLocaleString('en-US')} filters/s)`);
    await client.manager.close();
    await peer.close();
  }
}
