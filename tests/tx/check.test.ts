// The pre-checks `spv broadcast` runs before any traffic (Core CheckTransaction + size policy):
// each rule on a transaction that breaks only that rule, and a valid one that passes.
import { decodeCheckedTx, preCheckTransaction, TxCheckError, MAX_MONEY_SATS } from '../../src/tx/check.js';
import { makeTx, type TxIn, type TxOut } from '../../src/tx/tx.js';
import { p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { toHex } from '../../src/util/bytes.js';

const script = p2wpkhScript(new Uint8Array(20).fill(1));
const prev = (n: number): { txid: Uint8Array; vout: number } => ({ txid: new Uint8Array(32).fill(n), vout: 0 });
const good = spendTx({ spends: [{ prevout: prev(1), spentScript: script }], outputs: [{ value: 1000n, scriptPubKey: script }] });

function input(p: { txid: Uint8Array; vout: number }): TxIn {
  return { prevout: p, scriptSig: new Uint8Array(30), sequence: 0xffffffff, witness: [] };
}
function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof TxCheckError) return err.code;
    throw err;
  }
  return undefined;
}
const withOutputs = (outputs: TxOut[]) => makeTx({ version: 2, inputs: [input(prev(1))], outputs, lockTime: 0 });

test('a well-formed transaction passes, from its hex too', () => {
  expect(code(() => preCheckTransaction(good))).toBeUndefined();
  expect(toHex(decodeCheckedTx(good.raw).txid)).toBe(toHex(good.txid));
});

test('undecodable bytes and trailing bytes are told apart', () => {
  expect(code(() => decodeCheckedTx(good.raw.subarray(0, good.raw.length - 3)))).toBe('undecodable');
  expect(code(() => decodeCheckedTx(Uint8Array.of(1, 2, 3)))).toBe('undecodable');
  expect(code(() => decodeCheckedTx(Uint8Array.from([...good.raw, 0])))).toBe('trailing_bytes');
});

test('no inputs, no outputs', () => {
  expect(code(() => preCheckTransaction(makeTx({ version: 2, inputs: [], outputs: [], lockTime: 0 })))).toBe('no_inputs');
  expect(code(() => preCheckTransaction(withOutputs([])))).toBe('no_outputs');
});

test('amounts: negative, one output over 21 M BTC, a total over 21 M BTC', () => {
  expect(code(() => preCheckTransaction(withOutputs([{ value: -1n, scriptPubKey: script }])))).toBe('negative_output');
  expect(code(() => preCheckTransaction(withOutputs([{ value: MAX_MONEY_SATS + 1n, scriptPubKey: script }])))).toBe('output_too_large');
  expect(code(() => preCheckTransaction(withOutputs([{ value: MAX_MONEY_SATS, scriptPubKey: script }])))).toBeUndefined();
  expect(code(() => preCheckTransaction(withOutputs([{ value: MAX_MONEY_SATS, scriptPubKey: script }, { value: 1n, scriptPubKey: script }])))).toBe('total_too_large');
});

test('duplicate inputs, coinbase, coinbase-like input among others', () => {
  const dup = makeTx({ version: 2, inputs: [input(prev(1)), input(prev(1))], outputs: [{ value: 1n, scriptPubKey: script }], lockTime: 0 });
  expect(code(() => preCheckTransaction(dup))).toBe('duplicate_inputs');
  const nullPrev = { txid: new Uint8Array(32), vout: 0xffffffff };
  const cb = makeTx({ version: 2, inputs: [input(nullPrev)], outputs: [{ value: 1n, scriptPubKey: script }], lockTime: 0 });
  expect(code(() => preCheckTransaction(cb))).toBe('coinbase');
  // Core PreChecks: a loose coinbase is TX_CONSENSUS (the sender is punished), as is a null prevout.
  expect(new TxCheckError('coinbase', '').consensus).toBe(true);
  expect(new TxCheckError('null_prevout', '').consensus).toBe(true);
  const mixed = makeTx({ version: 2, inputs: [input(prev(2)), input(nullPrev)], outputs: [{ value: 1n, scriptPubKey: script }], lockTime: 0 });
  expect(code(() => preCheckTransaction(mixed))).toBe('null_prevout');
});

test('weight over 400,000 (policy) and over a block (consensus); too small', () => {
  const big = (bytes: number) => withOutputs([{ value: 1n, scriptPubKey: new Uint8Array(bytes) }]);
  expect(code(() => preCheckTransaction(big(99_000)))).toBeUndefined();
  const heavy = big(100_100);
  expect(code(() => preCheckTransaction(heavy))).toBe('weight_too_high');
  const e = (() => {
    try {
      preCheckTransaction(heavy);
    } catch (err) {
      return err as TxCheckError;
    }
  })();
  expect(e?.coreReason).toBe('tx-size');
  expect(e?.consensus).toBe(false);
  expect(code(() => preCheckTransaction(big(1_000_001)))).toBe('oversize');
  const tiny = makeTx({ version: 2, inputs: [{ ...input(prev(3)), scriptSig: new Uint8Array(0) }], outputs: [{ value: 1n, scriptPubKey: new Uint8Array(0) }], lockTime: 0 });
  expect(code(() => preCheckTransaction(tiny))).toBe('too_small');
});
