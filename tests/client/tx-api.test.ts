// The library's transaction API as a user sees it (only `src/index.ts` imports for the API):
// TxBroadcast pre-checks, announces and reports per peer; AddressWatch emits `pending` for the
// payment, `confirmed` when it is mined, `conflicted` for a double spend mined instead, and its
// balances split confirmed and pending; the version's relay flag (BIP37) as the local peer sees
// it, per watch mode. Real local peers on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpvClient, TxBroadcast, type AddressWatch, TxCheckError, type PendingPayment, type PendingConflict, type PeerBroadcastReport, type WatchTx, type Balances } from '../../src/index.js';
import { NETWORKS } from '../../src/params/networks.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { hashToDisplay } from '../../src/util/bytes.js';
import type { Tx } from '../../src/tx/tx.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';

const params = NETWORKS.regtest;
const script = p2wpkhScript(new Uint8Array(20).fill(0x71));
const address = encodeAddress(script, params);
const elsewhere = p2wpkhScript(new Uint8Array(20).fill(0x72));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The fields of a PendingPayment, exactly (the `spv watch --json` test checks the same list). */
const PENDING_FIELDS = ['announcedBy', 'firstSeen', 'received', 'sent', 'spends', 'txid', 'wtxid'];

let chain: LocalBlockChain;
let peer: LocalPeer;
let client: SpvClient;
let watch: AddressWatch;
const events: { kind: string; tx?: PendingPayment; extra?: unknown }[] = [];
const confirmedTxs: WatchTx[] = [];
let lastBalances: Balances | undefined;

beforeAll(async () => {
  chain = LocalBlockChain.generate(params, { blocks: 110, seed: 'tx-api', payments: [{ kind: 'pay', script, amount: 40_000_000n, height: 105 }] });
  peer = await startLocalPeer(chain, { host: '127.0.0.1' });
  const datadir = mkdtempSync(join(tmpdir(), 'spv-tx-api-'));
  dirs.push(datadir);
  client = new SpvClient({ network: 'regtest', datadir, peers: [`127.0.0.1:${peer.port}`] });
  watch = client.watch([address], { fromHeight: 100 });
  watch.on('pending', (tx) => events.push({ kind: 'pending', tx }));
  watch.on('confirmed', (tx, height) => events.push({ kind: 'confirmed', tx, extra: height }));
  watch.on('conflicted', (tx, by: PendingConflict) => events.push({ kind: 'conflicted', tx, extra: by }));
  watch.on('expired', (tx) => events.push({ kind: 'expired', tx }));
  watch.on('tx', (t) => confirmedTxs.push(t));
  watch.on('balances', (b) => (lastBalances = b));
  await client.start();
  await watch.scanned({ signal: AbortSignal.timeout(20_000) });
}, 30_000);
afterAll(async () => {
  await client.stop();
  await peer.close();
});

function payUs(coin: number, amount: bigint): Tx {
  const c = chain.unspentOf(chain.minerScript)[coin]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: amount, scriptPubKey: script }, { value: c.value - amount - 1000n, scriptPubKey: chain.minerScript }] });
}
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
async function broadcast(tx: Tx): Promise<{ ok: boolean; peers: readonly PeerBroadcastReport[]; seen: string[] }> {
  const b = new TxBroadcast(tx.raw, { network: 'regtest', peers: [`127.0.0.1:${peer.port}`], maxPeers: 1, spreadMs: 0 });
  const seen: string[] = [];
  for (const e of ['announced', 'sent', 'delivered', 'refused'] as const) b.on(e, () => seen.push(e));
  b.on('requested', (_r, type) => seen.push(`requested ${type}`));
  try {
    await b.start();
    const r = await b.sent({ timeoutMs: 10_000 });
    return { ok: r.ok, peers: r.peers, seen };
  } finally {
    await b.stop();
  }
}

test('TxBroadcast refuses a malformed transaction in its constructor, before any traffic', () => {
  const tx = payUs(9, 1_000n);
  expect(() => new TxBroadcast(tx.raw.subarray(0, 40), { network: 'regtest', peers: ['127.0.0.1:1'] })).toThrow(TxCheckError);
  const twice = spendTx({ spends: [{ prevout: tx.inputs[0]!.prevout }, { prevout: tx.inputs[0]!.prevout }], outputs: [{ value: 1n, scriptPubKey: script }] });
  expect(() => new TxBroadcast(twice.raw, { network: 'regtest', peers: ['127.0.0.1:1'] })).toThrow(expect.objectContaining({ code: 'duplicate_inputs' }) as Error);
});

test('TxBroadcast → peer (MSG_WTX, requested, delivered); the watch emits pending, then confirmed when mined', async () => {
  const tx = payUs(0, 25_000n);
  const txid = hashToDisplay(tx.txid);
  const r = await broadcast(tx);
  expect(r.ok).toBe(true);
  expect(r.seen).toEqual(['announced', 'requested MSG_WTX', 'sent', 'delivered']);
  expect(r.peers).toHaveLength(1);
  expect(r.peers[0]).toMatchObject({ announceType: 'MSG_WTX', requested: ['MSG_WTX'], refused: undefined });
  expect(r.peers[0]!.deliveredAtMs).toBeGreaterThanOrEqual(r.peers[0]!.sentAtMs!);
  expect(peer.mempoolServer.mempool.getByTxid(tx.txid)).toBeDefined();

  await until(() => events.some((e) => e.kind === 'pending'));
  const p = events.find((e) => e.kind === 'pending')!.tx!;
  expect(Object.keys(p).sort()).toEqual(PENDING_FIELDS);
  expect(p).toMatchObject({ txid, wtxid: hashToDisplay(tx.wtxid), received: { [address]: '25000' }, sent: {} });
  expect(p.spends).toEqual([`${hashToDisplay(tx.inputs[0]!.prevout.txid)}:${tx.inputs[0]!.prevout.vout}`]);
  expect(p.announcedBy).toEqual([`127.0.0.1:${peer.port}`]);
  expect(Date.parse(p.firstSeen)).toBeGreaterThan(0);
  expect(watch.pendingPayments().map((x) => x.txid)).toEqual([txid]);
  const bal = watch.balances().addresses[0]!;
  expect(bal).toMatchObject({ balance: 40_000_000n, pending: 25_000n });
  // A snapshot: changing it changes nothing inside.
  (p.announcedBy as string[]).push('x');
  expect(watch.pendingPayments()[0]!.announcedBy).toHaveLength(1);

  const block = peer.mine();
  await until(() => events.some((e) => e.kind === 'confirmed'));
  const c = events.find((e) => e.kind === 'confirmed')!;
  expect(c.tx!.txid).toBe(txid);
  expect(c.extra).toBe(block.height);
  await until(() => confirmedTxs.some((t) => t.txid === txid) && lastBalances?.tip === block.height);
  expect(watch.pendingPayments()).toEqual([]);
  expect(lastBalances!.addresses[0]).toMatchObject({ balance: 40_025_000n, pending: 0n });
}, 30_000);

test('a double spend mined instead: the watch emits conflicted with the block\'s transaction', async () => {
  const tx = payUs(1, 30_000n);
  peer.mempoolServer.submit(tx);
  await until(() => events.some((e) => e.kind === 'pending' && e.tx!.txid === hashToDisplay(tx.txid)));
  const coin = chain.unspentOf(chain.minerScript)[1]!;
  const rival = spendTx({ spends: [{ prevout: coin.outpoint, spentScript: coin.script }], outputs: [{ value: coin.value - 5000n, scriptPubKey: elsewhere }] });
  const block = peer.mine([], { mempool: false, txs: [rival] });
  await until(() => events.some((e) => e.kind === 'conflicted'));
  const e = events.find((x) => x.kind === 'conflicted')!;
  expect(e.tx!.txid).toBe(hashToDisplay(tx.txid));
  expect(e.extra).toEqual({ txid: hashToDisplay(rival.txid), height: block.height, blockHash: block.hashHex });
  expect(watch.pendingPayments()).toEqual([]);
  expect(events.filter((x) => x.kind === 'confirmed').map((x) => x.tx!.txid)).not.toContain(hashToDisplay(tx.txid));
}, 30_000);


describe('the relay flag in our version (BIP37), as the peer sees it, per watch mode', () => {
  // Issue 11: transaction relay is asked for only while following for pending payments with
  // compact filters; with bloom, relay stays 0 until filterload turns it on (BIP37).
  let relayChain: LocalBlockChain;
  let relayPeer: LocalPeer;
  /** What the peer saw, per inbound connection in order: the version's relay flag, then filterload. */
  const seen: { relay: boolean | undefined; filterload: boolean; peer: BitcoinPeer }[] = [];
  beforeAll(async () => {
    relayChain = LocalBlockChain.generate(params, { blocks: 110, seed: 'tx-api-relay' });
    relayPeer = await startLocalPeer(relayChain, { host: '127.0.0.2' });
    relayPeer.node.protocol.use({
      onReady: (p) => void seen.push({ relay: p.state.remote?.relay, filterload: false, peer: p }),
      onMessage: (p, m) => {
        const s = seen.find((x) => x.peer === p);
        if (m.command === 'filterload' && s) s.filterload = true;
      },
    });
  });
  afterAll(() => relayPeer.close());

  async function watching(opts: { follow?: boolean; bloom?: boolean }): Promise<{ c: SpvClient; w: AddressWatch; at: number }> {
    const datadir = mkdtempSync(join(tmpdir(), 'spv-tx-api-relay-'));
    dirs.push(datadir);
    const c = new SpvClient({ network: 'regtest', datadir, peers: [`127.0.0.2:${relayPeer.port}`] });
    const w = c.watch([address], { fromHeight: 100, ...opts });
    const at = seen.length;
    await c.start();
    await until(() => seen.length > at);
    return { c, w, at };
  }

  test.each([
    ['following (the default): relay = 1', {}, true],
    ['follow: false (spv watch --no-follow): relay = 0', { follow: false }, false],
  ] as const)('%s', async (_name, opts, relay) => {
    const { c, w, at } = await watching(opts);
    try {
      expect(w.relay).toBe(relay);
      expect(seen[at]!.relay).toBe(relay);
    } finally {
      await c.stop();
    }
  });

  test('bloom (spv watch --bloom), following: relay = 0 in the version; filterload follows, then matching txs are relayed', async () => {
    const { c, w, at } = await watching({ bloom: true });
    try {
      expect(w.relay).toBe(false);
      expect(seen[at]!.relay).toBe(false);
      await w.scanned({ signal: AbortSignal.timeout(20_000) });
      await until(() => seen[at]!.filterload);
      // BIP37: the loaded filter turns relay on for what matches it.
      const pending: string[] = [];
      w.on('pending', (p) => pending.push(p.txid));
      const coin = relayChain.unspentOf(relayChain.minerScript)[0]!;
      const tx = spendTx({ spends: [{ prevout: coin.outpoint, spentScript: coin.script }], outputs: [{ value: 7_000n, scriptPubKey: script }] });
      relayPeer.mempoolServer.submit(tx);
      await until(() => pending.length > 0);
      expect(pending).toEqual([hashToDisplay(tx.txid)]);
    } finally {
      await c.stop();
    }
  }, 30_000);
});
