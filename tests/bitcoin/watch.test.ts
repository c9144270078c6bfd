// Watching an address end to end over real TCP on loopback, against local peers serving a
// generated regtest chain with payments and spends: found at the right heights, right balance,
// resume after restart, reorg undo, and every kind of lying peer caught and banned.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS, type NetworkParams } from '../../src/params/networks.js';
import { toHex } from '../../src/util/bytes.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { Watcher, WatchError } from '../../src/bitcoin/watcher.js';
import { BLOCK_FETCH_WINDOW } from '../../src/bitcoin/filter-scan.js';
import { reason } from '../../src/net/disconnect.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeer, type LocalPeerOptions } from '../../src/bitcoin/local-chain.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { WatchStore } from '../../src/wallet/watch-store.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript } from '../../src/tx/builder.js';
import type { TxRecord } from '../../src/wallet/wallet.js';
import type { Message } from '../../src/wire/message.js';
import { InvType } from '../../src/wire/inventory.js';
import { bytesEqual } from '../../src/util/bytes.js';

const regtest = NETWORKS.regtest;
const script = p2wpkhScript(new Uint8Array(20).fill(0x42));
const address = encodeAddress(script, regtest);
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function chainWithPayments(seed = 'w', blocks = 300): LocalBlockChain {
  return LocalBlockChain.generate(regtest, {
    blocks,
    seed,
    payments: [
      { kind: 'pay', script, amount: 50_000_000n, height: 120 },
      { kind: 'pay', script, amount: 7_000n, height: 130 },
      { kind: 'spend', script, amount: 20_000_000n, height: 150 },
    ],
  });
}

let hostN = 20;
async function peer(chain: LocalBlockChain, opts: LocalPeerOptions = {}): Promise<LocalPeer> {
  const p = await startLocalPeer(chain, { host: `127.0.0.${hostN++}`, ...opts });
  cleanup.push(() => p.close());
  return p;
}

interface Client {
  node: BitcoinNode;
  watcher: Watcher;
  sync: HeaderSync;
  found: TxRecord[];
  undone: TxRecord[];
  dir: string;
  close: () => Promise<void>;
}

async function client(dir: string, peers: LocalPeer[], opts: { bloom?: boolean; params?: NetworkParams; requestTimeoutMs?: number } = {}): Promise<Client> {
  const params = opts.params ?? regtest;
  const store = HeaderStore.open({ datadir: dir, params });
  const ws = new WatchStore(dir);
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const watcher = new Watcher({ params, chain: store.chain, sync, store: ws, watched: [{ address, script: toHex(script) }], fromHeight: 0, bloom: opts.bloom, requestTimeoutMs: opts.requestTimeoutMs ?? 5000 });
  const node = createBitcoinNode({ params: regtest, startHeight: () => store.chain.height });
  node.protocol.use(sync);
  for (const s of watcher.services) node.protocol.use(s);
  const found: TxRecord[] = [];
  const undone: TxRecord[] = [];
  watcher.on('tx', (r) => found.push(r));
  watcher.on('undone', (r) => undone.push(r));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await node.manager.close();
    await watcher.idle();
    ws.close();
    store.close();
  };
  cleanup.push(close);
  const synced = once(sync, 'synced');
  for (const p of peers) await node.manager.connect({ host: p.host, port: p.port });
  await synced;
  return { node, watcher, sync, found, undone, dir, close };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-watch-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function expectMatchesChain(c: Client, chain: LocalBlockChain): void {
  const expected = chain.historyOf(script);
  expect(c.watcher.wallet.records.map((r) => [r.height, r.txid])).toEqual(expected.map((e) => [e.height, toHexDisplay(e.txid)]));
  expect(c.watcher.wallet.balance(address)).toBe(chain.balanceOf(script));
}

function toHexDisplay(txid: Uint8Array | string): string {
  return typeof txid === 'string' ? txid : toHex(Uint8Array.from(txid).reverse());
}

describe.each([false, true])('bloom=%s', (bloom) => {
  test('payments and spends are found at the right heights; balance and unspent outputs are right', async () => {
    const chain = chainWithPayments();
    const c = await client(tmp(), [await peer(chain)], { bloom });
    await c.watcher.scanToTip();
    expect(c.found.map((r) => r.height)).toEqual([120, 130, 150]);
    expect(c.found[0]?.received).toEqual({ [address]: '50000000' });
    expect(c.found[2]?.sent).toEqual({ [address]: '50000000' });
    expectMatchesChain(c, chain);
    expect(c.watcher.wallet.balance(address)).toBe(50_000_000n + 7_000n - 20_000_000n - 1_000n);
    expect(c.watcher.wallet.unspent(address)).toHaveLength(2);
  });
});

test('a restart resumes the scan instead of starting over', async () => {
  const chain = chainWithPayments('resume');
  const p = await peer(chain);
  const dir = tmp();
  let c = await client(dir, [p]);
  await c.watcher.scanToTip();
  expect(c.watcher.scannedHeight).toBe(300);
  await c.close();
  // Ten more blocks, one of them paying us.
  p.mine([{ kind: 'pay', script, amount: 12_345n }]);
  for (let i = 0; i < 9; i++) p.mine();
  c = await client(dir, [p]);
  const scannedFrom: number[] = [];
  c.watcher.on('progress', (x) => scannedFrom.push(x.height));
  expect(c.watcher.wallet.records).toHaveLength(3); // loaded from the datadir
  await c.watcher.scanToTip();
  expect(scannedFrom).toEqual([310]);
  expect(c.found.map((r) => r.height)).toEqual([301]);
  expectMatchesChain(c, chain);
});

test('a reorg that removes a matched block removes its transactions', async () => {
  const chain = chainWithPayments('reorg');
  const p = await peer(chain);
  const c = await client(tmp(), [p]);
  await c.watcher.scanToTip();
  expect(c.watcher.wallet.records).toHaveLength(3);
  c.watcher.follow();
  let target = Infinity;
  const rescanned = new Promise<void>((resolve) => c.watcher.on('scanned', (h) => h >= target && resolve()));
  p.fork(140); // a longer branch from 140 without the spend at 150 (the payments at 120 and 130 stay)
  target = chain.height;
  await rescanned;
  expect(c.undone.map((r) => r.height)).toEqual([150]);
  expect(c.watcher.wallet.records.map((r) => r.height)).toEqual([120, 130]);
  expectMatchesChain(c, chain);
});

describe('lying peers are caught and banned; the scan ends right with the honest one', () => {
  async function withLiar(opts: LocalPeerOptions, bloom = false): Promise<{ c: Client; liar: LocalPeer; chain: LocalBlockChain; reasons: string[] }> {
    const chain = chainWithPayments('liar', 2500);
    const liar = await peer(chain, opts);
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest], { bloom });
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    return { c, liar, chain, reasons };
  }

  test('wrong filter headers (checkpoints disagree; the block decides)', async () => {
    const { c, liar, chain, reasons } = await withLiar({ filterLie: { kind: 'wrong-headers', fromHeight: 1500 } });
    expect(c.node.manager.banFor(liar.host)).toBeDefined();
    expect(reasons.join()).toMatch(/bad_filter: its filter for block 1500 does not hash to its filter header/);
    expectMatchesChain(c, chain);
  });

  test('a filter that omits our script, with a header chain to match (only the block shows it)', async () => {
    const { c, liar, chain, reasons } = await withLiar({ filterLie: { kind: 'omit-scripts', scripts: [script] } });
    expect(c.node.manager.banFor(liar.host)).toBeDefined();
    expect(reasons.join()).toMatch(/omits an output script/);
    expectMatchesChain(c, chain);
  });

  test('a filter that does not match its filter header', async () => {
    const chain = chainWithPayments('badfilter');
    const liar = await peer(chain, { filterLie: { kind: 'bad-filter', heights: [120] } });
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest]);
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    expect(reasons.join()).toMatch(/filter_header_mismatch/);
    expect(c.node.manager.banFor(liar.host)).toBeDefined();
    expectMatchesChain(c, chain);
  });

  test('a block whose merkle root does not match its header', async () => {
    const chain = chainWithPayments('tamper');
    const liar = await peer(chain, { blockLie: { kind: 'tampered-block', heights: [120] } });
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest]);
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    expect(reasons.join()).toMatch(/bad_block.*merkle/);
    expect(c.node.manager.banFor(liar.host)).toBeDefined();
    expectMatchesChain(c, chain);
  });

  test('BIP37: a merkleblock with a forged tree', async () => {
    const chain = chainWithPayments('forged');
    const liar = await peer(chain, { blockLie: { kind: 'forged-merkleblock', forgery: 'fake-match' } });
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest], { bloom: true });
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    expect(reasons.join()).toMatch(/bad_merkleblock/);
    expect(c.node.manager.banFor(liar.host)).toBeDefined();
    expectMatchesChain(c, chain);
  });
});

describe.each([false, true])('reorgs while scan requests are outstanding (bloom=%s)', (bloom) => {
  // 300 blocks paying us at 120 and 130, spending at 150, paying again at 296. The peer replaces
  // blocks 294.. with a longer branch (no payment at 296) just before it answers our request:
  // the headers announcing the branch reach us before the answer for the replaced blocks.
  function reorgChain(seed: string): LocalBlockChain {
    return LocalBlockChain.generate(regtest, {
      blocks: 300,
      seed,
      payments: [
        { kind: 'pay', script, amount: 50_000_000n, height: 120 },
        { kind: 'pay', script, amount: 7_000n, height: 130 },
        { kind: 'spend', script, amount: 20_000_000n, height: 150 },
        { kind: 'pay', script, amount: 3_000_000n, height: 296 },
      ],
    });
  }

  async function reorgDuring(seed: string, when: (msg: Message, chain: LocalBlockChain) => boolean): Promise<void> {
    const chain = reorgChain(seed);
    let forked = false;
    let p: LocalPeer | undefined;
    p = await peer(chain, {
      beforeServe: (_peer, msg) => {
        if (forked || !p || !when(msg, chain)) return;
        forked = true;
        p.fork(293); // 8 new headers: announced as `headers`, sent before the answer
      },
    });
    const c = await client(tmp(), [p], { bloom });
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    expect(forked).toBe(true);
    expect(chain.height).toBe(301);
    // The honest peer is neither banned nor dropped; the scan reached the new tip.
    expect(reasons).toEqual([]);
    expect(c.node.manager.banFor(p.host)).toBeUndefined();
    expect(c.watcher.scannedHeight).toBe(301);
    // No payment from the replaced branch, not even for a moment (its late replies are stale:
    // nothing from them is reported and then undone); the same history and balance as a fresh scan.
    expect(c.watcher.wallet.records.map((r) => r.height)).toEqual([120, 130, 150]);
    expect(c.found.map((r) => r.height)).toEqual([120, 130, 150]);
    expect(c.undone).toEqual([]);
    expectMatchesChain(c, chain);
    const fresh = await client(tmp(), [p], { bloom });
    await fresh.watcher.scanToTip();
    expect(c.watcher.wallet.balance(address)).toBe(fresh.watcher.wallet.balance(address));
    expect(c.watcher.wallet.unspent(address)).toEqual(fresh.watcher.wallet.unspent(address));
    // The saved scan names the new chain's block at its height (a restart resumes, not rescans).
    await c.close();
    const again = await client(c.dir, [p], { bloom });
    expect(again.watcher.scannedHeight).toBe(301);
    expect(again.watcher.wallet.records.map((r) => r.height)).toEqual([120, 130, 150]);
  }

  const filterRequest = (msg: Message): boolean => (bloom ? msg.command === 'getdata' && msg.items.some((i) => i.type === InvType.FILTERED_BLOCK) : msg.command === 'getcfilters');
  const blockRequest = (height: number) => (msg: Message, chain: LocalBlockChain): boolean =>
    msg.command === 'getdata' && msg.items.some((i) => bytesEqual(i.hash, chain.blockAt(height).hash) && i.type !== InvType.FILTERED_BLOCK);

  test('a reorg while the filters (getcfilters / filtered blocks) are outstanding', async () => {
    await reorgDuring(`reorg-filters-${bloom}`, filterRequest);
  });

  if (!bloom) {
    test('a reorg while a matched block (getdata) is outstanding', async () => {
      await reorgDuring('reorg-block', blockRequest(296));
    });

    test('a reorg while the filter headers (getcfheaders) are outstanding', async () => {
      await reorgDuring('reorg-cfheaders', (msg) => msg.command === 'getcfheaders');
    });
  }
});

test('a chain below the network minimum chain work is not scanned (as `spv sync` does not call it synced)', async () => {
  const chain = chainWithPayments('minwork');
  const p = await peer(chain);
  const params: NetworkParams = { ...regtest, minimumChainWork: chain.headers.tipWork + 1n };
  const c = await client(tmp(), [p], { params });
  expect(c.sync.summary().belowMinimumWork).toBe(true);
  await expect(c.watcher.scanToTip()).rejects.toThrow(WatchError);
  await expect(c.watcher.scanToTip()).rejects.toMatchObject({ code: 'below_minimum_work' });
  expect(c.found).toEqual([]);
  expect(c.watcher.scannedHeight).toBe(-1);
  expect(p.filterServer?.answered.getcfilters).toBe(0);
  // One block more and the chain has the minimum work: now it is scanned.
  const tipped = once(c.sync, 'tip');
  p.mine();
  await tipped;
  await c.watcher.scanToTip();
  expectMatchesChain(c, chain);
});

describe('bounded memory against one hostile scan peer', () => {
  test('cfilters are checked as they arrive: a bad one bans its peer at once, without waiting for the rest', async () => {
    const chain = chainWithPayments('asarrive');
    const liar = await peer(chain, { filterLie: { kind: 'bad-filter', heights: [5], thenSilent: true } });
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest]);
    const reasons: string[] = [];
    c.watcher.on('liar', (_p, why) => reasons.push(why));
    await c.watcher.scanToTip();
    // Waiting for all 301 filters would end in a request timeout (a drop, not a ban).
    expect(reasons.join()).toMatch(/filter_header_mismatch: filter for block 5/);
    expect(c.node.manager.banFor(liar.host)?.code).toBe('filter_header_mismatch');
    expectMatchesChain(c, chain);
  });

  test('an oversized cfilter (4 MB, more than any block filter) is refused from its frame header: the peer is banned, the scan ends right with the honest one', async () => {
    const chain = chainWithPayments('oversized');
    const liar = await peer(chain, { filterLie: { kind: 'oversized-filter', heights: [7] } });
    const honest = await peer(chain);
    const c = await client(tmp(), [liar, honest]);
    await c.watcher.scanToTip();
    // Refused by the wire layer (not read in and then found not to match its filter header).
    expect(c.node.manager.banFor(liar.host)?.code).toBe('oversized');
    expect(c.node.manager.banFor(honest.host)).toBeUndefined();
    expect(liar.filterServer?.answered.getcfilters).toBeGreaterThan(0);
    expectMatchesChain(c, chain);
  });

  test('a filter peer making every block match gets them fetched through a bounded window, applied in order', async () => {
    const chain = chainWithPayments('matchall');
    const liar = await peer(chain, { filterLie: { kind: 'add-scripts', scripts: [script] } });
    const c = await client(tmp(), [liar]);
    const heights: number[] = [];
    c.watcher.on('tx', (r) => heights.push(r.height));
    await c.watcher.scanToTip();
    expect(liar.blockServer.sent.blocks).toBe(chain.height + 1); // every block "matched"
    const scanner = c.watcher.services.find((s) => 'peaks' in s) as unknown as { peaks: { blocksInFlight: number } };
    expect(scanner.peaks.blocksInFlight).toBe(BLOCK_FETCH_WINDOW);
    expect(heights).toEqual([120, 130, 150]);
    expectMatchesChain(c, chain);
  });

  test('BIP37: unmatched or repeated transactions are dropped as they arrive', async () => {
    const chain = chainWithPayments('txflood');
    const flooder = await peer(chain, { blockLie: { kind: 'tx-flood', count: 2_500, heights: [100, 120, 130, 150] } });
    const c = await client(tmp(), [flooder], { bloom: true, requestTimeoutMs: 60_000 }); // slow under load: not a timing test
    await c.watcher.scanToTip();
    expect(flooder.blockServer.sent.txs).toBeGreaterThan(4 * 2_500);
    const scanner = c.watcher.services.find((s) => 'peaks' in s) as unknown as { peaks: { txsHeld: number } };
    expect(scanner.peaks.txsHeld).toBe(1); // one matched tx per block here
    expect(c.node.manager.banFor(flooder.host)).toBeUndefined();
    expectMatchesChain(c, chain);
  });
});

test('BIP37: a retry after a reorg rewind scans the new branch (no stale resume height)', async () => {
  const chain = chainWithPayments('bloom-resume');
  let forked = false;
  const first = await peer(chain, {
    beforeServe: (pp, msg) => {
      if (forked && msg.command === 'getdata' && msg.items.some((i) => i.type === InvType.FILTERED_BLOCK)) pp.disconnect(reason('protocol', 'test_drop', 'dropping the rescan'));
    },
  });
  const second = await peer(chain);
  const c = await client(tmp(), [first, second], { bloom: true });
  await c.watcher.scanToTip();
  expect(first.blockServer.sent.merkleBlocks).toBe(301);
  c.watcher.follow();
  const rescanned = new Promise<void>((resolve) => c.watcher.on('scanned', (h) => forked && h >= 301 && resolve()));
  forked = true;
  first.fork(140, { payments: [{ kind: 'pay', script, amount: 4_000n, height: 200 }] });
  await rescanned;
  expect(c.undone.map((r) => r.height)).toEqual([150]);
  expect(c.watcher.wallet.records.map((r) => r.height)).toEqual([120, 130, 200]);
  expectMatchesChain(c, chain);
});
