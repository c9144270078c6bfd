// Transaction relay interop with bitcore-p2p/bitcore-lib (BitPay), as far as they relay
// transactions (protocol 70001: txid relay, no wtxidrelay). Our TxBroadcast → bitcore peers:
// a legacy tx asked with MSG_TX, a segwit tx asked with MSG_TX (notfound, never stripped) and
// then MSG_WITNESS_TX (witness form, decoded by bitcore with our txid and wtxid). bitcore →
// our node: transactions bitcore-lib builds and signs (P2PKH by inv → getdata → tx, P2WPKH
// unsolicited) enter the local peer's mempool, are relayed to our SpvClient and show as
// `pending` there, then `confirmed` when mined.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpvClient, TxBroadcast, type AddressWatch, type PendingPayment } from '../../src/index.js';
import { NETWORKS } from '../../src/params/networks.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { hashToDisplay, toHex } from '../../src/util/bytes.js';
import { encodeAddress } from '../../src/wallet/address.js';
import type { Tx } from '../../src/tx/tx.js';
import { bitcore, p2p, dialBitcore, listenBitcore, nextEvent, REGTEST, type BitcorePeer } from './bitcore.js';

const regtest = NETWORKS.regtest;
const MSG_TX = 1;
const MSG_WITNESS_TX = 0x40000001;
const NODE_NETWORK_WITNESS = 1 | 8;

// Keys bitcore-lib owns: coins of the local chain are paid to them, bitcore signs the spends.
const legacyKey = new bitcore.PrivateKey(undefined, REGTEST);
const segwitKey = new bitcore.PrivateKey(undefined, REGTEST);
const legacyAddress = legacyKey.toAddress(REGTEST); // P2PKH
const segwitOwnAddress = segwitKey.publicKey.toAddress(REGTEST, 'witnesspubkeyhash');
const scriptOf = (a: unknown): Uint8Array => Uint8Array.from(bitcore.Script.fromAddress(a).toBuffer() as Buffer);
// Where bitcore's payments go: an address our SpvClient watches.
const watchedScript = p2wpkhScript(new Uint8Array(20).fill(0x77));
const watchedAddress = encodeAddress(watchedScript, regtest);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A bitcore peer our broadcaster dials: answers version with `services`, records inv/tx/notfound. */
async function bitcoreListener(services: number, onInv: (peer: BitcorePeer, inv: { type: number; hash: Buffer }) => void) {
  const got = { invs: [] as { type: number; hash: string }[], txs: [] as unknown[], notfound: [] as { type: number; hash: string }[] };
  const l = await listenBitcore('127.0.0.1', (peer) => {
    peer._sendVersion = function (this: BitcorePeer) {
      this.versionSent = true;
      this.sendMessage(this.messages.Version({ relay: false, startHeight: 0, services: new bitcore.crypto.BN(services) }));
    };
    peer.on('inv', (m: { inventory: { type: number; hash: Buffer }[] }) => {
      for (const i of m.inventory) {
        got.invs.push({ type: i.type, hash: hashToDisplay(i.hash) });
        onInv(peer, i);
      }
    });
    peer.on('tx', (m: { transaction: unknown }) => got.txs.push(m.transaction));
    peer.on('notfound', (m: { inventory: { type: number; hash: Buffer }[] }) => {
      for (const i of m.inventory) got.notfound.push({ type: i.type, hash: hashToDisplay(i.hash) });
    });
  });
  return { ...l, got };
}
/* eslint-disable @typescript-eslint/no-explicit-any */
const messagesOf = (peer: BitcorePeer): any => peer.messages;
/* eslint-enable @typescript-eslint/no-explicit-any */
function getdata(peer: BitcorePeer, type: number, hash: Buffer): void {
  peer.sendMessage(messagesOf(peer).GetData([new p2p.Inventory({ type, hash })]));
}
async function broadcast(tx: Tx, port: number) {
  const b = new TxBroadcast(tx.raw, { network: 'regtest', peers: [`127.0.0.1:${port}`], maxPeers: 1, spreadMs: 0 });
  try {
    await b.start();
    return await b.sent({ timeoutMs: 10_000 });
  } finally {
    await b.stop();
  }
}

describe('our TxBroadcast -> bitcore-p2p peers', () => {
  // Our own transactions (bitcore only decodes them): a legacy one and a segwit one.
  const chain = LocalBlockChain.generate(regtest, { blocks: 105, seed: 'bitcore-tx-out' });
  const coins = chain.unspentOf(chain.minerScript);
  const legacyTx = spendTx({ spends: [{ prevout: coins[0]!.outpoint }], outputs: [{ value: 10_000n, scriptPubKey: scriptOf(legacyAddress) }] });
  const segwitTx = spendTx({ spends: [{ prevout: coins[1]!.outpoint, spentScript: coins[1]!.script }], outputs: [{ value: 20_000n, scriptPubKey: watchedScript }] });

  test('a legacy tx: announced MSG_TX, bitcore asks MSG_TX, decodes the same txid; delivered', async () => {
    const l = await bitcoreListener(1, (peer, inv) => getdata(peer, MSG_TX, inv.hash));
    try {
      const r = await broadcast(legacyTx, l.port);
      expect(r.ok).toBe(true);
      expect(r.peers[0]).toMatchObject({ announceType: 'MSG_TX', requested: ['MSG_TX'], userAgent: expect.stringMatching(/bitcore/) as string });
      expect(l.got.invs).toEqual([{ type: MSG_TX, hash: hashToDisplay(legacyTx.txid) }]);
      expect(l.got.txs).toHaveLength(1);
      const theirs = l.got.txs[0] as { hash: string; toBuffer(): Buffer; hasWitnesses(): boolean };
      expect(theirs.hash).toBe(hashToDisplay(legacyTx.txid));
      expect(theirs.hasWitnesses()).toBe(false);
      expect(toHex(theirs.toBuffer())).toBe(toHex(legacyTx.raw));
    } finally {
      await l.close();
    }
  });

  test('a segwit tx to a NODE_WITNESS bitcore peer: MSG_TX gets notfound, MSG_WITNESS_TX the witness form bitcore decodes', async () => {
    const l = await bitcoreListener(NODE_NETWORK_WITNESS, (peer, inv) => {
      // As a node that forgot the witness flag would, then as Core asks a NODE_WITNESS peer.
      getdata(peer, MSG_TX, inv.hash);
      getdata(peer, MSG_WITNESS_TX, inv.hash);
    });
    try {
      const r = await broadcast(segwitTx, l.port);
      expect(r.ok).toBe(true);
      expect(r.peers[0]!.requested).toEqual(['MSG_TX', 'MSG_WITNESS_TX']);
      expect(l.got.notfound).toEqual([{ type: MSG_TX, hash: hashToDisplay(segwitTx.txid) }]);
      expect(l.got.txs).toHaveLength(1); // never a stripped copy
      const theirs = l.got.txs[0] as { hash: string; witnessHash: string; hasWitnesses(): boolean; toBuffer(): Buffer };
      expect(theirs.hasWitnesses()).toBe(true);
      expect(theirs.hash).toBe(hashToDisplay(segwitTx.txid));
      expect(theirs.witnessHash).toBe(hashToDisplay(segwitTx.wtxid));
      expect(toHex(theirs.toBuffer())).toBe(toHex(segwitTx.raw));
    } finally {
      await l.close();
    }
  });

  test('a segwit tx is not announced to a bitcore peer without NODE_WITNESS', async () => {
    const l = await bitcoreListener(1, (peer, inv) => getdata(peer, MSG_TX, inv.hash));
    try {
      const b = new TxBroadcast(segwitTx.raw, { network: 'regtest', peers: [`127.0.0.1:${l.port}`], maxPeers: 1, spreadMs: 0 });
      try {
        await b.start();
        const refused = new Promise((resolve) => b.once('refused', resolve));
        await refused;
        expect(l.got.invs).toEqual([]);
        expect(l.got.txs).toEqual([]);
      } finally {
        await b.stop();
      }
    } finally {
      await l.close();
    }
  });
});

describe('bitcore-p2p peer -> our node -> our SpvClient', () => {
  let chain: LocalBlockChain;
  let peer: LocalPeer;
  let client: SpvClient;
  let watch: AddressWatch;
  const pending: PendingPayment[] = [];
  const confirmed: { txid: string; height: number }[] = [];
  beforeAll(async () => {
    chain = LocalBlockChain.generate(regtest, {
      blocks: 110,
      seed: 'bitcore-tx-in',
      payments: [
        { kind: 'pay', script: scriptOf(legacyAddress), amount: 50_000_000n, height: 105 },
        { kind: 'pay', script: scriptOf(segwitOwnAddress), amount: 60_000_000n, height: 106 },
      ],
    });
    peer = await startLocalPeer(chain, { host: '127.0.0.1' });
    const datadir = mkdtempSync(join(tmpdir(), 'spv-bitcore-tx-'));
    dirs.push(datadir);
    client = new SpvClient({ network: 'regtest', datadir, peers: [`127.0.0.1:${peer.port}`] });
    watch = client.watch([watchedAddress], { fromHeight: 100 });
    watch.on('pending', (p) => pending.push(p));
    watch.on('confirmed', (p, height) => confirmed.push({ txid: p.txid, height }));
    await client.start();
    await watch.scanned({ signal: AbortSignal.timeout(20_000) });
  }, 30_000);
  afterAll(async () => {
    await client.stop();
    await peer.close();
  });

  /** A spend bitcore-lib builds and signs of the chain's coin paid to `key`'s `address`. */
  function bitcoreSpend(address: unknown, key: unknown, amount: number): { tx: { hash: string; witnessHash: string; toBuffer(): Buffer; hasWitnesses(): boolean } } {
    const coin = chain.unspentOf(scriptOf(address))[0]!;
    const utxo = { txId: hashToDisplay(coin.outpoint.txid), outputIndex: coin.outpoint.vout, script: toHex(coin.script), satoshis: Number(coin.value) };
    const tx = new bitcore.Transaction().from(utxo).to(bitcore.Address.fromString(watchedAddress, REGTEST), amount).change(address).fee(2_000).sign(key);
    return { tx };
  }
  async function bitcoreConnected(): Promise<BitcorePeer> {
    const p = dialBitcore('127.0.0.1', peer.port);
    p.on('error', () => {});
    const ready = nextEvent(p, 'ready');
    p.connect();
    await ready;
    return p;
  }
  async function until(pred: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('P2PKH signed by bitcore-lib: inv → our getdata (MSG_TX) → tx → mempool → pending at our client → confirmed', async () => {
    const { tx } = bitcoreSpend(legacyAddress, legacyKey, 1_500_000);
    expect(tx.hasWitnesses()).toBe(false);
    const b = await bitcoreConnected();
    try {
      const asked = nextEvent<{ inventory: { type: number; hash: Buffer }[] }>(b, 'getdata');
      b.sendMessage(messagesOf(b).Inventory([p2p.Inventory.forTransaction(tx.hash)]));
      const req = await asked;
      expect(req.inventory.map((i) => [i.type, hashToDisplay(i.hash)])).toEqual([[MSG_TX, tx.hash]]);
      b.sendMessage(messagesOf(b).Transaction(tx));
      await until(() => pending.some((p) => p.txid === tx.hash));
      const p = pending.find((x) => x.txid === tx.hash)!;
      expect(p.received).toEqual({ [watchedAddress]: '1500000' });
      expect(p.announcedBy).toEqual([`127.0.0.1:${peer.port}`]);
      expect(peer.mempoolServer.mempool.size).toBeGreaterThanOrEqual(1);
      const block = peer.mine();
      await until(() => confirmed.some((c) => c.txid === tx.hash));
      expect(confirmed.find((c) => c.txid === tx.hash)!.height).toBe(block.height);
    } finally {
      b.disconnect();
    }
  }, 30_000);

  test('P2WPKH signed by bitcore-lib, sent unsolicited with its witness: accepted (txid and wtxid as bitcore computes them), pending at our client', async () => {
    const { tx } = bitcoreSpend(segwitOwnAddress, segwitKey, 2_500_000);
    expect(tx.hasWitnesses()).toBe(true);
    const b = await bitcoreConnected();
    try {
      b.sendMessage(messagesOf(b).Transaction(tx));
      await until(() => pending.some((p) => p.txid === tx.hash));
      const p = pending.find((x) => x.txid === tx.hash)!;
      expect(p.wtxid).toBe(tx.witnessHash);
      expect(p.received).toEqual({ [watchedAddress]: '2500000' });
    } finally {
      b.disconnect();
    }
  }, 30_000);
});
