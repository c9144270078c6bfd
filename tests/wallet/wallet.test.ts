// The watch-only wallet: payments found, spends matched to our outputs (also within one
// block), balances, and exact rewinds on a reorg.
import { Wallet } from '../../src/wallet/wallet.js';
import { coinbaseTx, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { toHex } from '../../src/util/bytes.js';

const ours = p2wpkhScript(new Uint8Array(20).fill(7));
const theirs = p2wpkhScript(new Uint8Array(20).fill(9));
const hash = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const wallet = (): Wallet => new Wallet([{ address: 'bcrt1q-ours', script: toHex(ours) }]);

test('a payment creates an unspent output; a spend removes it and records what was sent', () => {
  const w = wallet();
  const pay = coinbaseTx({ height: 5, outputs: [{ value: 5000n, scriptPubKey: ours }, { value: 1n, scriptPubKey: theirs }] });
  const r1 = w.applyBlock(5, hash(5), [pay]);
  expect(r1).toHaveLength(1);
  expect(r1[0]?.received).toEqual({ 'bcrt1q-ours': '5000' });
  expect(w.balance('bcrt1q-ours')).toBe(5000n);
  const spend = spendTx({ spends: [{ prevout: { txid: pay.txid, vout: 0 }, spentScript: ours }], outputs: [{ value: 3000n, scriptPubKey: theirs }, { value: 1900n, scriptPubKey: ours }] });
  const r2 = w.applyBlock(8, hash(8), [spend]);
  expect(r2[0]?.sent).toEqual({ 'bcrt1q-ours': '5000' });
  expect(r2[0]?.received).toEqual({ 'bcrt1q-ours': '1900' });
  expect(w.balance('bcrt1q-ours')).toBe(1900n);
  expect(w.unspent().map((u) => u.vout)).toEqual([1]);
});

test('a spend in the same block as the payment it spends', () => {
  const w = wallet();
  const pay = coinbaseTx({ height: 3, outputs: [{ value: 100n, scriptPubKey: ours }] });
  const spend = spendTx({ spends: [{ prevout: { txid: pay.txid, vout: 0 } }], outputs: [{ value: 90n, scriptPubKey: theirs }] });
  expect(w.applyBlock(3, hash(3), [pay, spend])).toHaveLength(2);
  expect(w.balance('bcrt1q-ours')).toBe(0n);
});

test('unrelated transactions are ignored', () => {
  const w = wallet();
  expect(w.applyBlock(1, hash(1), [coinbaseTx({ height: 1, outputs: [{ value: 1n, scriptPubKey: theirs }] })])).toEqual([]);
  expect(w.records).toHaveLength(0);
});

test('rewind undoes exactly the records above the fork (spent outputs come back)', () => {
  const w = wallet();
  const pay = coinbaseTx({ height: 2, outputs: [{ value: 700n, scriptPubKey: ours }] });
  w.applyBlock(2, hash(2), [pay]);
  const spend = spendTx({ spends: [{ prevout: { txid: pay.txid, vout: 0 } }], outputs: [{ value: 600n, scriptPubKey: theirs }] });
  w.applyBlock(6, hash(6), [spend]);
  expect(w.balance('bcrt1q-ours')).toBe(0n);
  const undone = w.rewindTo(5);
  expect(undone.map((r) => r.height)).toEqual([6]);
  expect(w.balance('bcrt1q-ours')).toBe(700n);
  expect(w.rewindTo(1).map((r) => r.height)).toEqual([2]);
  expect(w.balance('bcrt1q-ours')).toBe(0n);
  expect(w.records).toHaveLength(0);
});

test('a snapshot restores the same wallet', () => {
  const w = wallet();
  w.applyBlock(4, hash(4), [coinbaseTx({ height: 4, outputs: [{ value: 42n, scriptPubKey: ours }] })]);
  const again = new Wallet(w.watched, JSON.parse(JSON.stringify(w.snapshot())));
  expect(again.balance('bcrt1q-ours')).toBe(42n);
  expect(again.records).toEqual(w.records);
});
