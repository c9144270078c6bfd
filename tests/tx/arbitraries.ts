// fast-check arbitraries for transactions and blocks (shared with the wire tests): random
// field values made into real Tx/Block objects with makeTx/buildBlock, legacy and segwit mixed.
import fc from 'fast-check';
import { makeTx, type Tx, type TxIn, type TxOut } from '../../src/tx/tx.js';
import { buildBlock } from '../../src/tx/builder.js';
import type { Block } from '../../src/tx/block.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Script-ish byte strings, now and then longer than 252 bytes (3-byte CompactSize length). */
const script = fc.oneof({ weight: 5, arbitrary: bytes(40) }, { weight: 1, arbitrary: bytes(300) });

export const arbTxIn = (segwit: boolean): fc.Arbitrary<TxIn> =>
  fc.record({
    prevout: fc.record({ txid: hash, vout: u32 }),
    scriptSig: script,
    sequence: u32,
    witness: segwit ? fc.array(bytes(80), { maxLength: 4 }) : fc.constant([] as Uint8Array[]),
  });

export const arbTxOut: fc.Arbitrary<TxOut> = fc.record({ value: i64, scriptPubKey: script });

/** Any transaction with at least one input (legacy, or segwit when some input has a witness). */
export const arbTx: fc.Arbitrary<Tx> = fc.boolean().chain((segwit) =>
  fc
    .record({
      version: i32,
      inputs: fc.array(arbTxIn(segwit), { minLength: 1, maxLength: 4 }),
      outputs: fc.array(arbTxOut, { maxLength: 4 }),
      lockTime: u32,
    })
    .map(makeTx),
);

/** A block of 1-6 random transactions under a header whose merkle root commits to them. */
export const arbBlock: fc.Arbitrary<Block> = fc
  .record({ version: i32, prevBlock: hash, time: u32, bits: u32, nonce: u32, txs: fc.array(arbTx, { minLength: 1, maxLength: 6 }) })
  .map(({ txs, ...fields }) => buildBlock(fields, txs));
