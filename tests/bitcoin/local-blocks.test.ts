// The generated regtest block chain of `spv serve --blocks`: determinism, real merkle roots and
// proof of work, payments and spends, BIP158 filters with exactly the right scripts, linked filter
// headers, growth and forks; and the serve options that feed it (amounts, usage errors).
import { NETWORKS } from '../../src/params/networks.js';
import { bytesEqual, fromHex, hashToDisplay, toHex } from '../../src/util/bytes.js';
import { UsageError } from '../../src/util/errors.js';
import {
  COINBASE_MATURITY,
  LOCAL_SUBSIDY_SATS,
  LOCAL_TX_FEE_SATS,
  LocalBlockChain,
  LocalChainError,
  formatBtc,
  genesisBlock,
  type LocalBlock,
} from '../../src/bitcoin/local-blocks.js';
import { decodeBlock, verifyBlockMerkleRoot } from '../../src/tx/block.js';
import { p2pkhScript, p2trScript, p2wpkhScript, pushInt, witnessCommitment } from '../../src/tx/index.js';
import { hasWitness, isCoinbase, type Tx } from '../../src/tx/tx.js';
import { buildBasicFilter, gcsElementCount, match } from '../../src/filters/index.js';
import { filterHash, filterHeaderOf, GENESIS_PREVIOUS_FILTER_HEADER, verifyCfheaders } from '../../src/filters/headers.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { parseAmount, parsePaymentOption } from '../../src/cli/run/serve.js';
import { runCli } from '../helpers/cli.js';

const regtest = NETWORKS.regtest;
const alice = p2wpkhScript(new Uint8Array(20).fill(0xa1));
const bob = p2pkhScript(new Uint8Array(20).fill(0xb0));
const carol = p2trScript(new Uint8Array(32).fill(0xc4));
const OP_RETURN = 0x6a;

function allBlocks(chain: LocalBlockChain): LocalBlock[] {
  const out: LocalBlock[] = [];
  for (let h = 0; h <= chain.height; h++) out.push(chain.blockAt(h));
  return out;
}

function txWithOutputTo(b: LocalBlock, script: Uint8Array): Tx | undefined {
  return b.block.txs.find((t) => !isCoinbase(t) && t.outputs.some((o) => bytesEqual(o.scriptPubKey, script)));
}

/**
 * The BIP158 basic filter contents computed independently of the chain's own bookkeeping: the
 * outputs of every earlier block are indexed by outpoint to find what each input spends.
 */
function expectedElements(chain: LocalBlockChain, upTo: number): Map<number, Set<string>> {
  const outputs = new Map<string, Uint8Array>();
  const out = new Map<number, Set<string>>();
  for (let h = 0; h <= upTo; h++) {
    const b = chain.blockAt(h);
    const set = new Set<string>();
    for (const tx of b.block.txs) {
      for (const o of tx.outputs) if (o.scriptPubKey.length > 0 && o.scriptPubKey[0] !== OP_RETURN) set.add(toHex(o.scriptPubKey));
      if (!isCoinbase(tx)) {
        for (const i of tx.inputs) {
          const spent = outputs.get(`${toHex(i.prevout.txid)}:${i.prevout.vout}`);
          if (!spent) throw new Error(`block ${h} spends an outpoint not in the chain`);
          if (spent.length > 0) set.add(toHex(spent));
        }
      }
    }
    for (const tx of b.block.txs) tx.outputs.forEach((o, vout) => outputs.set(`${toHex(tx.txid)}:${vout}`, o.scriptPubKey));
    out.set(h, set);
  }
  return out;
}

describe('genesis', () => {
  test('mainnet genesis block rebuilt from the reference coinbase: BIP158 filter 017fa880 and its filter header', () => {
    const g = genesisBlock(NETWORKS.mainnet);
    expect(hashToDisplay(g.hash)).toBe(NETWORKS.mainnet.genesis.hash);
    verifyBlockMerkleRoot(g);
    const filter = buildBasicFilter(g.hash, [g.txs[0]!.outputs[0]!.scriptPubKey]);
    expect(toHex(filter)).toBe('017fa880');
    expect(hashToDisplay(filterHeaderOf(filter, GENESIS_PREVIOUS_FILTER_HEADER))).toBe('02c2392180d0ce2b5b6f8b08d39a11ffe831c673311a3ecf77b97fc3f0303c9f');
  });

  test('the local chain starts at the regtest genesis block, and refuses other networks', () => {
    const c = new LocalBlockChain(regtest);
    expect(c.height).toBe(0);
    expect(c.tip.hashHex).toBe(regtest.genesis.hash);
    expect(c.tip.filterHeader).toEqual(filterHeaderOf(c.tip.filter, GENESIS_PREVIOUS_FILTER_HEADER));
    expect(() => new LocalBlockChain(NETWORKS.testnet4)).toThrow(LocalChainError);
    expect(() => new LocalBlockChain(NETWORKS.mainnet)).toThrow(/regtest/);
  });
});

describe('generation', () => {
  const payments = [
    { kind: 'pay' as const, script: alice, amount: 150_000_000n, height: 120 },
    { kind: 'pay' as const, script: alice, amount: 25_000n, height: 121 },
    { kind: 'pay' as const, script: bob, amount: 70_000_000_00n, height: 125 },
    { kind: 'spend' as const, script: alice, amount: 20_000n, height: 130 },
    { kind: 'spend' as const, script: bob, amount: 70_000_000_00n - LOCAL_TX_FEE_SATS, height: 131 },
    { kind: 'pay' as const, script: carol, amount: 1n, height: 131 },
  ];
  const chain = LocalBlockChain.generate(regtest, { blocks: 160, seed: 'gen', payments });

  test('deterministic: same seed and payments give the same blocks; another seed does not', () => {
    const again = LocalBlockChain.generate(regtest, { blocks: 160, seed: 'gen', payments });
    for (let h = 0; h <= 160; h++) {
      expect(again.blockAt(h).block.raw).toEqual(chain.blockAt(h).block.raw);
      expect(again.blockAt(h).filterHeader).toEqual(chain.blockAt(h).filterHeader);
    }
    const other = LocalBlockChain.generate(regtest, { blocks: 2, seed: 'other' });
    expect(other.blockAt(1).hashHex).not.toBe(chain.blockAt(1).hashHex);
    expect(other.minerScript).not.toEqual(chain.minerScript);
  });

  test('every block: merkle root of its txs is in its header, header chain holds the same headers, BIP34 coinbase', () => {
    expect(chain.headers.height).toBe(160);
    expect(chain.headers.tip.hashHex).toBe(chain.tip.hashHex);
    for (const b of allBlocks(chain)) {
      verifyBlockMerkleRoot(b.block);
      expect(b.block.header).toEqual(chain.headers.headerAt(b.height));
      expect(decodeBlock(b.block.raw).hash).toEqual(b.hash);
      if (b.height === 0) continue;
      const cb = b.block.txs[0]!;
      expect(isCoinbase(cb)).toBe(true);
      expect(toHex(cb.inputs[0]!.scriptSig).startsWith(toHex(pushInt(b.height)))).toBe(true);
      const fees = BigInt(b.block.txs.length - 1) * LOCAL_TX_FEE_SATS;
      expect(cb.outputs[0]!.value).toBe(LOCAL_SUBSIDY_SATS + fees);
      expect(cb.outputs[0]!.scriptPubKey).toEqual(chain.minerScript);
      const others = b.block.txs.slice(1);
      if (others.some(hasWitness)) {
        // BIP141 commitment: OP_RETURN 0x24 aa21a9ed <commitment>
        const commit = cb.outputs.find((o) => o.scriptPubKey[0] === OP_RETURN)!;
        expect(toHex(commit.scriptPubKey.subarray(2, 6))).toBe('aa21a9ed');
        expect(commit.scriptPubKey.subarray(6)).toEqual(witnessCommitment(others));
      }
    }
  });

  test('timestamps: 60 s apart from genesis, in the past', () => {
    const t0 = regtest.genesis.time;
    expect(chain.headers.timeAt(100)).toBe(t0 + 100 * 60);
    expect(chain.headers.timeAt(160)).toBeLessThan(Date.now() / 1000);
  });

  test('pay: a tx in the block spending a mature miner coinbase, paying the amount, change to the miner', () => {
    const b = chain.blockAt(120);
    const tx = txWithOutputTo(b, alice)!;
    expect(tx.outputs[0]).toEqual({ value: 150_000_000n, scriptPubKey: alice });
    // 1.5 BTC + fee needs one 50 BTC coinbase; the oldest mature one is height 1's.
    expect(tx.inputs).toHaveLength(1);
    expect(tx.inputs[0]!.prevout.txid).toEqual(chain.blockAt(1).block.txs[0]!.txid);
    expect(120 - 1).toBeGreaterThanOrEqual(COINBASE_MATURITY);
    expect(tx.outputs[1]).toEqual({ value: LOCAL_SUBSIDY_SATS - 150_000_000n - LOCAL_TX_FEE_SATS, scriptPubKey: chain.minerScript });
    // Height 121's payment took coinbase 2; a 70 BTC payment takes the next two, oldest first.
    const big = txWithOutputTo(chain.blockAt(125), bob)!;
    expect(big.inputs.map((i) => toHex(i.prevout.txid))).toEqual([3, 4].map((h) => toHex(chain.blockAt(h).block.txs[0]!.txid)));
    expect(chain.payments.map((p) => [p.kind, p.height, p.amount])).toEqual(payments.map((p) => [p.kind, p.height, p.amount]));
    for (const p of chain.payments) {
      const b = chain.blockAt(p.height);
      expect(p.blockHash).toEqual(b.hash);
      expect(b.block.txs.some((t) => bytesEqual(t.txid, p.txid))).toBe(true);
    }
  });

  test('spend: the script\'s coins oldest first, amount to the payee, change back; spending everything leaves no change', () => {
    const tx = chain.blockAt(130).block.txs.find((t) => t.outputs.some((o) => bytesEqual(o.scriptPubKey, chain.payeeScript)))!;
    // Alice holds coins from 120 (1.5 BTC) and 121; the oldest covers the amount.
    expect(tx.inputs.map((i) => i.prevout)).toEqual([{ txid: txWithOutputTo(chain.blockAt(120), alice)!.txid, vout: 0 }]);
    expect(tx.outputs).toEqual([
      { value: 20_000n, scriptPubKey: chain.payeeScript },
      { value: 150_000_000n - 20_000n - LOCAL_TX_FEE_SATS, scriptPubKey: alice },
    ]);
    // The spend is unsigned but shaped like a P2WPKH spend: empty scriptSig, two witness items.
    expect(tx.inputs[0]!.scriptSig).toHaveLength(0);
    expect(tx.inputs[0]!.witness).toHaveLength(2);
    const all = chain.blockAt(131).block.txs.find((t) => t.outputs.some((o) => bytesEqual(o.scriptPubKey, chain.payeeScript)))!;
    expect(all.outputs).toEqual([{ value: 70_000_000_00n - LOCAL_TX_FEE_SATS, scriptPubKey: chain.payeeScript }]);
    expect(chain.balanceOf(bob)).toBe(0n);
  });

  test('history, balance and unspent coins per script', () => {
    const h = chain.historyOf(alice);
    expect(h.map((x) => [x.height, x.received, x.sent])).toEqual([
      [120, 150_000_000n, 0n],
      [121, 25_000n, 0n],
      [130, 150_000_000n - 20_000n - LOCAL_TX_FEE_SATS, 150_000_000n],
    ]);
    expect(chain.balanceOf(alice)).toBe(150_000_000n - 20_000n - LOCAL_TX_FEE_SATS + 25_000n);
    expect(chain.unspentOf(alice).map((c) => c.height)).toEqual([121, 130]);
    expect(chain.historyOf(bob).map((x) => [x.height, x.received, x.sent])).toEqual([
      [125, 70_000_000_00n, 0n],
      [131, 0n, 70_000_000_00n],
    ]);
    expect(chain.balanceOf(carol)).toBe(1n);
  });

  test('filters hold exactly the block\'s output scripts (no OP_RETURN) and the scripts its inputs spend', () => {
    const expected = expectedElements(chain, chain.height);
    for (const b of allBlocks(chain)) {
      const want = expected.get(b.height)!;
      expect(new Set(chain.filterElementsOf(b).map(toHex))).toEqual(want);
      expect(gcsElementCount(b.filter)).toBe(want.size);
      for (const s of want) expect(match(b.filter, b.hash, fromHex(s))).toBe(true);
      expect(b.filter).toEqual(buildBasicFilter(b.hash, [...want].map(fromHex)));
    }
    // Bob's coins are spent in full at 131 (no output to bob there): found through the prevout.
    const b131 = chain.blockAt(131);
    expect(b131.block.txs.some((t) => t.outputs.some((o) => bytesEqual(o.scriptPubKey, bob)))).toBe(false);
    expect(match(b131.filter, b131.hash, bob)).toBe(true);
    expect(match(chain.blockAt(129).filter, chain.blockAt(129).hash, bob)).toBe(false);
  });

  test('filter headers link from the zero header and pass the cfheaders check', () => {
    let prev = GENESIS_PREVIOUS_FILTER_HEADER;
    for (const b of allBlocks(chain)) {
      expect(b.filterHash).toEqual(filterHash(b.filter));
      expect(b.filterHeader).toEqual(filterHeaderOf(b.filter, prev));
      prev = b.filterHeader;
    }
    const known = new Map([[100, chain.blockAt(100).filterHeader]]);
    const headers = verifyCfheaders({ startHeight: 0, previousFilterHeader: GENESIS_PREVIOUS_FILTER_HEADER, filterHashes: allBlocks(chain).map((b) => b.filterHash) }, known);
    expect(headers[160]).toEqual(chain.tip.filterHeader);
  });
});

describe('usage errors', () => {
  test('spending more than the script holds, paying before any coinbase, bad heights and amounts', () => {
    const spendTooMuch = (): LocalBlockChain => LocalBlockChain.generate(regtest, { blocks: 10, payments: [{ kind: 'pay', script: alice, amount: 5000n, height: 3 }, { kind: 'spend', script: alice, amount: 5000n, height: 5 }] });
    expect(spendTooMuch).toThrow(LocalChainError);
    expect(spendTooMuch).toThrow(/cannot spend 0.00005 BTC .* from bcrt1q.* at height 5: it holds 0.00005 BTC/);
    try {
      spendTooMuch();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as LocalChainError).code).toBe('insufficient_funds');
    }
    expect(() => LocalBlockChain.generate(regtest, { blocks: 10, payments: [{ kind: 'pay', script: alice, amount: 1n, height: 1 }] })).toThrow(/pay from height 2 on/);
    expect(() => LocalBlockChain.generate(regtest, { blocks: 10, payments: [{ kind: 'pay', script: alice, amount: 1n, height: 11 }] })).toThrow(/above the generated chain's tip \(10\)/);
    const c = LocalBlockChain.generate(regtest, { blocks: 3 });
    expect(() => c.pay(alice, 1n, 3)).toThrow(/already mined/);
    expect(() => c.pay(alice, 0n, 4)).toThrow(/amount/);
    expect(() => c.pay(alice, 21_000_001n * 100_000_000n, 4)).toThrow(/amount/);
    expect(() => c.spend(alice, 1.5, 4)).toThrow(/whole number of satoshis/);
  });

  test('a failed planned payment keeps the blocks mined before it and its plan', () => {
    const c = new LocalBlockChain(regtest, { seed: 'fail' });
    c.spend(alice, 1n, 4);
    expect(() => c.extend(6)).toThrow(LocalChainError);
    expect(c.height).toBe(3);
    expect(c.headers.height).toBe(3);
    expect(c.pendingPayments).toHaveLength(1);
  });
});

describe('growing and forking', () => {
  test('mine: a new block with planned and given payments; the header chain follows', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 5, seed: 'grow' });
    c.pay(alice, 10_000n, 7);
    const v = c.version;
    const b6 = c.mine([{ kind: 'pay', script: bob, amount: 5_000n }]);
    expect(b6.height).toBe(6);
    expect(c.version).toBeGreaterThan(v);
    expect(c.headers.tip.hashHex).toBe(b6.hashHex);
    expect(b6.payments.map((p) => p.kind)).toEqual(['pay']);
    const b7 = c.mine();
    expect(txWithOutputTo(b7, alice)!.outputs[0]!.value).toBe(10_000n);
    expect(c.pendingPayments).toEqual([]);
    expect(c.extend(3)).toBe(10);
    expect(c.headers.height).toBe(10);
  });

  test('fork: a longer branch without the payment; the header chain reorganises; old blocks stay known', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 20, seed: 'fork', payments: [{ kind: 'pay', script: alice, amount: 30_000n, height: 15 }, { kind: 'spend', script: alice, amount: 5_000n, height: 18 }] });
    const old15 = c.blockAt(15);
    const oldTip = c.tip;
    const r = c.fork(12);
    expect(r.forkHeight).toBe(12);
    expect(r.oldTip).toBe(oldTip);
    expect(r.disconnected.map((b) => b.height)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    expect(c.height).toBe(21);
    expect(c.headers.tip.hashHex).toBe(c.tip.hashHex);
    expect(c.historyOf(alice)).toEqual([]);
    expect(c.balanceOf(alice)).toBe(0n);
    expect(c.payments.filter((p) => p.height > 12)).toEqual([]);
    expect(c.blockAt(12)).toBe(r.oldTip.prev!.prev!.prev!.prev!.prev!.prev!.prev!.prev!);
    expect(c.blockAt(15).hashHex).not.toBe(old15.hashHex);
    expect(c.blockByHash(old15.hash)).toBe(old15);
    expect(c.isActive(old15)).toBe(false);
    expect(c.ancestor(oldTip, 12)).toBe(c.blockAt(12));
    expect(c.ancestor(oldTip, 15)).toBe(old15);
    // Filter headers of the new branch link onto the shared part.
    expect(c.blockAt(13).filterHeader).toEqual(filterHeaderOf(c.blockAt(13).filter, c.blockAt(12).filterHeader));
    // The coins of the dropped branch are gone: spending again needs a new payment first.
    expect(() => c.mine([{ kind: 'spend', script: alice, amount: 1n }])).toThrow(/holds 0 BTC/);
    c.mine([{ kind: 'pay', script: alice, amount: 9_000n }]);
    c.mine([{ kind: 'spend', script: alice, amount: 1_000n }]);
    expect(c.balanceOf(alice)).toBe(9_000n - 1_000n - LOCAL_TX_FEE_SATS);
  });

  test('fork with replay: the same payments at the same heights in new blocks; and with new payments', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 20, seed: 'replay', payments: [{ kind: 'pay', script: alice, amount: 30_000n, height: 15 }] });
    const before = c.historyOf(alice);
    c.fork(10, { replay: true, blocks: 12, payments: [{ kind: 'pay', script: bob, amount: 7_000n, height: 22 }] });
    expect(c.height).toBe(22);
    const after = c.historyOf(alice);
    expect(after.map((x) => [x.height, toHex(x.txid), x.received])).toEqual(before.map((x) => [x.height, toHex(x.txid), x.received]));
    expect(after[0]!.blockHash).not.toEqual(before[0]!.blockHash);
    expect(c.historyOf(bob).map((x) => x.height)).toEqual([22]);
  });

  test('a fork that is not longer, or cannot be built, leaves the chain as it was', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 10, seed: 'keep', payments: [{ kind: 'pay', script: alice, amount: 30_000n, height: 8 }] });
    const tip = c.tip;
    expect(() => c.fork(5, { blocks: 5 })).toThrow(/needs more than 5 blocks/);
    expect(() => c.fork(10)).toThrow(LocalChainError);
    expect(() => c.fork(5, { payments: [{ kind: 'spend', script: bob, amount: 1n, height: 7 }] })).toThrow(/holds 0 BTC/);
    expect(c.tip).toBe(tip);
    expect(c.headers.tip.hashHex).toBe(tip.hashHex);
    expect(c.balanceOf(alice)).toBe(30_000n);
    expect(c.pendingPayments).toEqual([]);
    expect(c.mine().prev).toBe(tip);
    expect(c.headers.tip.hashHex).toBe(c.tip.hashHex);
  });
});

describe('filler outputs', () => {
  test('one extra tx per block paying N pseudo-random scripts: in the block and its filter', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 30, seed: 'fill', fillerOutputs: 50, payments: [{ kind: 'pay', script: alice, amount: 1_000n, height: 25 }] });
    const b = c.blockAt(25);
    const filler = b.block.txs[b.block.txs.length - 1]!;
    expect(filler.outputs).toHaveLength(51);
    expect(filler.outputs[50]!.scriptPubKey).toEqual(c.fillerScript);
    const expected = expectedElements(c, 30);
    for (const blk of allBlocks(c)) expect(gcsElementCount(blk.filter)).toBe(expected.get(blk.height)!.size);
    // 50 filler scripts + filler change + miner + alice + the filler coin spent (same script) ...
    expect(expected.get(25)!.size).toBeGreaterThanOrEqual(53);
    expect(c.balanceOf(alice)).toBe(1_000n);
    // Filler outputs are not someone's tracked coins.
    expect(c.unspentOf(filler.outputs[0]!.scriptPubKey)).toEqual([]);
  });
});

describe('spv serve options', () => {
  test('amounts: BTC with up to 8 decimals, or satoshis with "sat"', () => {
    expect(parseAmount('0.5')).toBe(50_000_000n);
    expect(parseAmount('21')).toBe(2_100_000_000n);
    expect(parseAmount('0.00000001')).toBe(1n);
    expect(parseAmount('1.5btc')).toBe(150_000_000n);
    expect(parseAmount('50000sat')).toBe(50_000n);
    expect(parseAmount('7sats')).toBe(7n);
    for (const bad of ['', '0', '0sat', '1.123456789', '-1', '1e3', 'abc', '1.5 sat', '21000001']) expect(() => parseAmount(bad)).toThrow(UsageError);
    expect(formatBtc(50_000_000n)).toBe('0.5 BTC');
    expect(formatBtc(2n * 100_000_000n)).toBe('2 BTC');
  });

  test('ADDR:AMOUNT@HEIGHT: address of the network, height inside the chain', () => {
    const addr = encodeAddress(alice, regtest);
    expect(parsePaymentOption('pay', `${addr}:0.5@120`, regtest, 300)).toEqual({ kind: 'pay', script: alice, amount: 50_000_000n, height: 120 });
    expect(parsePaymentOption('spend', `${encodeAddress(bob, regtest)}:100sat@1`, regtest, 1).script).toEqual(bob);
    expect(() => parsePaymentOption('pay', `${addr}:0.5@301`, regtest, 300)).toThrow(/outside the generated chain \(1\.\.300\)/);
    expect(() => parsePaymentOption('pay', `${addr}:0.5@0`, regtest, 300)).toThrow(/outside/);
    expect(() => parsePaymentOption('pay', `${addr}:0.5`, regtest, 300)).toThrow(/ADDRESS:AMOUNT@HEIGHT/);
    expect(() => parsePaymentOption('pay', `${encodeAddress(alice, NETWORKS.testnet4)}:0.5@3`, regtest, 300)).toThrow(/not regtest/);
  });

  test('the CLI exits 2 with a clear message for a wrong-network address, a height out of range, an overspend', async () => {
    const addr = encodeAddress(alice, regtest);
    const cases: [string[], RegExp][] = [
      [['--pay', `${encodeAddress(alice, NETWORKS.mainnet)}:1@5`], /is for mainnet, not regtest/],
      [['--pay', `${addr}:1@51`], /height 51 is outside the generated chain \(1\.\.50\)/],
      [['--pay', `${addr}:1@20`, '--spend', `${addr}:2@30`], /cannot spend 2 BTC .* it holds 1 BTC there/],
      [['--pay', `${addr}:lots@5`], /amount "lots"/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '50', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
