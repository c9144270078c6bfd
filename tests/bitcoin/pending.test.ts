// Unconfirmed payments in the watcher, over real TCP on loopback against the local peer's
// mempool: pending then confirmed, outgoing spends, a double spend mined instead (conflicted),
// expiry, a restart that keeps what was confirmed; and hostile peers: an announcement flood,
// unsolicited transactions, a 4 MB transaction, with bounded memory and honest peers unaffected.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { hashToDisplay, toHex } from '../../src/util/bytes.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { Watcher } from '../../src/bitcoin/watcher.js';
import { PendingPayments, type PendingTx } from '../../src/bitcoin/pending-txs.js';
import { MAX_PEER_TX_ANNOUNCEMENTS } from '../../src/bitcoin/tx-download.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { NODE_NETWORK, NODE_WITNESS } from '../../src/bitcoin/services.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { WatchStore } from '../../src/wallet/watch-store.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { InvType, MAX_INV_SZ } from '../../src/wire/inventory.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { txWeight, type Tx } from '../../src/tx/tx.js';
import { MAX_MONEY_SATS, MAX_STANDARD_TX_WEIGHT } from '../../src/tx/check.js';

const regtest = NETWORKS.regtest;
const script = p2wpkhScript(new Uint8Array(20).fill(0x51));
const address = encodeAddress(script, regtest);
const elsewhere = p2wpkhScript(new Uint8Array(20).fill(0x52));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function freshChain(seed: string): LocalBlockChain {
  return LocalBlockChain.generate(regtest, { blocks: 110, seed, payments: [{ kind: 'pay', script, amount: 30_000_000n, height: 105 }] });
}
let hostN = 40;
async function serve(chain: LocalBlockChain): Promise<LocalPeer> {
  const p = await startLocalPeer(chain, { host: `127.0.0.${hostN++}` });
  cleanup.push(() => p.close());
  return p;
}
function payUs(chain: LocalBlockChain, coin: number, amount = 10_000n): Tx {
  const c = chain.unspentOf(chain.minerScript)[coin]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: amount, scriptPubKey: script }, { value: c.value - amount - 1000n, scriptPubKey: chain.minerScript }] });
}

interface Client {
  node: BitcoinNode;
  watcher: Watcher;
  pending: PendingPayments;
  events: { kind: string; tx: PendingTx; extra?: unknown }[];
  close(): Promise<void>;
  dir: string;
}

async function client(chain: LocalBlockChain, peers: { host: string; port: number }[], opts: { dir?: string; now?: () => number; bloom?: boolean } = {}): Promise<Client> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'spv-pending-'));
  if (!opts.dir) cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const ws = new WatchStore(dir);
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const watcher = new Watcher({ params: regtest, chain: store.chain, sync, store: ws, watched: [{ address, script: toHex(script) }], fromHeight: 0, requestTimeoutMs: 5000, bloom: opts.bloom });
  const pending = new PendingPayments({ wallet: watcher.wallet, chain: store.chain, now: opts.now, bloom: opts.bloom }).attach(watcher);
  // BIP37 mode: relay 0 in version; filterload switches relay on (with the filter).
  const node = createBitcoinNode({ params: regtest, relay: !opts.bloom, startHeight: () => store.chain.height });
  node.protocol.use(sync);
  for (const s of [...watcher.services, ...pending.services]) node.protocol.use(s);
  const events: Client['events'] = [];
  pending.on('pending', (tx) => events.push({ kind: 'pending', tx }));
  pending.on('confirmed', (tx, h) => events.push({ kind: 'confirmed', tx, extra: h }));
  pending.on('conflicted', (tx, by) => events.push({ kind: 'conflicted', tx, extra: by }));
  pending.on('expired', (tx) => events.push({ kind: 'expired', tx }));
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
  await watcher.scanToTip();
  watcher.follow();
  return { node, watcher, pending, events, close, dir };
}

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a payment is pending when announced, then confirmed when its block is scanned; a restart keeps it', async () => {
  const chain = freshChain('p1');
  const peer = await serve(chain);
  const c = await client(chain, [peer]);
  expect(c.watcher.wallet.balance(address)).toBe(30_000_000n);
  const tx = payUs(chain, 0);
  peer.mempoolServer.submit(tx);
  await until(() => c.events.some((e) => e.kind === 'pending'));
  const p = c.events[0]!.tx;
  expect(p).toMatchObject({ txid: hashToDisplay(tx.txid), received: { [address]: '10000' }, sent: {} });
  expect(p.announcers).toHaveLength(1);
  expect(c.pending.pendingBalance(address)).toBe(10_000n);
  expect(c.watcher.wallet.balance(address)).toBe(30_000_000n); // confirmed balance unchanged
  const block = peer.mine();
  await until(() => c.events.some((e) => e.kind === 'confirmed'));
  expect(c.events.find((e) => e.kind === 'confirmed')!.extra).toBe(block.height);
  expect(c.pending.size).toBe(0);
  await until(() => c.watcher.wallet.balance(address) === 30_010_000n);
  // Restart: what was confirmed is still there, nothing pending.
  await c.close();
  const again = await client(chain, [peer], { dir: c.dir });
  expect(again.watcher.wallet.balance(address)).toBe(30_010_000n);
  expect(again.watcher.wallet.records.some((r) => r.txid === hashToDisplay(tx.txid))).toBe(true);
  expect(again.pending.size).toBe(0);
});

test('an outgoing spend of our coin is pending with the amount sent', async () => {
  const chain = freshChain('p2');
  const peer = await serve(chain);
  const c = await client(chain, [peer]);
  const ours = chain.unspentOf(script)[0]!;
  const tx = spendTx({ spends: [{ prevout: ours.outpoint, spentScript: script }], outputs: [{ value: ours.value - 1000n, scriptPubKey: elsewhere }] });
  peer.mempoolServer.submit(tx);
  await until(() => c.events.length > 0);
  expect(c.events[0]).toMatchObject({ kind: 'pending', tx: { sent: { [address]: '30000000' }, received: {} } });
  expect(c.pending.pendingBalance(address)).toBe(-30_000_000n);
});

test('a double spend mined instead: conflicted', async () => {
  const chain = freshChain('p3');
  const peer = await serve(chain);
  const c = await client(chain, [peer]);
  const tx = payUs(chain, 1);
  peer.mempoolServer.submit(tx);
  await until(() => c.events.some((e) => e.kind === 'pending'));
  // The same miner coin spent elsewhere, mined without the pool's transaction.
  const coin = chain.unspentOf(chain.minerScript)[1]!;
  const rival = spendTx({ spends: [{ prevout: coin.outpoint, spentScript: coin.script }], outputs: [{ value: coin.value - 5000n, scriptPubKey: elsewhere }] });
  const block = peer.mine([], { mempool: false, txs: [rival] });
  await until(() => c.events.some((e) => e.kind === 'conflicted'));
  const e = c.events.find((x) => x.kind === 'conflicted')!;
  expect(e.tx.txid).toBe(hashToDisplay(tx.txid));
  expect(e.extra).toMatchObject({ txid: hashToDisplay(rival.txid), height: block.height });
  expect(c.pending.size).toBe(0);
  expect(c.events.some((x) => x.kind === 'confirmed')).toBe(false);
  expect(c.watcher.wallet.balance(address)).toBe(30_000_000n);
});

test('pending transactions neither confirmed nor re-announced are forgotten after the expiry', async () => {
  const chain = freshChain('p4');
  const peer = await serve(chain);
  let now = 1_000_000;
  const c = await client(chain, [peer], { now: () => now });
  peer.mempoolServer.submit(payUs(chain, 2));
  await until(() => c.events.length === 1);
  now += 23 * 3600 * 1000;
  c.pending.sweep();
  expect(c.pending.size).toBe(1);
  now += 2 * 3600 * 1000;
  c.pending.sweep();
  expect(c.events.map((e) => e.kind)).toEqual(['pending', 'expired']);
  expect(c.pending.size).toBe(0);
});

test('--bloom: after filterload, BIP35 mempool brings a payment that was already in the peer\'s pool', async () => {
  const chain = freshChain('p7');
  const peer = await serve(chain);
  const early = payUs(chain, 5);
  peer.mempoolServer.submit(early); // before the client connects: never announced to it
  const c = await client(chain, [peer], { bloom: true });
  await until(() => c.events.some((e) => e.kind === 'pending'));
  expect(c.events[0]!.tx.txid).toBe(hashToDisplay(early.txid));
  // Only transactions matching the filter were announced: an unrelated one is not.
  const unrelatedCoin = chain.unspentOf(chain.minerScript)[6]!;
  peer.mempoolServer.submit(spendTx({ spends: [{ prevout: unrelatedCoin.outpoint, spentScript: unrelatedCoin.script }], outputs: [{ value: 5000n, scriptPubKey: elsewhere }] }));
  peer.mempoolServer.submit(payUs(chain, 7));
  await until(() => c.events.filter((e) => e.kind === 'pending').length === 2);
  expect(c.pending.stats.unrelated).toBe(0);
});

test('--bloom resumed at the tip (nothing to scan): the filter is still loaded and BIP35 mempool asked', async () => {
  const chain = freshChain('p8');
  const peer = await serve(chain);
  const first = await client(chain, [peer], { bloom: true });
  const dir = first.dir;
  await first.close();
  const early = payUs(chain, 5);
  peer.mempoolServer.submit(early);
  let mempoolAsked = 0;
  peer.node.protocol.use({ onMessage: (_p, m) => void (m.command === 'mempool' && mempoolAsked++) });
  const again = await client(chain, [peer], { bloom: true, dir });
  expect(again.watcher.scannedHeight).toBe(chain.height); // resumed: no block to scan
  await until(() => again.events.some((e) => e.kind === 'pending'));
  expect(again.events[0]!.tx.txid).toBe(hashToDisplay(early.txid));
  expect(mempoolAsked).toBe(1);
});

/** A hostile peer the client dials: runs `onReady` against the client once the handshake is done. */
async function hostile(chain: LocalBlockChain, onReady: (peer: BitcoinPeer) => void): Promise<{ host: string; port: number; node: BitcoinNode }> {
  const node = createBitcoinNode({ params: regtest, services: NODE_NETWORK | NODE_WITNESS, startHeight: () => chain.height });
  // It serves headers honestly (so the client syncs), then misbehaves with transactions.
  node.protocol.use(new HeaderServer(chain.headers)).use({ onReady });
  cleanup.push(() => node.manager.close());
  const host = `127.0.0.${hostN++}`;
  const bound = await node.manager.listen({ host, port: 0 });
  return { host, port: bound.port, node };
}
function randomIds(n: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, i, true);
    new DataView(h.buffer).setUint32(4, seed, true);
    out.push(h);
  }
  return out;
}

test('100,000 announced txids from one peer: at most 5,000 tracked, requests capped; an honest peer still delivers', async () => {
  const chain = freshChain('p5');
  const honest = await serve(chain);
  let getdataItems = 0;
  const flood = await hostile(chain, (peer) => {
    const ids = randomIds(100_000, 1);
    for (let i = 0; i < ids.length; i += MAX_INV_SZ) peer.send({ command: 'inv', items: ids.slice(i, i + MAX_INV_SZ).map((hash) => ({ type: InvType.WTX, hash })) });
  });
  flood.node.protocol.use({ onMessage: (_p, m) => void (m.command === 'getdata' && (getdataItems += m.items.length)) });
  const c = await client(chain, [honest, flood]);
  const hostilePeer = c.node.manager.peers.find((p) => p.address.host === flood.host)!;
  await until(() => c.pending.download.stats.dropped + c.pending.download.trackedFrom(hostilePeer) >= 100_000);
  expect(c.pending.download.trackedFrom(hostilePeer)).toBeLessThanOrEqual(MAX_PEER_TX_ANNOUNCEMENTS);
  expect(c.pending.download.stats.dropped).toBeGreaterThanOrEqual(100_000 - MAX_PEER_TX_ANNOUNCEMENTS);
  await until(() => getdataItems >= 100);
  expect(getdataItems).toBe(100); // MAX_PEER_TX_REQUEST_IN_FLIGHT, never answered
  honest.mempoolServer.submit(payUs(chain, 3));
  await until(() => c.events.some((e) => e.kind === 'pending'));
  expect(hostilePeer.isClosed).toBe(false);
});

test('unsolicited unrelated transactions and a 4 MB one are matched and dropped; memory holds ids only', async () => {
  const chain = freshChain('p6');
  const honest = await serve(chain);
  const spam = await hostile(chain, (peer) => {
    for (let i = 0; i < 2_000; i++) {
      const tx = spendTx({ spends: [{ prevout: { txid: randomIds(1, 1000 + i)[0]!, vout: 0 } }], outputs: [{ value: 1n, scriptPubKey: elsewhere }] });
      peer.send({ command: 'tx', tx });
    }
    // 4 MB, nearly all witness: over the standard weight (policy, not relayed) but not over a
    // block's base size, so not consensus-invalid: dropped, the sender not punished.
    const huge = spendTx({ spends: [{ prevout: { txid: new Uint8Array(32).fill(9), vout: 0 }, witness: [new Uint8Array(3_990_000)] }], outputs: [{ value: 1n, scriptPubKey: elsewhere }] });
    peer.send({ command: 'tx', tx: huge });
  });
  const c = await client(chain, [honest, spam]);
  await until(() => c.pending.stats.unrelated + c.pending.stats.invalid === 2_001);
  expect(c.pending.stats).toMatchObject({ unrelated: 2_000, invalid: 1 });
  expect(c.pending.size).toBe(0);
  expect(c.pending.download.stats.unsolicited).toBe(2_001);
  // A payment sent unsolicited by the same peer is still seen (Core processes those too).
  const spamPeer = c.node.manager.peers.find((p) => p.address.host === spam.host)!;
  const remote = spam.node.manager.peers[0] as BitcoinPeer;
  remote.send({ command: 'tx', tx: payUs(chain, 4) });
  await until(() => c.events.some((e) => e.kind === 'pending'));
  expect(spamPeer.isClosed).toBe(false);
  expect(honest.node.manager.peers.length).toBe(1);
});

/** Consensus-invalid transactions that would otherwise match (pay us, or spend our coin). */
const NULL_PREVOUT = { txid: new Uint8Array(32), vout: 0xffffffff };
const invalidPayments: [string, (chain: LocalBlockChain) => Tx][] = [
  ['duplicate inputs (bad-txns-inputs-duplicate)', (chain) => {
    const c = chain.unspentOf(chain.minerScript)[8]!;
    return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }, { prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: 10_000n, scriptPubKey: script }] });
  }],
  ['an output over 21 M BTC (bad-txns-vout-toolarge)', (chain) => {
    const c = chain.unspentOf(chain.minerScript)[8]!;
    return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: MAX_MONEY_SATS + 1n, scriptPubKey: script }] });
  }],
  ['a coinbase-like input among others (bad-txns-prevout-null)', (chain) => {
    const c = chain.unspentOf(chain.minerScript)[8]!;
    return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }, { prevout: NULL_PREVOUT }], outputs: [{ value: 10_000n, scriptPubKey: script }] });
  }],
  ['a loose coinbase (coinbase)', () => spendTx({ spends: [{ prevout: NULL_PREVOUT, scriptSig: Uint8Array.of(1, 7) }], outputs: [{ value: 10_000n, scriptPubKey: script }] })],
  ['no outputs, spending our coin (bad-txns-vout-empty)', (chain) => {
    const ours = chain.unspentOf(script)[0]!;
    return spendTx({ spends: [{ prevout: ours.outpoint, spentScript: script }], outputs: [] });
  }],
  ['4 MB without witness, over a block (bad-txns-oversize)', (chain) => {
    const c = chain.unspentOf(chain.minerScript)[8]!;
    return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: 10_000n, scriptPubKey: script }, { value: 1n, scriptPubKey: new Uint8Array(3_990_000) }] });
  }],
];

test.each(invalidPayments)('a consensus-invalid transaction paying us, %s: not reported; the sender banned (Core MaybePunishNodeForTx)', async (_what, make) => {
  const chain = freshChain('p9');
  const honest = await serve(chain);
  const bad = await hostile(chain, () => {});
  const c = await client(chain, [honest, bad]);
  const tx = make(chain);
  expect(c.pending.match(tx)).toBeDefined(); // it would match: only the pre-check keeps it out
  const badPeer = c.node.manager.peers.find((p) => p.address.host === bad.host)!;
  (bad.node.manager.peers[0] as BitcoinPeer).send({ command: 'tx', tx });
  await until(() => c.events.length > 0 || badPeer.isClosed);
  expect(c.events).toEqual([]);
  expect(c.pending.stats).toMatchObject({ matched: 0, invalid: 1 });
  expect(badPeer.isClosed).toBe(true);
  expect(c.node.manager.banFor(bad.host)?.code).toBe('invalid_tx');
  // The honest peer still delivers a real payment.
  honest.mempoolServer.submit(payUs(chain, 9));
  await until(() => c.events.length > 0);
  expect(c.events.map((e) => e.kind)).toEqual(['pending']);
});

test('a non-standard payment (weight over 400,000: policy, not consensus) is not reported and its sender is not punished', async () => {
  const chain = freshChain('p10');
  const honest = await serve(chain);
  const odd = await hostile(chain, () => {});
  const c = await client(chain, [honest, odd]);
  const c0 = chain.unspentOf(chain.minerScript)[8]!;
  const heavy = spendTx({ spends: [{ prevout: c0.outpoint, witness: [new Uint8Array(MAX_STANDARD_TX_WEIGHT)] }], outputs: [{ value: 10_000n, scriptPubKey: script }] });
  expect(txWeight(heavy)).toBeGreaterThan(MAX_STANDARD_TX_WEIGHT);
  const remote = odd.node.manager.peers[0] as BitcoinPeer;
  remote.send({ command: 'tx', tx: heavy });
  const fine = payUs(chain, 9);
  remote.send({ command: 'tx', tx: fine }); // processed after the heavy one
  await until(() => c.events.length > 0);
  expect(c.events.map((e) => [e.kind, e.tx.txid])).toEqual([['pending', hashToDisplay(fine.txid)]]);
  expect(c.pending.stats.invalid).toBe(1);
  expect(c.node.manager.peers.find((p) => p.address.host === odd.host)!.isClosed).toBe(false);
});
