// Following a broadcast transaction into the chain over real TCP: found through the header
// chain and the block's BIP158 filter, confirmed at the wanted depth; a reorg that drops the
// block makes it unconfirmed, and it is found again when mined on the new branch.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { hashToDisplay } from '../../src/util/bytes.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { ConfirmationWatch } from '../../src/bitcoin/tx-confirm.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { opReturnScript, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { localPeerSuite } from '../helpers/bitcoin-client.js';

const regtest = NETWORKS.regtest;
const chain = LocalBlockChain.generate(regtest, { blocks: 120, seed: 'confirm' });
const { cleanup, serve } = localPeerSuite(chain);

test('found in its block via filters, confirmed 3 deep; a reorg unconfirms it; mined again, found again', async () => {
  const peer = await serve();
  const coin = chain.unspentOf(chain.minerScript)[0]!;
  const tx = spendTx({ spends: [{ prevout: coin.outpoint, spentScript: coin.script }], outputs: [{ value: 5000n, scriptPubKey: p2wpkhScript(new Uint8Array(20).fill(4)) }] });
  const dir = mkdtempSync(join(tmpdir(), 'spv-confirm-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const watch = new ConfirmationWatch({ chain: store.chain, sync, tx, depth: 3, requestTimeoutMs: 5000 });
  const node = createBitcoinNode({ params: regtest, startHeight: () => store.chain.height });
  node.protocol.use(sync);
  for (const s of watch.services) node.protocol.use(s);
  cleanup.push(() => node.manager.close());
  const synced = once(sync, 'synced');
  await node.manager.connect({ host: '127.0.0.1', port: peer.port });
  await synced;
  watch.start();
  const found = once(watch, 'found');
  const first = peer.mine([], { txs: [tx] });
  expect(await found).toEqual([first.height, first.hashHex]);
  const confirmed = once(watch, 'confirmed');
  peer.mine();
  peer.mine();
  expect(await confirmed).toEqual([first.height, first.hashHex, 3]);
  // A longer branch without it (forked below its block): unconfirmed.
  const gone = once(watch, 'unconfirmed');
  peer.fork(first.height - 1, { blocks: 4 });
  expect(await gone).toEqual([first.height]);
  expect(watch.foundAt).toBeUndefined();
  const again = once(watch, 'found');
  const second = peer.mine([], { txs: [tx] });
  expect(await again).toEqual([second.height, second.hashHex]);
  expect(second.hashHex).not.toBe(first.hashHex);
  const deep = once(watch, 'confirmed');
  peer.mine();
  peer.mine();
  expect(await deep).toEqual([second.height, second.hashHex, 3]);
  expect(hashToDisplay(tx.txid)).toHaveLength(64);
});

test('a transaction paying only OP_RETURN cannot be followed with filters: refused at once', () => {
  const coin = chain.unspentOf(chain.minerScript)[1]!;
  const tx = spendTx({ spends: [{ prevout: coin.outpoint }], outputs: [{ value: 0n, scriptPubKey: opReturnScript(Uint8Array.of(1, 2)) }] });
  const sync = new HeaderSync({ chain: chain.headers });
  expect(() => new ConfirmationWatch({ chain: chain.headers, sync, tx, depth: 1 })).toThrow(/OP_RETURN/);
});
