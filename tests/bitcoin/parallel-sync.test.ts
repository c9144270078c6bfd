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
import { startDelayProxy } from '../helpers/delay-proxy.js';

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
async function peer(chain: HeaderChain, opts: { host?: string; reply?: Reply; startHeight?: number } = {}): Promise<{ node: BitcoinNode; host: string; port: number; requests: () => number }> {
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
  return { node, host: opts.host ?? '127.0.0.1', port, requests: () => requests };
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

async function connectAll(c: Client, peers: readonly { host?: string; port: number }[]): Promise<void> {
  for (const p of peers) await c.node.manager.connect({ host: p.host ?? '127.0.0.1', port: p.port });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
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
  await connectAll(c, [p]);
  const s = await synced(c.sync);
  expect(s.hintRanges).toBe(0);
  sequentialBytes = bytesOf(c.chain);
  return sequentialBytes;
}

test('4 peers, hints every 1,000: ranges fetched from all of them, chain byte-identical to a sequential sync', async () => {
  const peers = await Promise.all([0, 1, 2, 3].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  await connectAll(c, peers);
  const s = await synced(c.sync);
  expect(s.height).toBe(12_000);
  expect(s.hintRanges).toBe(12);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
  for (const p of peers) expect(p.requests()).toBeGreaterThan(0);
  expect(s.peersUsed.length).toBeGreaterThan(1);
});

test('ranges arriving out of order (peers 300, 150 and 0 ms away, joining in that order) are validated in order', async () => {
  const peers = await Promise.all(
    [0, 150, 300].map(async (ms) => {
      const p = await peer(MAIN);
      const proxy = await startDelayProxy({ port: p.port }, ms);
      cleanup.push(() => proxy.close());
      return { port: proxy.port };
    }),
  );
  const c = client({ hints: hintsOf(MAIN, 1000) });
  // The far peers first, each waiting for its handshake: they take the first ranges; the near
  // peer joins next and its later ranges arrive before theirs (on a loaded machine a near peer
  // that came first could fetch every range before the far ones finished their handshakes).
  for (const p of [...peers].reverse()) {
    const ready = once(c.node.protocol, 'ready');
    await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
    await ready;
  }
  const s = await synced(c.sync);
  expect(s.hintRanges).toBe(12);
  const linked = c.log.entries.map((e) => /^range (\d+)\.\.\d+ linked/.exec(e.msg)).filter((m) => m !== null).map((m) => Number(m[1]));
  expect(linked).toHaveLength(12);
  expect(linked.some((h, i) => i > 0 && h < (linked[i - 1] as number))).toBe(true); // some arrived before an earlier one
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('duplicated ranges: a peer answering every getheaders twice changes nothing', async () => {
  const dup = await peer(MAIN, { reply: (p, msg, server) => { server.onMessage(p, msg); server.onMessage(p, msg); } });
  const honest = await Promise.all([0, 1].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  await connectAll(c, [dup, ...honest]);
  await synced(c.sync);
  expect(dup.requests()).toBeGreaterThan(0);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('short ranges: a peer that leaves out the last 10 headers of each range; the range is fetched elsewhere', async () => {
  const short = await peer(MAIN, { reply: (p, msg) => p.send({ command: 'headers', headers: MAIN.headersAfterLocator(msg.locator, msg.hashStop).slice(0, -10) }) });
  const honest = await peer(MAIN);
  const c = client({ hints: hintsOf(MAIN, 1000) });
  let banned = false;
  c.node.manager.on('banned', () => (banned = true));
  await connectAll(c, [short, honest]);
  await synced(c.sync);
  expect(c.log.has(/does not link \(reply ends at height \d+, before the hint/)).toBe(true);
  expect(banned).toBe(false);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('a lying peer sending headers of another branch: not linked, fetched from an honest peer, the liar is not banned', async () => {
  const other = fork(MAIN, 4000, 8000, 'other-branch'); // valid headers, forks at 4,000
  const liar = await peer(other, { host: '127.0.0.2', startHeight: 12_000 });
  const honest = await peer(MAIN);
  const c = client({ hints: hintsOf(MAIN, 1000) });
  let banned = false;
  c.node.manager.on('banned', () => (banned = true));
  await connectAll(c, [liar, honest]);
  await synced(c.sync);
  expect(c.log.has(/127\.0\.0\.2.*does not link \(header at height \d+ is [0-9a-f]{64}, the hint says/)).toBe(true);
  expect(banned).toBe(false);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('invalid proof of work in the middle of a range: the sender is banned, the range comes from another peer', async () => {
  const liar = await peer(MAIN, {
    host: '127.0.0.3',
    reply: (p, msg) => {
      const honest = MAIN.headersAfterLocator(msg.locator, msg.hashStop);
      const k = Math.floor(honest.length / 2);
      const first = MAIN.heightOf(msg.locator[0] as Uint8Array);
      const b = new ChainBuilder(regtest, { seed: 'bad-pow' }, concatBytes(MAIN.headerBytes(0, first + k + 1)));
      p.send({ command: 'headers', headers: [...honest.slice(0, k), b.next({ pow: 'invalid' }), ...honest.slice(k + 1)] });
    },
  });
  const honest = await peer(MAIN);
  const c = client({ hints: hintsOf(MAIN, 1000) });
  const banned = once(c.node.manager, 'banned');
  await connectAll(c, [liar, honest]);
  const [host, code] = (await banned) as [string, string];
  expect(host).toBe('127.0.0.3');
  expect(code).toBe('high_hash');
  await synced(c.sync);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('a wrong hint: the ranges around it do not link, are fetched sequentially, and the chain is the same', async () => {
  const hints = hintsOf(MAIN, 1000).map((h) => (h.height === 6000 ? { height: 6000, hash: new Uint8Array(32).fill(0xab) } : h));
  const peers = await Promise.all([0, 1, 2].map(() => peer(MAIN)));
  const c = client({ hints });
  await connectAll(c, peers);
  const s = await synced(c.sync);
  expect(c.log.has(/range 5000\.\.6000 does not link/)).toBe(true);
  expect(c.log.has(/download hint at height 6000 is not on the chain we validated/)).toBe(true);
  expect(s.hintRanges).toBeGreaterThanOrEqual(9);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('hints on a lower-work fork cannot keep the client off the most-work chain', async () => {
  const low = fork(MAIN, 5000, 3000, 'lower-work'); // height 8,000 < 12,000: less work
  const hints = [...hintsOf(MAIN, 1000).filter((h) => h.height <= 5000), ...hintsOf(low, 1000).filter((h) => h.height > 5000)];
  // With a peer that serves the fork (so its ranges link) and honest ones.
  const forkPeer = await peer(low, { host: '127.0.0.4' });
  const honest = await Promise.all([0, 1].map(() => peer(MAIN)));
  const c = client({ hints });
  await connectAll(c, [forkPeer, ...honest]);
  await synced(c.sync);
  expect(c.chain.tip.hashHex).toBe(MAIN.tip.hashHex);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
  // And with honest peers only.
  const c2 = client({ hints });
  await connectAll(c2, honest);
  await synced(c2.sync);
  expect(sameBytes(bytesOf(c2.chain), await sequentialResult())).toBe(true);
});

test('a peer disconnecting mid-range: its ranges go to the others', async () => {
  let n = 0;
  const flaky = await peer(MAIN, {
    reply: (p, msg, server) => {
      if (++n === 2) p.disconnect({ kind: 'local', code: 'test', message: 'going away mid-range' });
      else server.onMessage(p, msg);
    },
  });
  const honest = await Promise.all([0, 1].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  await connectAll(c, [flaky, ...honest]);
  await synced(c.sync);
  expect(n).toBeGreaterThanOrEqual(2);
  expect(c.log.has(/gone .* range\(s\) go to other peers/)).toBe(true);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('a stuck peer holding the first range: after the stall time the range moves to an idle peer', async () => {
  const stuck = await peer(MAIN, { reply: () => {} });
  // Frozen: it does not even answer the ping after our getheaders.
  const handle = stuck.node.protocol.onMessage.bind(stuck.node.protocol);
  stuck.node.protocol.onMessage = (p, m) => {
    if (!p.established) handle(p, m);
  };
  const honest = await peer(MAIN);
  const c = client({ hints: hintsOf(MAIN, 1000), rangeStallMs: 200, responseTimeoutMs: 3000 });
  await connectAll(c, [stuck, honest]);
  await synced(c.sync);
  expect(c.log.has(/stalled at .* moving it to/)).toBe(true);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('memory: headers held in ranges never exceed the window', async () => {
  const peers = await Promise.all([0, 1, 2, 3].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 500), rangeWindowHeaders: 2000 });
  await connectAll(c, peers);
  const s = await synced(c.sync);
  expect(s.hintRanges).toBe(24);
  expect(c.sync.rangeWindowPeak).toBeGreaterThan(0);
  expect(c.sync.rangeWindowPeak).toBeLessThanOrEqual(2000);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});

test('hints beyond what every peer claims: ranges stop at the peers\' height, the rest is sequential', async () => {
  const half = new HeaderChain(regtest);
  const all = splitHeaders(concatBytes(MAIN.headerBytes(1, 6501)));
  for (let i = 0; i < all.length; i += 2000) half.acceptHeaders(all.slice(i, i + 2000), nowS());
  const peers = await Promise.all([0, 1].map(() => peer(half)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  await connectAll(c, peers);
  const s = await synced(c.sync);
  expect(s.height).toBe(6500);
  expect(s.hintRanges).toBe(6);
  expect(c.chain.tip.hashHex).toBe(half.tip.hashHex);
});

test('a flood of headers nobody asked for during the range download: the peer is dropped, the others finish', async () => {
  const flooder = await peer(MAIN, {
    host: '127.0.0.5',
    reply: (p, msg, server) => {
      server.onMessage(p, msg);
      for (let i = 0; i < 20; i++) p.send({ command: 'headers', headers: MAIN.headersAfterLocator([MAIN.hashAt(0)], new Uint8Array(32)) });
    },
  });
  const honest = await Promise.all([0, 1].map(() => peer(MAIN)));
  const c = client({ hints: hintsOf(MAIN, 1000) });
  const gone = new Promise<string>((resolve) => c.node.manager.on('disconnected', (p, why) => p.address.host === '127.0.0.5' && resolve(why.code)));
  await connectAll(c, [flooder, ...honest]);
  expect(await gone).toBe('unconnecting_headers');
  await synced(c.sync);
  expect(sameBytes(bytesOf(c.chain), await sequentialResult())).toBe(true);
});
