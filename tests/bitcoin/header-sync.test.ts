// Header sync over real TCP on loopback: our client against local peers serving generated
// regtest chains (real proof of work), honest and otherwise.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { concatBytes } from '../../src/util/bytes.js';
import { MemoryLog } from '../../src/util/log.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { HeaderSync, type SyncSummary } from '../../src/bitcoin/header-sync.js';
import { generatedChain, TipMiner } from '../../src/bitcoin/local-chain.js';
import type { BitcoinPeer, PeerService } from '../../src/bitcoin/protocol.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { ChainBuilder, splitHeaders } from '../../src/chain/generate.js';
import type { Message } from '../../src/wire/message.js';
import { frame } from '../helpers/frames.js';

const regtest = NETWORKS.regtest;
const nowS = (): number => Math.floor(Date.now() / 1000);
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A peer on loopback serving `chain` (or answering getheaders with `service`). */
async function peer(
  chain: HeaderChain,
  opts: { host?: string; service?: PeerService; startHeight?: number; silentWhenUpToDate?: boolean; frozen?: boolean } = {},
): Promise<{ node: BitcoinNode; port: number; server: HeaderServer }> {
  const node = createBitcoinNode({ params: regtest, startHeight: () => opts.startHeight ?? chain.height });
  if (opts.frozen) freezeAfterHandshake(node);
  const server = new HeaderServer(chain, { silentWhenUpToDate: opts.silentWhenUpToDate });
  node.protocol.use(opts.service ?? server);
  const { port } = await node.manager.listen({ host: opts.host ?? '127.0.0.1', port: 0 });
  cleanup.push(() => node.manager.close());
  return { node, port, server };
}

/** The peer stops handling anything (pings included) once the handshake is done: stuck. */
function freezeAfterHandshake(node: BitcoinNode): void {
  const handle = node.protocol.onMessage.bind(node.protocol);
  node.protocol.onMessage = (p, m) => {
    if (!p.established) handle(p, m);
  };
}

/** Our client, syncing into `chain` (in memory) with a short stall timeout. */
function client(chain = new HeaderChain(regtest), opts: { responseTimeoutMs?: number; persist?: () => void } = {}): { node: BitcoinNode; sync: HeaderSync; log: MemoryLog; chain: HeaderChain } {
  const log = new MemoryLog();
  const sync = new HeaderSync({ chain, log, responseTimeoutMs: opts.responseTimeoutMs ?? 5000, persist: opts.persist });
  const node = createBitcoinNode({ params: regtest, log, startHeight: () => chain.height });
  node.protocol.use(sync);
  cleanup.push(() => node.manager.close());
  return { node, sync, log, chain };
}

async function synced(sync: HeaderSync, ms = 20000): Promise<SyncSummary> {
  const [s] = (await Promise.race([once(sync, 'synced'), new Promise((_, rej) => setTimeout(() => rej(new Error('sync did not finish')), ms))])) as [SyncSummary];
  return s;
}

/** `chain`'s headers 1..k, then `m` new headers from a different seed: a competing branch. */
function fork(base: HeaderChain, k: number, m: number, seed: string): HeaderChain {
  const b = new ChainBuilder(regtest, { seed, spacing: 60 }, concatBytes(base.headerBytes(0, k + 1)));
  for (let i = 0; i < m; i++) b.next({ timeDelta: 61 });
  const c = new HeaderChain(regtest);
  const all = splitHeaders(b.bytes(1, k + m + 1));
  for (let i = 0; i < all.length; i += 2000) expect(c.acceptHeaders(all.slice(i, i + 2000), nowS()).error).toBeUndefined();
  return c;
}

/** Headers from..to-1 of a chain as separate 80-byte arrays. */
function headersOf(chain: HeaderChain, from: number, to: number): Uint8Array[] {
  return splitHeaders(concatBytes(chain.headerBytes(from, to)));
}

/** A service answering every getheaders with the same reply. */
function answering(reply: (peer: BitcoinPeer, msg: Message) => void): PeerService & { requests: number } {
  const svc = {
    requests: 0,
    onMessage(p: BitcoinPeer, msg: Message) {
      if (msg.command !== 'getheaders') return;
      svc.requests++;
      reply(p, msg);
    },
  };
  return svc;
}

test('syncs 5,000 headers in batches of 2,000 and ends on the peer\'s tip', async () => {
  const served = generatedChain(regtest, 5000, 'a');
  const p = await peer(served);
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const s = await synced(c.sync);
  expect(s.height).toBe(5000);
  expect(c.chain.tip.hashHex).toBe(served.tip.hashHex);
  expect(s.headersReceived).toBe(5000);
  expect(s.belowMinimumWork).toBe(false);
});

test('persists to a datadir and resumes where it stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spv-sync-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const served = generatedChain(regtest, 3000, 'b');
  const p = await peer(served);
  let store = HeaderStore.open({ datadir: dir, params: regtest });
  let c = client(store.chain, { persist: () => store.flush() });
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  await synced(c.sync);
  await c.node.manager.close();
  store.close();
  // The peer grows by 25 headers; a new run fetches only those.
  const miner = new TipMiner(served);
  for (let i = 0; i < 25; i++) miner.mine();
  store = HeaderStore.open({ datadir: dir, params: regtest });
  expect(store.chain.height).toBe(3000);
  c = client(store.chain, { persist: () => store.flush() });
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const s = await synced(c.sync);
  expect(s.headersReceived).toBe(25);
  expect(store.chain.tip.hashHex).toBe(served.tip.hashHex);
  store.close();
});

test('two peers: syncs from one, then compares tips with the other', async () => {
  const served = generatedChain(regtest, 2500, 'c');
  const a = await peer(served);
  const b = await peer(served);
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: a.port });
  await c.node.manager.connect({ host: '127.0.0.1', port: b.port });
  const s = await synced(c.sync);
  expect(s.height).toBe(2500);
  expect(s.peersUsed).toHaveLength(1);
});

test('reorg deeper than one getheaders batch: a longer branch from height 500 wins', async () => {
  const a = generatedChain(regtest, 3000, 'main');
  const b = fork(a, 500, 3000, 'branch'); // height 3500, forks at 500
  const pa = await peer(a);
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: pa.port });
  await synced(c.sync);
  expect(c.chain.tip.hashHex).toBe(a.tip.hashHex);
  const reorg = once(c.sync, 'reorg');
  const pb = await peer(b);
  await c.node.manager.connect({ host: '127.0.0.1', port: pb.port });
  const [r] = (await reorg) as [{ depth: number; forkHeight: number }];
  expect(r.forkHeight).toBe(500);
  expect(r.depth).toBe(2500);
  const deadline = Date.now() + 10000;
  while (c.chain.height < 3500 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  expect(c.chain.tip.hashHex).toBe(b.tip.hashHex);
  expect(c.log.has(/reorg of depth 2500/)).toBe(true);
});

test('reorg of depth 1 announced by the peer', async () => {
  const a = generatedChain(regtest, 100, 'x');
  const pa = await peer(a);
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: pa.port });
  await synced(c.sync);
  // The peer switches to a branch that replaces the tip and adds one more.
  const b = fork(a, 99, 2, 'y');
  const pb = await peer(b);
  const reorg = once(c.sync, 'reorg');
  await c.node.manager.connect({ host: '127.0.0.1', port: pb.port });
  const [r] = (await reorg) as [{ depth: number }];
  expect(r.depth).toBe(1);
  expect(c.chain.height).toBe(101);
});

test('a peer that lies about its height: synced with what it really has', async () => {
  const served = generatedChain(regtest, 100, 'liar');
  const p = await peer(served, { startHeight: 1_000_000 });
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const s = await synced(c.sync);
  expect(s.height).toBe(100);
  expect(c.log.has(/claimed height 1000000 but has nothing beyond our 100/)).toBe(true);
});

test('2,001 headers in one message: banned', async () => {
  const served = generatedChain(regtest, 2001, 'big');
  const raw = served.headerBytes(1, 2002);
  const payload = new Uint8Array(3 + 2001 * 81);
  payload.set([0xfd, 2001 & 0xff, 2001 >> 8]);
  concatBytes(raw).forEach((b, i) => (payload[3 + Math.floor(i / 80) * 81 + (i % 80)] = b));
  const p = await peer(served, { service: answering((peer) => peer.sendRaw(frame(regtest.magic, 'headers', payload))) });
  const c = client();
  const banned = once(c.node.manager, 'banned');
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const [host, code] = (await banned) as [string, string];
  expect(host).toBe('127.0.0.1');
  expect(['oversized', 'too_many']).toContain(code);
  expect(c.chain.height).toBe(0);
});

test('invalid proof of work: banned, with the rule it broke', async () => {
  const base = generatedChain(regtest, 10, 'pow');
  const b = new ChainBuilder(regtest, { seed: 'pow' }, concatBytes(base.headerBytes(0, 11)));
  const bad = b.next({ pow: 'invalid' });
  const p = await peer(base, { service: answering((peer) => peer.send({ command: 'headers', headers: [...headersOf(base, 1, 11), bad] })) });
  const c = client();
  const banned = once(c.node.manager, 'banned');
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const [, code, message] = (await banned) as [string, string, string];
  expect(code).toBe('high_hash');
  expect(message).toMatch(/height 11/);
  expect(c.chain.height).toBe(10); // the valid ones before it stay
});

test('headers that never connect: re-asked, then the peer is dropped (not banned)', async () => {
  const other = generatedChain(regtest, 30, 'elsewhere');
  const svc = answering((peer) => peer.send({ command: 'headers', headers: headersOf(other, 20, 25) }));
  const p = await peer(other, { service: svc });
  const c = client();
  let banned = false;
  c.node.manager.on('banned', () => (banned = true));
  const gone = once(c.node.manager, 'disconnected');
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const [, why] = (await gone) as [unknown, { code: string }];
  expect(why.code).toBe('unconnecting_headers');
  expect(svc.requests).toBe(11);
  expect(banned).toBe(false);
});

test('the same batch forever: the peer is dropped', async () => {
  const served = generatedChain(regtest, 2000, 'loop');
  const svc = answering((peer) => peer.send({ command: 'headers', headers: headersOf(served, 1, 2001) }));
  const p = await peer(served, { service: svc });
  const c = client();
  const gone = once(c.node.manager, 'disconnected');
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const [, why] = (await gone) as [unknown, { code: string }];
  expect(why.code).toBe('headers_no_progress');
  expect(c.chain.height).toBe(2000);
});

test('a stalling sync peer is dropped and another takes over', async () => {
  const served = generatedChain(regtest, 300, 'stall');
  const silent = await peer(served, { service: answering(() => {}), startHeight: 10_000, frozen: true });
  const c = client(undefined, { responseTimeoutMs: 500 });
  await c.node.manager.connect({ host: '127.0.0.1', port: silent.port });
  const honest = await peer(served);
  await c.node.manager.connect({ host: '127.0.0.1', port: honest.port });
  const s = await synced(c.sync);
  expect(s.height).toBe(300);
  expect(c.log.has(/sync peer .* gone \(headers_stalled\)/)).toBe(true);
});

test('follows the tip: new headers announced by headers (BIP130) and by inv', async () => {
  const served = generatedChain(regtest, 50, 'tip');
  const p = await peer(served);
  const c = client();
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  await synced(c.sync);
  const miner = new TipMiner(served);
  // One header: announced as a headers message (we sent sendheaders).
  let tip = once(c.sync, 'tip');
  p.server.announce(miner.mine());
  expect(((await tip) as [number])[0]).toBe(51);
  // Nine at once: more than MAX_BLOCKS_TO_ANNOUNCE, so announced by inv; we fetch them.
  const from = served.height + 1;
  for (let i = 0; i < 9; i++) miner.mine();
  tip = once(c.sync, 'tip');
  p.server.announce(from);
  expect(((await tip) as [number])[0]).toBe(60);
  expect(c.chain.tip.hashHex).toBe(served.tip.hashHex);
});

test('a peer silent when up to date (bcoin): answers the ping after our getheaders, so we are synced, not stalled', async () => {
  const served = generatedChain(regtest, 300, 'silent');
  const p = await peer(served, { silentWhenUpToDate: true });
  // First sync: it has headers for us.
  const first = client(undefined, { responseTimeoutMs: 60_000 });
  await first.node.manager.connect({ host: '127.0.0.1', port: p.port });
  expect((await synced(first.sync)).height).toBe(300);
  // Second sync on the up-to-date chain: the peer sends nothing at all, yet its pong arrives.
  const second = client(first.chain, { responseTimeoutMs: 60_000 });
  let gone = false;
  second.node.manager.on('disconnected', () => (gone = true));
  await second.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const s = await synced(second.sync, 10_000); // long before the 60 s stall timeout
  expect(s.height).toBe(300);
  expect(s.headersReceived).toBe(0);
  expect(second.log.has(/answered our ping but sent no headers/)).toBe(true);
  expect(gone).toBe(false);
});

test('a peer that says nothing at all (no pong either) but claims no more than we have: up to date at the timeout, kept', async () => {
  const served = generatedChain(regtest, 120, 'mute');
  const chain = generatedChain(regtest, 120, 'mute');
  const p = await peer(served, { frozen: true });
  const c = client(chain, { responseTimeoutMs: 300 });
  let gone = false;
  c.node.manager.on('disconnected', () => (gone = true));
  await c.node.manager.connect({ host: '127.0.0.1', port: p.port });
  const s = await synced(c.sync);
  expect(s.height).toBe(120);
  expect(c.log.has(/claims height 120 <= our 120: up to date/)).toBe(true);
  expect(gone).toBe(false);
});

test('a peer that answers the ping but never getheaders while claiming more: has nothing for us, not a stall', async () => {
  const served = generatedChain(regtest, 200, 'ibd');
  const mute = await peer(served, { service: answering(() => {}), startHeight: 5000 }); // like Core in IBD
  const honest = await peer(served);
  const c = client(undefined, { responseTimeoutMs: 60_000 });
  await c.node.manager.connect({ host: '127.0.0.1', port: mute.port });
  await c.node.manager.connect({ host: '127.0.0.1', port: honest.port });
  const deadline = Date.now() + 10_000;
  while (c.chain.height < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(c.chain.tip.hashHex).toBe(served.tip.hashHex);
  expect(c.log.has(/headers_stalled/)).toBe(false);
});

test('a deeper branch with more work waits while another holds the deep-branch slot, is asked again, and wins; its peer is kept (issue 13)', async () => {
  const main = generatedChain(regtest, 300, 'main-slot');
  const holder = fork(main, 10, 250, 'holder'); // height 260: less work than ours, enough to be stored
  const better = fork(main, 12, 400, 'better'); // height 412: the most work
  const ours = new HeaderChain(regtest, { maxSideHeaders: 50 });
  const all = headersOf(main, 1, 301);
  for (let i = 0; i < all.length; i += 2000) expect(ours.acceptHeaders(all.slice(i, i + 2000), nowS()).error).toBeUndefined();
  let clock = nowS();
  const log = new MemoryLog();
  const sync = new HeaderSync({ chain: ours, log, nowSeconds: () => clock, deepRetryMs: 100 });
  const node = createBitcoinNode({ params: regtest, log, startHeight: () => ours.height });
  node.protocol.use(sync);
  cleanup.push(() => node.manager.close());
  const dropped: string[] = [];
  node.manager.on('disconnected', (_p, why) => dropped.push(why.code));

  const ph = await peer(holder);
  await node.manager.connect({ host: '127.0.0.1', port: ph.port });
  await synced(sync);
  expect(ours.deepBranchSize).toBe(250);
  expect(ours.height).toBe(300);

  const pb = await peer(better);
  await node.manager.connect({ host: '127.0.0.1', port: pb.port });
  const deadline = Date.now() + 10000;
  while (!log.has(/waits for the deep-branch slot/) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(log.has(/waits for the deep-branch slot/)).toBe(true);
  expect(ours.height).toBe(300);
  // The holder sits idle past DEEP_BRANCH_IDLE_S; the waiting peer's next try takes the slot.
  clock += 121;
  while (ours.height < 412 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(ours.tip.hashHex).toBe(better.tip.hashHex);
  expect(dropped).toEqual([]);
});
