// Transactions, blocks and BIP37 (`npm run bench -- bloom`): decoding a block of 2,500 txs
// (half P2WPKH spends, ~0.56 MB) with txids and merkle root, the worst-case 4 MB block of 1-byte
// witness items (time and heap), BIP37 matching of a block against wallet filters (the serving
// side of a merkleblock), and verifying a 16,666-tx partial merkle tree.
import { decodeBlock, verifyBlockMerkleRoot, MAX_BLOCK_SERIALIZED_SIZE } from '../../src/tx/block.js';
import { buildBlock, coinbaseTx, p2pkhScript, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import { makeTx, type Tx } from '../../src/tx/tx.js';
import { merkleRoot } from '../../src/tx/merkle.js';
import { buildPartialMerkleTree, verifyPartialMerkleTree, MAX_PARTIAL_TREE_TRANSACTIONS } from '../../src/tx/partial-merkle.js';
import { BloomFilter, BloomFlags } from '../../src/bloom/filter.js';
import { bloomElementsForScript, filterBlock } from '../../src/bloom/match.js';
import { murmur3 } from '../../src/bloom/murmur3.js';

function h(n: number, len = 20): Uint8Array {
  const out = new Uint8Array(len);
  let x = (n * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function mainnetLikeBlock(): { block: ReturnType<typeof buildBlock>; payees: Uint8Array[] } {
  const payees = Array.from({ length: 5000 }, (_, i) => (i % 2 ? p2wpkhScript(h(i)) : p2pkhScript(h(i))));
  const txs: Tx[] = [coinbaseTx({ height: 800_000, outputs: [{ value: 625_000_000n, scriptPubKey: payees[0]! }] })];
  for (let i = 1; i < 2500; i++) {
    txs.push(
      spendTx({
        spends: [{ prevout: { txid: h(i, 32), vout: i % 3 }, spentScript: payees[(i * 7) % payees.length]! }],
        outputs: [
          { value: BigInt(i * 1000), scriptPubKey: payees[(i * 2) % payees.length]! },
          { value: BigInt(i * 10), scriptPubKey: payees[(i * 2 + 1) % payees.length]! },
        ],
      }),
    );
  }
  return { block: buildBlock({ prevBlock: h(1, 32), time: 1_700_000_000, bits: 0x17053894 }, txs), payees };
}

function time<T>(runs: number, fn: () => T): { ms: number; last: T } {
  let last!: T;
  fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) last = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 / runs, last };
}

export async function run(): Promise<void> {
  const { block, payees } = mainnetLikeBlock();
  const mb = block.raw.length / 1e6;
  const dec = time(20, () => {
    const b = decodeBlock(block.raw);
    verifyBlockMerkleRoot(b);
    return b;
  });
  console.log(`decode + txids + merkle check, ${block.txs.length} txs, ${mb.toFixed(2)} MB: ${dec.ms.toFixed(1)} ms/block (${(mb / (dec.ms / 1000)).toFixed(0)} MB/s)`);

  // worst case for allocations: one tx, 4 MB of 1-byte witness items (2 bytes each on the wire)
  const items = Math.floor((MAX_BLOCK_SERIALIZED_SIZE - 200) / 2) - 10;
  const nasty = makeTx({ version: 2, inputs: [{ prevout: { txid: h(2, 32), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: Array.from({ length: items }, () => Uint8Array.of(1)) }], outputs: [], lockTime: 0 });
  const nastyBlock = buildBlock({ prevBlock: h(3, 32), time: 0, bits: 0 }, [nasty]);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const kept = decodeBlock(nastyBlock.raw);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heap = (process.memoryUsage().heapUsed - heap0) / 1e6;
  console.log(`worst case: ${(nastyBlock.raw.length / 1e6).toFixed(2)} MB block of ${kept.txs[0]!.inputs[0]!.witness.length.toLocaleString()} one-byte witness items: ${ms.toFixed(0)} ms, heap +${heap.toFixed(0)} MB while held${globalThis.gc ? '' : ' (no --expose-gc: rough)'}`);

  for (const wallet of [1, 100, 1000]) {
    const elements = payees.slice(0, wallet).flatMap(bloomElementsForScript);
    const r = time(5, () => {
      // sized with room for the outpoints UPDATE_ALL adds (a filter sized for its elements alone
      // saturates within one busy block and then matches nearly everything)
      const f = BloomFilter.create(elements.length + 500, 0.0001, 12345, BloomFlags.UPDATE_ALL);
      for (const e of elements) f.insert(e);
      return filterBlock(f, block);
    });
    console.log(`BIP37 filterBlock (${wallet} scripts, n+500 at fp 1e-4, UPDATE_ALL): ${r.ms.toFixed(1)} ms/block = ${(block.txs.length / (r.ms / 1000) / 1000).toFixed(0)}k tx/s, ${r.last.matches.length} matched, merkleblock ${r.last.merkleBlock.hashes.length} hashes`);
  }

  const key = h(9, 32);
  const m = time(200_000, () => murmur3(0xfba4c795, key));
  console.log(`murmur3 of 32 bytes: ${(1000 / m.ms / 1e6).toFixed(1)} M/s`);

  const ids = Array.from({ length: MAX_PARTIAL_TREE_TRANSACTIONS }, (_, i) => h(i, 32));
  const root = merkleRoot(ids).root;
  const one = buildPartialMerkleTree(ids, ids.map((_, i) => i === 1234));
  const all = buildPartialMerkleTree(ids, ids.map(() => true));
  const v1 = time(200, () => verifyPartialMerkleTree(one, root));
  const vAll = time(5, () => verifyPartialMerkleTree(all, root));
  console.log(`partial merkle tree of ${ids.length} txs: verify 1 match ${v1.ms.toFixed(3)} ms (${one.hashes.length} hashes), all matched ${vAll.ms.toFixed(1)} ms`);
}
