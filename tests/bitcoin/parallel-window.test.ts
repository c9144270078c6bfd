// Issues 10 and 13 together: the parallel range download, the bounded memory window of a
// datadir-backed chain and headers presync in one sync. A lying peer serves a lower-work
// chain forked deep below the memory window and the hints point along it; the range phase
// stores it (its ranges link), then the most-work chain of the honest peers, which forks far
// below the window and claims less work than our tip at first, is presynced, stored as the
// deep branch and wins. The datadir ends byte-identical to the honest chain.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { concatBytes } from '../../src/util/bytes.js';
import { MemoryLog } from '../../src/util/log.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { HeaderSync, type SyncSummary } from '../../src/bitcoin/header-sync.js';
import { generatedChain } from '../../src/bitcoin/local-chain.js';
import type { DownloadHint } from '../../src/bitcoin/download-hints.js';
import { HeaderChain, KEEP_CHUNKS } from '../../src/chain/header-chain.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { HEADERS_FILE } from '../../src/chain/datadir.js';
import { ChainBuilder, splitHeaders } from '../../src/chain/generate.js';

const regtest = NETWORKS.regtest;
const CHUNK = 16_384;
const nowS = (): number => Math.floor(Date.now() / 1000);
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

// Honest: 70,000 headers. Low: the honest chain's first 1,000, then 49,000 of its own (50,000: less work).
const FORK_AT = 1000;
const HONEST = generatedChain(regtest, 70_000, 'window-honest');
const LOW = ((): HeaderChain => {
  const b = new ChainBuilder(regtest, { seed: 'window-low', spacing: 60 }, concatBytes(HONEST.headerBytes(0, FORK_AT + 1)));
  for (let i = 0; i < 49_000; i++) b.next({ timeDelta: 61 });
  const c = new HeaderChain(regtest);
  const all = splitHeaders(b.bytes(1, FORK_AT + 49_000 + 1));
  for (let i = 0; i < all.length; i += 2000) expect(c.acceptHeaders(all.slice(i, i + 2000), nowS()).error).toBeUndefined();
  return c;
})();

function hintsOf(chain: HeaderChain, every: number): DownloadHint[] {
  const out: DownloadHint[] = [];
  for (let h = every; h <= chain.height; h += every) out.push({ height: h, hash: chain.hashAt(h) });
  return out;
}

async function peer(chain: HeaderChain, host: string): Promise<{ host: string; port: number }> {
  const node = createBitcoinNode({ params: regtest, startHeight: () => chain.height });
  node.protocol.use(new HeaderServer(chain));
  const { port } = await node.manager.listen({ host, port: 0 });
  cleanup.push(() => node.manager.close());
  return { host, port };
}

function datadir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'spv-parallel-window-'));
  cleanup.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return path.join(d, 'regtest');
}

interface Client {
  node: BitcoinNode;
  sync: HeaderSync;
  log: MemoryLog;
  store: HeaderStore;
  peakBytes: () => number;
  disconnects: string[];
  close: () => Promise<void>;
}

function client(dir: string, hints?: DownloadHint[]): Client {
  const log = new MemoryLog();
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  let peak = 0;
  const sync = new HeaderSync({
    chain: store.chain,
    log,
    hints,
    responseTimeoutMs: 10_000,
    persist: () => {
      store.flush();
      peak = Math.max(peak, store.chain.memoryBytes());
    },
  });
  const node = createBitcoinNode({ params: regtest, log, startHeight: () => store.chain.height });
  node.protocol.use(sync);
  const disconnects: string[] = [];
  node.manager.on('disconnected', (p, why) => disconnects.push(`${p.address.host} ${why.code}`));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await node.manager.close();
    store.close();
  };
  cleanup.push(close);
  return { node, sync, log, store, peakBytes: () => peak, disconnects, close };
}

async function synced(sync: HeaderSync, ms = 120_000): Promise<SyncSummary> {
  const [s] = (await Promise.race([once(sync, 'synced'), new Promise((_, rej) => setTimeout(() => rej(new Error('sync did not finish')), ms))])) as [SyncSummary];
  return s;
}

/** Everything in memory but the window: chunks + hash index (<= 2^16 slots at 32k) + a page + side branches and presync (a few MB). */
const WINDOW_BOUND_BYTES = KEEP_CHUNKS * CHUNK * 80 + 4 * 65_536 * 4 + 64 * 80 + 8 * 1024 * 1024;

function honestBytes(): Uint8Array {
  return concatBytes(HONEST.headerBytes(0, HONEST.height + 1));
}

test('hints along a deep lower-work fork, then the honest peers: presync, deep branch, window respected, datadir = honest chain', async () => {
  const dir = datadir();
  const hints = [...hintsOf(HONEST, 1000).filter((h) => h.height <= FORK_AT), ...hintsOf(LOW, 2000).filter((h) => h.height > FORK_AT)];
  const liar = await peer(LOW, '127.0.0.4');
  // 1. Only the lying peer: the range phase fetches its chain (the ranges link) and stores it.
  const first = client(dir, hints);
  await first.node.manager.connect(liar);
  const s1 = await synced(first.sync);
  expect(s1.height).toBe(LOW.height);
  expect(s1.hintRanges).toBeGreaterThan(20);
  expect(first.store.chain.memoryWindowStart).toBeGreaterThan(FORK_AT); // the fork point is on disk only
  expect(first.peakBytes()).toBeLessThanOrEqual(WINDOW_BOUND_BYTES);
  await first.close();

  // 2. Re-open, the same hints, the liar and two honest peers: the honest chain forks 49,000
  // below our tip (far below the window), so its first batches claim less work than ours.
  const honest = [await peer(HONEST, '127.0.0.2'), await peer(HONEST, '127.0.0.3')];
  const second = client(dir, hints);
  for (const p of [liar, ...honest]) await second.node.manager.connect(p);
  const s2 = await synced(second.sync);
  expect(second.log.has(/presync/)).toBe(true);
  expect(second.log.has(/reorg of depth 49000 at height 1000/)).toBe(true);
  expect(s2.height).toBe(HONEST.height);
  expect(second.store.chain.tip.hashHex).toBe(HONEST.tip.hashHex);
  expect(second.store.chain.memoryWindowStart).toBeGreaterThan(FORK_AT);
  expect(second.peakBytes()).toBeLessThanOrEqual(WINDOW_BOUND_BYTES);
  expect(second.disconnects.filter((d) => !d.startsWith('127.0.0.4'))).toEqual([]); // honest peers kept
  await second.close();

  // The datadir is the honest chain, byte for byte, and re-opens to it.
  expect(Buffer.from(fs.readFileSync(path.join(dir, HEADERS_FILE))).equals(Buffer.from(honestBytes()))).toBe(true);
  const again = HeaderStore.open({ datadir: dir, params: regtest });
  try {
    expect(again.chain.height).toBe(HONEST.height);
    expect(again.chain.tip.hashHex).toBe(HONEST.tip.hashHex);
  } finally {
    again.close();
  }
}, 240_000);

test('all peers at once, hints along the lower-work fork: the client ends on the most-work chain, window respected', async () => {
  const dir = datadir();
  const hints = [...hintsOf(HONEST, 1000).filter((h) => h.height <= FORK_AT), ...hintsOf(LOW, 2000).filter((h) => h.height > FORK_AT)];
  const peers = [await peer(LOW, '127.0.0.4'), await peer(HONEST, '127.0.0.2'), await peer(HONEST, '127.0.0.3')];
  const c = client(dir, hints);
  for (const p of peers) await c.node.manager.connect(p);
  const s = await synced(c.sync);
  expect(s.height).toBe(HONEST.height);
  expect(c.store.chain.tip.hashHex).toBe(HONEST.tip.hashHex);
  expect(c.store.chain.memoryWindowStart).toBeGreaterThan(FORK_AT);
  expect(c.peakBytes()).toBeLessThanOrEqual(WINDOW_BOUND_BYTES);
  expect(c.disconnects.filter((d) => !d.startsWith('127.0.0.4'))).toEqual([]);
  await c.close();
  expect(Buffer.from(fs.readFileSync(path.join(dir, HEADERS_FILE))).equals(Buffer.from(honestBytes()))).toBe(true);
}, 240_000);
