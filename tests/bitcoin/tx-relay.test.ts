// Transaction relay over real TCP on loopback: a TxBroadcaster announcing to the local peer
// (`spv serve`'s mempool), the peer fetching, accepting, relaying to its other peers and mining
// it; the broadcaster answering every getdata type (a segwit tx is never sent stripped), and
// notfound for what it never announced; a peer's notfound (or BIP61 reject) for ours is shown
// in the per-peer report with the reason (issue 11: "gets its reason shown").
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { bytesEqual, hashToDisplay } from '../../src/util/bytes.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { MAX_SENDS_PER_PEER, TxBroadcaster } from '../../src/bitcoin/tx-broadcast.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { NODE_WITNESS } from '../../src/bitcoin/services.js';
import type { BitcoinPeer, PeerService } from '../../src/bitcoin/protocol.js';
import { InvType } from '../../src/wire/inventory.js';
import type { Message } from '../../src/wire/message.js';
import { p2pkhScript, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { hasWitness, type Tx } from '../../src/tx/tx.js';
import { Inbox, localPeerSuite } from '../helpers/bitcoin-client.js';

const regtest = NETWORKS.regtest;
const chain = LocalBlockChain.generate(regtest, { blocks: 110, seed: 'relay' });
const { cleanup, serve, connect } = localPeerSuite(chain);
const dest = p2wpkhScript(new Uint8Array(20).fill(3));
let nextCoin = 0;
/** A segwit spend of a fresh miner coin (P2WPKH: dummy witness). */
function segwitTx(): Tx {
  const c = chain.unspentOf(chain.minerScript)[nextCoin++]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: c.value - 1000n, scriptPubKey: dest }] });
}
/** A legacy (no witness) spend of a fresh miner coin. */
function legacyTx(): Tx {
  const c = chain.unspentOf(chain.minerScript)[nextCoin++]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: p2pkhScript(new Uint8Array(20)) }], outputs: [{ value: c.value - 1000n, scriptPubKey: dest }] });
}

/** A client with relay = 1 in its version (wants transaction invs). */
async function relayClient(port: number): Promise<{ inbox: Inbox; send: (m: Message) => void }> {
  const node = createBitcoinNode({ params: regtest, relay: true });
  const inbox = new Inbox();
  node.protocol.use(inbox);
  cleanup.push(() => node.manager.close());
  const ready = once(node.protocol, 'ready');
  const remote = (await node.manager.connect({ host: '127.0.0.1', port })) as BitcoinPeer;
  await ready;
  return { inbox, send: (m) => remote.send(m) };
}

test('a peer with relay = 0 is not sent transaction invs', async () => {
  const peer = await serve();
  const quiet = await connect(peer.port); // relay = 0 (the default)
  const loud = await relayClient(peer.port);
  const { b } = await broadcaster(segwitTx(), peer.port);
  await once(b, 'done');
  await loud.inbox.until((m) => m.some((x) => x.command === 'inv'));
  // The server announced to both in one loop; give the quiet connection time to deliver one.
  await new Promise((r) => setTimeout(r, 200));
  expect(quiet.inbox.of('inv')).toHaveLength(0);
});

async function broadcaster(tx: Tx, port: number, opts: { services?: bigint; maxPeers?: number } = {}): Promise<{ b: TxBroadcaster; node: BitcoinNode }> {
  const b = new TxBroadcaster(tx, { maxPeers: opts.maxPeers ?? 2, spreadMs: 0 });
  const node = createBitcoinNode({ params: regtest, services: opts.services ?? NODE_WITNESS });
  node.protocol.use(b);
  cleanup.push(() => node.manager.close());
  await node.manager.connect({ host: '127.0.0.1', port });
  return { b, node };
}

test('broadcast to the local peer: MSG_WTX announced, requested, sent, delivered; relayed to another peer; mined', async () => {
  const peer = await serve();
  const watcher = await relayClient(peer.port); // another peer of the server, relay on
  const tx = segwitTx();
  const accepted = once(peer.mempoolServer, 'accepted');
  const { b } = await broadcaster(tx, peer.port);
  await once(b, 'done');
  const [r] = b.delivered;
  expect(r).toMatchObject({ announceType: 'MSG_WTX', requested: ['MSG_WTX'], sentBytes: tx.raw.length });
  await accepted;
  expect(peer.mempoolServer.mempool.has(tx.txid)).toBe(true);
  // The other peer gets an inv (MSG_WTX), fetches it, receives the witness form.
  await watcher.inbox.until((m) => m.some((x) => x.command === 'inv' && x.items.some((i) => i.type === InvType.WTX && bytesEqual(i.hash, tx.wtxid))));
  watcher.send({ command: 'getdata', items: [{ type: InvType.WTX, hash: tx.wtxid }] });
  await watcher.inbox.until((m) => m.some((x) => x.command === 'tx'));
  expect(bytesEqual(watcher.inbox.of('tx')[0]!.tx.raw, tx.raw)).toBe(true);
  // MSG_TX from the server gives the legacy serialization (Core ProcessGetData).
  watcher.send({ command: 'getdata', items: [{ type: InvType.TX, hash: tx.txid }] });
  await watcher.inbox.until((m) => m.filter((x) => x.command === 'tx').length === 2);
  expect(hasWitness(watcher.inbox.of('tx')[1]!.tx)).toBe(false);
  const block = peer.mine();
  expect(block.block.txs.some((t) => bytesEqual(t.txid, tx.txid))).toBe(true);
  expect(peer.mempoolServer.mempool.size).toBe(0);
});

/** A peer that answers every inv with a getdata of the given types (playing Core asking by txid). */
class Requester implements PeerService {
  constructor(private readonly types: number[], private readonly tx: Tx) {}
  onMessage(peer: BitcoinPeer, msg: Message): void {
    if (msg.command !== 'inv') return;
    peer.send({ command: 'getdata', items: this.types.map((type) => ({ type, hash: type === InvType.WTX ? this.tx.wtxid : this.tx.txid })) });
  }
}
async function requester(types: number[], tx: Tx): Promise<{ port: number; inbox: Inbox }> {
  const node = createBitcoinNode({ params: regtest, services: NODE_WITNESS });
  const inbox = new Inbox();
  node.protocol.use(new Requester(types, tx)).use(inbox);
  cleanup.push(() => node.manager.close());
  const bound = await node.manager.listen({ host: '127.0.0.1', port: 0 });
  return { port: bound.port, inbox };
}

test('segwit tx: MSG_WITNESS_TX and MSG_WTX get the witness form; MSG_TX gets notfound, never a stripped tx', async () => {
  const tx = segwitTx();
  const srv = await requester([InvType.TX, InvType.WITNESS_TX, InvType.WTX], tx);
  const { b } = await broadcaster(tx, srv.port);
  await once(b, 'done');
  await srv.inbox.until((m) => m.filter((x) => x.command === 'tx').length === 2 && m.some((x) => x.command === 'notfound'));
  for (const t of srv.inbox.of('tx')) expect(bytesEqual(t.tx.raw, tx.raw)).toBe(true);
  expect(srv.inbox.of('notfound')[0]!.items).toEqual([{ type: InvType.TX, hash: tx.txid }]);
  expect(b.reports[0]!.requested).toEqual(['MSG_TX', 'MSG_WITNESS_TX', 'MSG_WTX']);
  expect(b.reports[0]!.refused).toMatch(/without witness/);
});

test('legacy tx: MSG_TX is served (the same bytes every type)', async () => {
  const tx = legacyTx();
  expect(hasWitness(tx)).toBe(false);
  const srv = await requester([InvType.TX], tx);
  const { b } = await broadcaster(tx, srv.port);
  await once(b, 'done');
  expect(bytesEqual(srv.inbox.of('tx')[0]!.tx.raw, tx.raw)).toBe(true);
  expect(b.delivered).toHaveLength(1);
});

test('getdata for a tx we never announced is answered notfound, nothing sent', async () => {
  const tx = segwitTx();
  const other = segwitTx();
  const srv = await requester([InvType.WTX], other); // asks for `other` whenever we announce `tx`
  const { b } = await broadcaster(tx, srv.port);
  await srv.inbox.until((m) => m.some((x) => x.command === 'notfound'));
  expect(srv.inbox.of('notfound')[0]!.items).toEqual([{ type: InvType.WTX, hash: other.wtxid }]);
  expect(srv.inbox.of('tx')).toHaveLength(0);
  expect(b.delivered).toHaveLength(0);
  expect(b.reports[0]!.requested).toEqual([]);
});

/** A witness peer on loopback that answers our messages with `onMessage` (a script). */
async function scriptedPeer(onMessage: NonNullable<PeerService['onMessage']>): Promise<{ port: number }> {
  const node = createBitcoinNode({ params: regtest, services: NODE_WITNESS });
  node.protocol.use({ onMessage });
  cleanup.push(() => node.manager.close());
  return node.manager.listen({ host: '127.0.0.1', port: 0 });
}

test('a BIP61 reject (bcoin, old Core) for the transaction is shown with its reason', async () => {
  const tx = segwitTx();
  const bound = await scriptedPeer((peer, msg) => {
    if (msg.command === 'inv') peer.send({ command: 'getdata', items: [{ type: InvType.WTX, hash: tx.wtxid }] });
    if (msg.command === 'tx') peer.send({ command: 'reject', message: 'tx', code: 0x10, reason: 'bad-txns-inputs-missingorspent', data: tx.txid });
  });
  const { b } = await broadcaster(tx, bound.port);
  await once(b, 'refused');
  expect(b.reports[0]!.refused).toBe('reject: bad-txns-inputs-missingorspent (code 0x10)');
});

test('a peer answering our inv with notfound (it will not take the transaction) is shown with the reason', async () => {
  const tx = segwitTx();
  const other = segwitTx();
  const bound = await scriptedPeer((peer, msg) => {
    if (msg.command !== 'inv') return;
    // In one notfound: some other transaction (not ours: no refusal by itself), then ours.
    peer.send({ command: 'notfound', items: [{ type: InvType.WTX, hash: other.wtxid }, ...msg.items] });
    peer.send({ command: 'feefilter', feeRate: 1000n }); // a marker: handled after the notfound
  });
  const { b, node: ours } = await broadcaster(tx, bound.port);
  const inbox = new Inbox();
  ours.protocol.use(inbox);
  await inbox.until((m) => m.some((x) => x.command === 'feefilter'));
  expect(b.reports[0]).toMatchObject({ announceType: 'MSG_WTX', requested: [], sentAtMs: undefined, feeFilter: 1000n });
  expect(b.reports[0]!.refused).toBe('notfound: the peer answered notfound for the transaction');
  expect(b.delivered).toHaveLength(0);
});

test('a notfound for another transaction only is no refusal', async () => {
  const tx = segwitTx();
  const other = segwitTx();
  const bound = await scriptedPeer((peer, msg) => {
    if (msg.command !== 'inv') return;
    peer.send({ command: 'notfound', items: [{ type: InvType.WTX, hash: other.wtxid }, { type: InvType.TX, hash: other.txid }] });
    peer.send({ command: 'getdata', items: msg.items });
  });
  const { b } = await broadcaster(tx, bound.port);
  await once(b, 'done'); // messages are processed in order: the notfound came before the getdata
  expect(b.reports[0]!.refused).toBeUndefined();
});

test('a peer asking for our tx 10,000 times in one getdata gets it at most MAX_SENDS_PER_PEER times', async () => {
  const tx = segwitTx();
  const node = createBitcoinNode({ params: regtest, services: NODE_WITNESS });
  const inbox = new Inbox();
  node.protocol.use(inbox).use({
    onMessage: (peer, msg) => {
      if (msg.command === 'inv') peer.send({ command: 'getdata', items: Array.from({ length: 10_000 }, () => ({ type: InvType.WTX, hash: tx.wtxid })) });
    },
  });
  cleanup.push(() => node.manager.close());
  const bound = await node.manager.listen({ host: '127.0.0.1', port: 0 });
  const { b } = await broadcaster(tx, bound.port);
  await once(b, 'done');
  await new Promise((r) => setTimeout(r, 100));
  expect(inbox.of('tx')).toHaveLength(MAX_SENDS_PER_PEER);
  expect(b.reports[0]!.requested).toHaveLength(MAX_SENDS_PER_PEER);
});

test('a segwit tx is not announced to a peer without NODE_WITNESS', async () => {
  const tx = segwitTx();
  const node = createBitcoinNode({ params: regtest, services: 0n });
  const inbox = new Inbox();
  node.protocol.use(inbox);
  cleanup.push(() => node.manager.close());
  const bound = await node.manager.listen({ host: '127.0.0.1', port: 0 });
  const { b } = await broadcaster(tx, bound.port);
  await new Promise((r) => setTimeout(r, 200));
  expect(inbox.of('inv')).toHaveLength(0);
  expect(b.reports[0]!.refused).toMatch(/lacks NODE_WITNESS/);
  expect(hashToDisplay(tx.txid)).toBe(b.txid);
});
