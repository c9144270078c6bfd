// The local peer's bounded mempool: what it accepts and refuses (with Core's reasons), how it
// orders transactions for a block, and what a mined block removes.
import { NETWORKS } from '../../src/params/networks.js';
import { hashToDisplay, toHex } from '../../src/util/bytes.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { Mempool, isMempoolReject, type MempoolEntry, type MempoolReject } from '../../src/bitcoin/mempool.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import type { Tx } from '../../src/tx/tx.js';

const regtest = NETWORKS.regtest;
const chain = LocalBlockChain.generate(regtest, { blocks: 110, seed: 'mp' });
const other = p2wpkhScript(new Uint8Array(20).fill(9));
const coins = chain.unspentOf(chain.minerScript);

function pool(opts: { maxTxs?: number; maxBytes?: number } = {}): Mempool {
  return new Mempool({
    ...opts,
    coin: (p) => chain.coinAt(p) ?? (chain.txHeight(p.txid) !== undefined ? 'spent' : undefined),
    confirmed: (txid) => chain.txHeight(txid) !== undefined,
  });
}
function spend(coinIndex: number, value: bigint, extra: { to?: Uint8Array } = {}): Tx {
  const c = coins[coinIndex]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value, scriptPubKey: extra.to ?? other }] });
}
function rejected(r: MempoolEntry | MempoolReject): string {
  return isMempoolReject(r) ? r.code : 'accepted';
}

test('accepts a spend of a chain coin; refuses it twice, a conflict, a spent coin, outputs above inputs', () => {
  const m = pool();
  const a = spend(0, coins[0]!.value - 1000n);
  expect(rejected(m.accept(a))).toBe('accepted');
  expect(m.has(a.txid) && m.has(a.wtxid)).toBe(true);
  expect(rejected(m.accept(a))).toBe('duplicate');
  const b = spend(0, coins[0]!.value - 2000n); // same coin, other tx
  expect(rejected(m.accept(b))).toBe('conflict');
  expect(rejected(m.accept(spend(1, coins[1]!.value + 1n)))).toBe('in_below_out');
  // A coinbase of the chain that is already spent: the genesis-era miner coins are unspent, so
  // spend an output of a chain tx that does not exist.
  const missing = spendTx({ spends: [{ prevout: { txid: chain.blockAt(5).block.txs[0]!.txid, vout: 7 } }], outputs: [{ value: 1n, scriptPubKey: other }] });
  expect(rejected(m.accept(missing))).toBe('missing_or_spent');
  // Inputs the chain does not know: accepted (cannot be checked).
  const unknown = spendTx({ spends: [{ prevout: { txid: new Uint8Array(32).fill(0xee), vout: 0 } }], outputs: [{ value: 5n, scriptPubKey: other }] });
  expect(rejected(m.accept(unknown))).toBe('accepted');
  expect(m.size).toBe(2);
});

test('pre-check failures are consensus or policy as in Core', () => {
  const m = pool();
  const dup = spendTx({ spends: [{ prevout: coins[2]!.outpoint }, { prevout: coins[2]!.outpoint }], outputs: [{ value: 1n, scriptPubKey: other }] });
  const r = m.accept(dup);
  expect(isMempoolReject(r) && r.code === 'duplicate_inputs' && r.consensus).toBe(true);
  const heavy = spendTx({ spends: [{ prevout: coins[3]!.outpoint }], outputs: [{ value: 1n, scriptPubKey: new Uint8Array(100_100) }] });
  const h = m.accept(heavy);
  expect(isMempoolReject(h) && h.code === 'weight_too_high' && !h.consensus).toBe(true);
});

test('bounded: refuses new transactions when full (count and bytes)', () => {
  const m = pool({ maxTxs: 3 });
  for (let i = 0; i < 3; i++) expect(rejected(m.accept(spend(i, 1000n)))).toBe('accepted');
  expect(rejected(m.accept(spend(3, 1000n)))).toBe('mempool_full');
  const byBytes = pool({ maxBytes: 300 });
  expect(rejected(byBytes.accept(spend(0, 1000n)))).toBe('accepted');
  expect(rejected(byBytes.accept(spend(1, 1000n)))).toBe('mempool_full');
  expect(byBytes.totalBytes).toBeLessThanOrEqual(300);
});

test('forBlock puts parents first; a mined conflict removes the pool tx and its children', () => {
  const m = pool();
  const parent = spend(4, coins[4]!.value - 1000n);
  const child = spendTx({ spends: [{ prevout: { txid: parent.txid, vout: 0 }, spentScript: other }], outputs: [{ value: 1000n, scriptPubKey: other }] });
  // The child arrives first (its parent unknown then), then the parent.
  expect(rejected(m.accept(child))).toBe('accepted');
  expect(rejected(m.accept(parent))).toBe('accepted');
  const order = m.forBlock().map((t) => hashToDisplay(t.txid));
  expect(order.indexOf(hashToDisplay(parent.txid))).toBeLessThan(order.indexOf(hashToDisplay(child.txid)));
  const rival = spend(4, coins[4]!.value - 5000n);
  const removed = m.removeForBlock([rival]);
  expect(removed.sort()).toEqual([toHex(parent.txid), toHex(child.txid)].sort());
  expect(m.size).toBe(0);
});
