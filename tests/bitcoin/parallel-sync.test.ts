// Parallel header download with hints over real TCP on loopback: several local peers serve
// generated regtest chains (real proof of work), honest and otherwise; the client fetches the
// ranges between hints from all of them at once and must end on exactly the chain a
// sequential sync builds.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { concatBytes } from '../../src/util/bytes.js';
import { MemoryLog } from '../../src/util/log.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { HeaderSync, type SyncSummary } from '../../src/bitcoin/header-sync.js';
import { generatedChain } from '../../src/bitcoin/local-chain.js';
import type { BitcoinPeer, PeerService } from '../../src/bitcoin/protocol.js';
import type { DownloadHint } from '../../src/bitcoin/download-hints.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { ChainBuilder, splitHeaders } from '../../src/chain/generate.js';
import type { Message } from '../../src/wire/message.js';

const regtest = NETWORKS.regtest;
const nowS = (): number => Math.floor(Date.now() / 1000);
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

// One honest chain shared by the tests (generating is the slow part).
const MAIN = generatedChain(regtest, 12_000, 'parallel-main');

/** Hints every `every` heights of `chain`, up to its tip. */
function hintsOf(chain: HeaderChain, every: number): DownloadHint[] {
  const out: DownloadHint[] = [];
  for (let h = every; h <= chain.height; h += every) out.push({ height: h, hash: chain.hashAt(h) });
  return out;
}

/** `base`'s headers 1..k, then `m` headers of another branch. */
function fork(base: HeaderChain, k: number, m: number, seed: string): HeaderChain {
  const b = new ChainBuilder(regtest, { seed, spacing: 60 }, concatBytes(base.headerBytes(0, k + 1)));
  for (let i = 0; i < m; i++) b.next({ timeDelta: 61 });
  const c = new HeaderChain(regtest);
  const all = splitHeaders(b.bytes(1, k + m + 1));
  for (let i = 0; i < all.length; i += 2000) expect(c.acceptHeaders(all.slice(i, i + 2000), nowS()).error).toBeUndefined();
  return c;
}

type Reply = (peer: BitcoinPeer, msg: Extract<Message, { command: 'getheaders' }>, server: HeaderServer) => void;

/** A peer on 127.0.0.x serving `chain`; `reply` replaces the honest answer to getheaders. */
async function peer(chain: HeaderChain, opts: { host?: string; reply?: Reply; startHeight?: number } = {}): Promise<{ node: BitcoinNode; port: number; requests: () => number }> {
  const node = createBitcoinNode({ params: regtest, startHeight: () => opts.startHeight ?? chain.height });
  const server = new HeaderServer(chain);
  let requests = 0;
  const svc: PeerService = {
    onReady: (p) => server.onReady(p),
    onDisconnect: (p) => server.onDisconnect(p),
    onMessage(p, msg) {
      if (msg.command !== 'getheaders') return;
      requests++;
      if (opts.reply) opts.reply(p, msg, server);
      else server.onMessage(p, msg);
    },
  };
  node.protocol.use(svc);
  const { port } = await node.manager.listen({ host: opts.host ?? '127.0.0.1', port: 0 });
  cleanup.push(() => node.manager.close());
  return { node, port, requests: () => requests };
}

interface Client {
  node: BitcoinNode;
  sync: HeaderSync;
  log: MemoryLog;
  chain: HeaderChain;
}

function client(opts: { hints?: DownloadHint[]; responseTimeoutMs?: number; rangeWindowHeaders?: number; rangeStallMs?: number; chain?: HeaderChain } = {}): Client {
  const log = new MemoryLog();
  const chain = opts.chain ?? new HeaderChain(regtest);
  const sync = new HeaderSync({ chain, log, hints: opts.hints, responseTimeoutMs: opts.responseTimeoutMs ?? 5000, rangeWindowHeaders: opts.rangeWindowHeaders, rangeStallMs: opts.rangeStallMs });
  const node = createBitcoinNode({ params: regtest, log, startHeight: () => chain.height });
  node.protocol.use(sync);
  cleanup.push(() => node.manager.close());
  return { node, sync, log, chain };
}

async function synced(sync: HeaderSync, ms = 30_000): Promise<SyncSummary> {
  const [s] = (await Promise.race([once(sync, 'synced'), new Promise((_, rej) => setTimeout(() => rej(new Error('sync did not finish')), ms))])) as [SyncSummary];
  return s;
}

async function connectAll(c: Client, ports: number[]): Promise<void> {
  for (const port of ports) await c.node.manager.connect({ host: '127.0.0.1', port });
}

/** The best chain's raw bytes, genesis to tip. */
function bytesOf(chain: HeaderChain): Uint8Array {
  return concatBytes(chain.headerBytes(0, chain.height + 1));
}

/** What a sequential sync from one honest peer ends with. */
let sequentialBytes: Uint8Array | undefined;
async function sequentialResult(): Promise<Uint8Array> {
  if (sequentialBytes) return sequentialBytes;
  const p = await peer(MAIN);
  const c = client();
  await connectAll(c, [p.port]);
  const s = await synced(c.sync);
  expect(s.hintRanges).toBe(0);
  sequentialBytes = bytesOf(c.chain);
  return sequentialBytes;
}

test('4 peers, hints every 1,000: ranges fetched from all of them, chain byte-identical to a sequential sync', async () => {
  const peers = await Promise.all([0, 1, 2, 3].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  await connectAll(c, peers.map((p) => p.port));
  const s = await synced(c.sync);
  expect(s.height).toBe(12_000);
  expect(s.hintRanges).toBe(12);
  expect(Buffer.from(bytesOf(c.chain)).equals(Buffer.from(await sequentialResult()))).toBe(true);
  for (const p of peers) expect(p.requests()).toBeGreaterThan(0);
  expect(s.peersUsed.length).toBeGreaterThan(1);
});
