// Hostile peers against the local peer's mempool (`spv serve --blocks`) over real TCP: an
// announcement flood, unsolicited transactions, a 4 MB transaction, malformed transactions,
// consensus-invalid ones, getdata for what was never announced, `mempool` without NODE_BLOOM;
// memory bounded, the offender dropped or banned as Core would, an honest peer unaffected.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { MAX_PEER_TX_ANNOUNCEMENTS, MAX_PEER_TX_REQUEST_IN_FLIGHT } from '../../src/bitcoin/tx-download.js';
import { MAX_INVALID_FRAMES } from '../../src/net/peer-manager.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { InvType, MAX_INV_SZ } from '../../src/wire/inventory.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import type { Tx } from '../../src/tx/tx.js';
import { localPeerSuite } from '../helpers/bitcoin-client.js';
import { frame, versionPayload } from '../helpers/frames.js';
import { RawClient } from '../helpers/raw-client.js';

const regtest = NETWORKS.regtest;
const chain = LocalBlockChain.generate(regtest, { blocks: 110, seed: 'hostile-mempool' });
const { serve, connect } = localPeerSuite(chain);
const other = p2wpkhScript(new Uint8Array(20).fill(8));
let coin = 0;
function goodTx(): Tx {
  const c = chain.unspentOf(chain.minerScript)[coin++]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: c.value - 1000n, scriptPubKey: other }] });
}
let hostN = 60;
const freshHost = (): string => `127.0.0.${hostN++}`;
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
function ids(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, i + 1, true);
    return h;
  });
}

test('100,000 announced txids: 5,000 tracked, 100 requested; an honest peer still gets its tx in', async () => {
  const peer = await serve();
  const bad = await connect(peer.port, freshHost());
  const all = ids(100_000);
  for (let i = 0; i < all.length; i += MAX_INV_SZ) bad.send({ command: 'inv', items: all.slice(i, i + MAX_INV_SZ).map((hash) => ({ type: InvType.WTX, hash })) });
  await bad.inbox.until((m) => m.some((x) => x.command === 'getdata'));
  const dl = peer.mempoolServer.download;
  await until(() => dl.stats.dropped >= 100_000 - MAX_PEER_TX_ANNOUNCEMENTS);
  const serverSide = peer.node.manager.peers.find((p) => p.address.host !== '127.0.0.1') as BitcoinPeer;
  expect(dl.trackedFrom(serverSide)).toBe(MAX_PEER_TX_ANNOUNCEMENTS);
  expect(bad.inbox.of('getdata').reduce((n, g) => n + g.items.length, 0)).toBe(MAX_PEER_TX_REQUEST_IN_FLIGHT);
  // Another peer announces a real transaction: fetched and accepted at once.
  const good = await connect(peer.port, freshHost());
  const tx = goodTx();
  good.send({ command: 'inv', items: [{ type: InvType.WTX, hash: tx.wtxid }] });
  await good.inbox.until((m) => m.some((x) => x.command === 'getdata'));
  good.send({ command: 'tx', tx });
  await until(() => peer.mempoolServer.mempool.has(tx.txid));
  expect(bad.remote.isClosed).toBe(false);
});

test('an unsolicited transaction is processed (Core does); sent again it is ignored, no penalty', async () => {
  const peer = await serve();
  const c = await connect(peer.port, freshHost());
  const tx = goodTx();
  const accepted = once(peer.mempoolServer, 'accepted');
  c.send({ command: 'tx', tx });
  await accepted;
  expect(peer.mempoolServer.download.stats.unsolicited).toBe(1);
  c.send({ command: 'tx', tx }); // the same again: ignored, not an error
  await new Promise((r) => setTimeout(r, 100));
  expect(peer.mempoolServer.stats.accepted).toBe(1);
  expect(c.remote.isClosed).toBe(false);
});

test('a 4 MB segwit transaction is refused as non-standard (tx-size), not punished; the pool stays empty', async () => {
  const peer = await serve();
  const c = await connect(peer.port, freshHost());
  const c0 = chain.unspentOf(chain.minerScript)[coin++]!;
  const huge = spendTx({ spends: [{ prevout: c0.outpoint, witness: [new Uint8Array(3_990_000)] }], outputs: [{ value: 1n, scriptPubKey: other }] });
  expect(huge.raw.length).toBeGreaterThan(3_990_000);
  const rejected = once(peer.mempoolServer, 'rejected');
  c.send({ command: 'tx', tx: huge });
  const [, code] = await rejected;
  expect(code).toBe('weight_too_high');
  expect(peer.mempoolServer.mempool.size).toBe(0);
  expect(peer.mempoolServer.mempool.totalBytes).toBe(0);
  expect(c.remote.isClosed).toBe(false);
});

test('a 4 MB transaction without witness is over a block (bad-txns-oversize, consensus): the sender is banned', async () => {
  const peer = await serve();
  const c = await connect(peer.port, freshHost());
  const good = await connect(peer.port, freshHost());
  const c0 = chain.unspentOf(chain.minerScript)[coin++]!;
  const huge = spendTx({ spends: [{ prevout: c0.outpoint, spentScript: c0.script }], outputs: [{ value: 1n, scriptPubKey: new Uint8Array(3_990_000) }] });
  const rejected = once(peer.mempoolServer, 'rejected');
  c.send({ command: 'tx', tx: huge });
  const [, code] = await rejected;
  expect(code).toBe('oversize');
  await c.inbox.until(() => c.inbox.closed !== undefined).catch(() => undefined);
  expect(c.remote.isClosed).toBe(true);
  expect(good.remote.isClosed).toBe(false);
});

test('a consensus-invalid transaction (duplicate inputs) gets the sender banned; others are unaffected', async () => {
  const peer = await serve();
  const host = freshHost();
  const c = await connect(peer.port, host);
  const good = await connect(peer.port, freshHost());
  const cc = chain.unspentOf(chain.minerScript)[coin++]!;
  const dup = spendTx({ spends: [{ prevout: cc.outpoint }, { prevout: cc.outpoint }], outputs: [{ value: 1n, scriptPubKey: other }] });
  c.send({ command: 'tx', tx: dup });
  await c.inbox.until(() => c.inbox.closed !== undefined).catch(() => undefined);
  expect(c.remote.isClosed).toBe(true);
  expect(good.remote.isClosed).toBe(false);
  const again = await RawClient.connect(peer.port, '127.0.0.1', host);
  expect(await again.waitClosed(3000)).toBe(true);
});

test('malformed tx payloads are skipped and counted; more than the limit bans the peer', async () => {
  const peer = await serve();
  const host = freshHost();
  const c = await RawClient.connect(peer.port, '127.0.0.1', host);
  c.write(frame(regtest.magic, 'version', versionPayload({ nonce: 5n })));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  c.write(frame(regtest.magic, 'verack'));
  expect(await c.waitFor(() => c.commands().includes('ping'), 5000)).toBe(true);
  const tx = goodTx();
  const garbage = [tx.raw.subarray(0, 20), Uint8Array.from([...tx.raw, 1, 2]), Uint8Array.of(1, 0, 0, 0, 0xfd, 0xff, 0xff)];
  for (let i = 0; i <= MAX_INVALID_FRAMES; i++) c.write(frame(regtest.magic, 'tx', garbage[i % garbage.length]));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(peer.mempoolServer.mempool.size).toBe(0);
  const again = await RawClient.connect(peer.port, '127.0.0.1', host);
  expect(await again.waitClosed(3000)).toBe(true);
});

test('getdata for a tx in the pool but never announced to that peer is notfound (Core ProcessGetData)', async () => {
  const peer = await serve();
  const c = await connect(peer.port, freshHost()); // relay = 0: nothing is announced to it
  const tx = goodTx();
  expect(typeof peer.mempoolServer.submit(tx)).toBe('object');
  c.send({ command: 'getdata', items: [{ type: InvType.WTX, hash: tx.wtxid }, { type: InvType.TX, hash: tx.txid }] });
  await c.inbox.until((m) => m.some((x) => x.command === 'notfound'));
  expect(c.inbox.of('notfound')[0]!.items).toHaveLength(2);
  expect(c.inbox.of('tx')).toHaveLength(0);
});

test('mempool (BIP35): answered for bloom peers with an inv of the pool; disconnects without NODE_BLOOM', async () => {
  const peer = await serve();
  const c = await connect(peer.port, freshHost());
  const tx = goodTx();
  peer.mempoolServer.submit(tx);
  c.send({ command: 'mempool' });
  await c.inbox.until((m) => m.some((x) => x.command === 'inv'));
  expect(c.inbox.of('inv')[0]!.items.some((i) => bytesEqual(i.hash, tx.wtxid))).toBe(true);
  // Announced now, so it can be fetched.
  c.send({ command: 'getdata', items: [{ type: InvType.WTX, hash: tx.wtxid }] });
  await c.inbox.until((m) => m.some((x) => x.command === 'tx'));
  const noBloom = await serve({ bloom: false });
  const d = await connect(noBloom.port, freshHost());
  d.send({ command: 'mempool' });
  await d.inbox.until(() => d.inbox.closed !== undefined).catch(() => undefined);
  expect(d.remote.isClosed).toBe(true);
});
