// Serving blocks and BIP37 over real TCP on loopback: getdata for blocks (legacy and BIP144
// forms), notfound, filtered blocks whose merkle proofs verify with the right txs after them,
// bloom filter updates, misbehaviour bans, the lying modes, and `spv serve --pay` end to end.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { bytesEqual, hashFromDisplay, toHex } from '../../src/util/bytes.js';
import type { DisconnectReason } from '../../src/net/disconnect.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_P2P_V2, NODE_WITNESS } from '../../src/bitcoin/services.js';
import { LOCAL_TX_FEE_SATS, LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { LOCAL_BLOCK_SERVICES, type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { forgedMerkleBlock, type MerkleForgery } from '../../src/bitcoin/block-server.js';
import { InvType } from '../../src/wire/inventory.js';
import { BloomFilter, BloomFlags, bloomElementsForScript } from '../../src/bloom/index.js';
import { MerkleError, p2pkhScript, p2wpkhScript, verifyBlockMerkleRoot, verifyMerkleBlock } from '../../src/tx/index.js';
import { hasWitness, isCoinbase, outpointBytes } from '../../src/tx/tx.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { frame, versionPayload } from '../helpers/frames.js';
import { localPeerSuite } from '../helpers/bitcoin-client.js';
import { RawClient } from '../helpers/raw-client.js';
import { startCli, stop } from '../helpers/cli.js';

const regtest = NETWORKS.regtest;
const alice = p2wpkhScript(new Uint8Array(20).fill(0xa1));
const bob = p2pkhScript(new Uint8Array(20).fill(0xb0));
const ALICE_PAID = 30_000_000n;
const chain = LocalBlockChain.generate(regtest, {
  blocks: 200,
  seed: 'block-server',
  payments: [
    { kind: 'pay', script: alice, amount: ALICE_PAID, height: 120 },
    { kind: 'pay', script: bob, amount: 40_000n, height: 140 },
    // Everything alice has: no change output back to her, so only the spent outpoint shows it.
    { kind: 'spend', script: alice, amount: ALICE_PAID - LOCAL_TX_FEE_SATS, height: 150 },
  ],
});
const payTx = chain.payments[0]!.txid;
const spendTx = chain.payments[2]!.txid;

const { cleanup, serve, connect } = localPeerSuite(chain);

/** The server's reason for the next disconnection it makes. */
function serverDrop(p: LocalPeer): Promise<DisconnectReason> {
  return once(p.node.manager, 'disconnected').then(([, why]) => why as DisconnectReason);
}

const inv = (type: number, hash: Uint8Array): { type: number; hash: Uint8Array } => ({ type, hash });

function aliceFilter(flags: number = BloomFlags.UPDATE_ALL): BloomFilter {
  const f = BloomFilter.create(2, 0.000001, 0x1234, flags);
  for (const e of bloomElementsForScript(alice)) f.insert(e);
  return f;
}

test('advertises NETWORK | WITNESS | BLOOM | COMPACT_FILTERS and its height', async () => {
  const p = await serve();
  const c = await connect(p.port);
  expect(c.remote.state.remote!.services).toBe(NODE_NETWORK | NODE_WITNESS | NODE_BLOOM | NODE_COMPACT_FILTERS);
  expect(LOCAL_BLOCK_SERVICES).toBe(c.remote.state.remote!.services);
  expect(c.remote.state.remote!.startHeight).toBe(200);
});

test('getdata MSG_WITNESS_BLOCK gives the BIP144 block, MSG_BLOCK the same block without witnesses', async () => {
  const p = await serve();
  const c = await connect(p.port);
  const b = chain.blockAt(120);
  c.send({ command: 'getdata', items: [inv(InvType.WITNESS_BLOCK, b.hash), inv(InvType.BLOCK, b.hash)] });
  await c.inbox.until((m) => m.filter((x) => x.command === 'block').length === 2);
  const [witness, legacy] = c.inbox.of('block').map((m) => m.block);
  expect(witness!.raw).toEqual(b.block.raw);
  expect(witness!.txs.some(hasWitness)).toBe(true);
  expect(legacy!.txs.some(hasWitness)).toBe(false);
  expect(legacy!.raw.length).toBeLessThan(witness!.raw.length);
  expect(legacy!.txs.map((t) => toHex(t.txid))).toEqual(b.block.txs.map((t) => toHex(t.txid)));
  expect(legacy!.header).toEqual(b.block.header);
  verifyBlockMerkleRoot(legacy!);
  verifyBlockMerkleRoot(witness!);
});

test('several items in one getdata: blocks in order, then one notfound for unknown blocks and txs', async () => {
  const p = await serve();
  const c = await connect(p.port);
  const unknown = new Uint8Array(32).fill(7);
  c.send({
    command: 'getdata',
    items: [inv(InvType.BLOCK, chain.blockAt(5).hash), inv(InvType.BLOCK, unknown), inv(InvType.TX, payTx), inv(InvType.WITNESS_BLOCK, chain.blockAt(0).hash), inv(InvType.CMPCT_BLOCK, chain.blockAt(6).hash)],
  });
  await c.inbox.until((m) => m.some((x) => x.command === 'notfound'));
  expect(c.inbox.messages.map((m) => m.command)).toEqual(['block', 'block', 'notfound']);
  expect(c.inbox.of('block').map((m) => m.block.hash)).toEqual([chain.blockAt(5).hash, chain.blockAt(0).hash]);
  expect(c.inbox.of('notfound')[0]!.items).toEqual([inv(InvType.BLOCK, unknown), inv(InvType.TX, payTx)]);
});

test('unknownBlocks "ignore": silent for unknown blocks, as Core', async () => {
  const p = await serve({ unknownBlocks: 'ignore' });
  const c = await connect(p.port);
  c.send({ command: 'getdata', items: [inv(InvType.BLOCK, new Uint8Array(32).fill(9)), inv(InvType.BLOCK, chain.blockAt(3).hash)] });
  await c.inbox.until((m) => m.length > 0);
  expect(c.inbox.messages.map((m) => m.command)).toEqual(['block']);
});

test('BIP37 end to end: the payment block proves the payment; UPDATE_ALL makes the later spend match through its outpoint', async () => {
  const p = await serve();
  const c = await connect(p.port);
  c.send(aliceFilter().toMessage());
  c.send({ command: 'getdata', items: [120, 130, 150].map((h) => inv(InvType.FILTERED_BLOCK, chain.blockAt(h).hash)) });
  await c.inbox.until((m) => m.filter((x) => x.command === 'merkleblock').length === 3 && m.filter((x) => x.command === 'tx').length === 2);
  expect(c.inbox.messages.map((m) => m.command)).toEqual(['merkleblock', 'tx', 'merkleblock', 'merkleblock', 'tx']);
  const [mb120, mb130, mb150] = c.inbox.of('merkleblock');
  const [tx120, tx150] = c.inbox.of('tx').map((m) => m.tx);
  // Each proof verifies against the block's header, which is the header chain's.
  expect(mb120!.header).toEqual(chain.headers.headerAt(120));
  expect(verifyMerkleBlock(mb120!).map((m) => toHex(m.txid))).toEqual([toHex(payTx)]);
  expect(verifyMerkleBlock(mb130!)).toEqual([]);
  expect(mb130!.totalTransactions).toBe(chain.blockAt(130).block.txs.length);
  expect(verifyMerkleBlock(mb150!).map((m) => toHex(m.txid))).toEqual([toHex(spendTx)]);
  // The txs that follow are the matched ones, legacy serialization (Core TX_NO_WITNESS).
  expect(tx120!.txid).toEqual(payTx);
  expect(tx150!.txid).toEqual(spendTx);
  expect(hasWitness(tx150!)).toBe(false);
  expect(tx150!.outputs.some((o) => bytesEqual(o.scriptPubKey, alice))).toBe(false);
  // The server's copy of the filter learnt alice's outpoint (BIP37 UPDATE_ALL).
  const server = p.node.manager.peers[0] as BitcoinPeer;
  expect(p.blockServer.filterOf(server)!.contains(outpointBytes({ txid: payTx, vout: 0 }))).toBe(true);
});

test('BIP37 UPDATE_NONE: the spend without change is not matched; filteradd of the outpoint makes it match', async () => {
  const p = await serve();
  const c = await connect(p.port);
  c.send(aliceFilter(BloomFlags.UPDATE_NONE).toMessage());
  c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(120).hash), inv(InvType.FILTERED_BLOCK, chain.blockAt(150).hash)] });
  await c.inbox.until((m) => m.filter((x) => x.command === 'merkleblock').length === 2);
  expect(verifyMerkleBlock(c.inbox.of('merkleblock')[1]!)).toEqual([]);
  c.send({ command: 'filteradd', data: outpointBytes({ txid: payTx, vout: 0 }) });
  c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(150).hash)] });
  await c.inbox.until((m) => m.filter((x) => x.command === 'merkleblock').length === 3 && m.some((x) => x.command === 'tx' && bytesEqual(x.tx.txid, spendTx)));
  expect(verifyMerkleBlock(c.inbox.of('merkleblock')[2]!).map((m) => toHex(m.txid))).toEqual([toHex(spendTx)]);
});

test('BIP37 UPDATE_P2PUBKEY_ONLY: only the pay-to-pubkey output\'s outpoint is added, so only its spend matches later', async () => {
  const p2pk = Uint8Array.of(0x21, 0x02, ...new Uint8Array(32).fill(0x77), 0xac);
  const c0 = LocalBlockChain.generate(regtest, {
    blocks: 8,
    seed: 'p2pk',
    payments: [
      { kind: 'pay', script: p2pk, amount: 9_000n, height: 3 },
      { kind: 'pay', script: alice, amount: 9_000n, height: 3 },
      { kind: 'spend', script: p2pk, amount: 9_000n - LOCAL_TX_FEE_SATS, height: 5 },
      { kind: 'spend', script: alice, amount: 9_000n - LOCAL_TX_FEE_SATS, height: 6 },
    ],
  });
  const p = await serve({}, c0);
  const c = await connect(p.port);
  const f = BloomFilter.create(2, 0.000001, 99, BloomFlags.UPDATE_P2PUBKEY_ONLY);
  for (const e of [...bloomElementsForScript(p2pk), ...bloomElementsForScript(alice)]) f.insert(e);
  c.send(f.toMessage());
  c.send({ command: 'getdata', items: [3, 5, 6].map((h) => inv(InvType.FILTERED_BLOCK, c0.blockAt(h).hash)) });
  await c.inbox.until((m) => m.filter((x) => x.command === 'merkleblock').length === 3);
  const matched = c.inbox.of('merkleblock').map((mb) => verifyMerkleBlock(mb).map((m) => toHex(m.txid)));
  const [payP2pk, payAlice, spendP2pk] = c0.payments.map((x) => toHex(x.txid));
  expect(matched).toEqual([[payP2pk, payAlice], [spendP2pk], []]);
});

test('filtered blocks without a loaded filter (never loaded, or cleared) get no answer', async () => {
  const p = await serve();
  const c = await connect(p.port);
  c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(120).hash), inv(InvType.BLOCK, chain.blockAt(121).hash)] });
  await c.inbox.until((m) => m.some((x) => x.command === 'block'));
  c.send(aliceFilter().toMessage());
  c.send({ command: 'filterclear' });
  c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(120).hash), inv(InvType.BLOCK, chain.blockAt(122).hash)] });
  await c.inbox.until((m) => m.filter((x) => x.command === 'block').length === 2);
  expect(c.inbox.messages.map((m) => m.command)).toEqual(['block', 'block']);
});

test('a peer whose send queue fills is served at the pace it reads (42 MB of blocks in one getdata)', async () => {
  const big = LocalBlockChain.generate(regtest, { blocks: 30, seed: 'big', fillerOutputs: 2000 });
  const p = await serve({}, big);
  const c = await connect(p.port);
  const items = [];
  for (let r = 0; r < 20; r++) for (let h = 1; h <= 30; h++) items.push(inv(InvType.WITNESS_BLOCK, big.blockAt(h).hash));
  const total = items.reduce((s, it) => s + big.blockByHash(it.hash)!.block.raw.length, 0);
  expect(total).toBeGreaterThan(16_000_000); // more than Peer lets pile up in a socket
  c.send({ command: 'getdata', items });
  await c.inbox.until((m) => m.length === items.length, 60_000);
  expect(c.inbox.of('block').map((m) => toHex(m.block.hash))).toEqual(items.map((it) => toHex(it.hash)));
  expect(c.remote.isClosed).toBe(false);
}, 90_000);

describe('misbehaviour', () => {
  let nextHost = 20;
  const freshHost = (): string => `127.0.0.${nextHost++}`;

  test('filteradd without a loaded filter: banned', async () => {
    const p = await serve();
    const host = freshHost();
    const c = await connect(p.port, host);
    const banned = once(p.node.manager, 'banned');
    c.send({ command: 'filteradd', data: new Uint8Array(20) });
    const [bannedHost, code] = await banned;
    expect([bannedHost, code]).toEqual([host, 'bad_filteradd']);
    expect(p.node.manager.banFor(host)).toBeDefined();
    // A new connection from that host is closed at once.
    const again = await RawClient.connect(p.port, '127.0.0.1', host);
    cleanup.push(() => again.destroy());
    expect(await again.waitClosed(5000)).toBe(true);
  });

  /** Handshake by hand, then send `bytes`; resolves with the ban the server reports. */
  async function rawOffence(p: LocalPeer, bytes: Buffer): Promise<[string, string]> {
    const host = freshHost();
    const c = await RawClient.connect(p.port, '127.0.0.1', host);
    cleanup.push(() => c.destroy());
    c.write(frame(regtest.magic, 'version', versionPayload({ nonce: 7n })));
    expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
    c.write(frame(regtest.magic, 'verack'));
    expect(await c.waitFor(() => c.commands().includes('ping'), 5000)).toBe(true);
    const banned = once(p.node.manager, 'banned');
    c.write(bytes);
    const [bannedHost, code] = (await banned) as [string, string];
    expect(bannedHost).toBe(host);
    expect(await c.waitClosed(5000)).toBe(true);
    return [bannedHost, code];
  }

  const filterload = (size: number, hashFuncs: number): Buffer => {
    const len = size < 0xfd ? Buffer.of(size) : Buffer.of(0xfd, size & 0xff, size >> 8);
    const tail = Buffer.alloc(9);
    tail.writeUInt32LE(hashFuncs, 0);
    return Buffer.concat([len, Buffer.alloc(size, 0xff), tail]);
  };

  test('filterload of 36,001 bytes: banned', async () => {
    const p = await serve();
    const [, code] = await rawOffence(p, frame(regtest.magic, 'filterload', filterload(36_001, 10)));
    expect(code).toBe('oversized');
  });

  test('filterload with 51 hash functions: banned', async () => {
    const p = await serve();
    const [, code] = await rawOffence(p, frame(regtest.magic, 'filterload', filterload(100, 51)));
    expect(code).toBe('too_many');
  });

  test('filteradd of 521 bytes: banned', async () => {
    const p = await serve();
    const payload = Buffer.concat([Buffer.of(0xfd, 521 & 0xff, 521 >> 8), Buffer.alloc(521)]);
    const [, code] = await rawOffence(p, frame(regtest.magic, 'filteradd', payload));
    expect(code).toBe('oversized');
  });

  test('the largest legal filterload (36,000 bytes, 50 functions) and filteradd (520 bytes) are accepted', async () => {
    const p = await serve();
    const c = await connect(p.port, freshHost());
    c.send({ command: 'filterload', filter: new Uint8Array(36_000), hashFuncs: 50, tweak: 1, flags: 0 });
    c.send({ command: 'filteradd', data: new Uint8Array(520).fill(3) });
    c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(1).hash)] });
    await c.inbox.until((m) => m.some((x) => x.command === 'merkleblock'));
    expect(c.remote.isClosed).toBe(false);
  });

  test('without NODE_BLOOM, filterload is a disconnect without a ban (as Core)', async () => {
    const p = await serve({ bloom: false });
    const host = freshHost();
    const c = await connect(p.port, host);
    expect(c.remote.state.remote!.services & NODE_BLOOM).toBe(0n);
    const dropped = serverDrop(p);
    c.send(aliceFilter().toMessage());
    expect((await dropped).code).toBe('bloom_not_offered');
    expect(p.node.manager.banFor(host)).toBeUndefined();
    await connect(p.port, host);
  });
});

describe('lying modes', () => {
  test('tampered-block: the chosen block\'s transactions do not hash to its header\'s merkle root', async () => {
    const p = await serve({ blockLie: { kind: 'tampered-block', heights: [120] } });
    const c = await connect(p.port);
    c.send({ command: 'getdata', items: [inv(InvType.WITNESS_BLOCK, chain.blockAt(120).hash), inv(InvType.BLOCK, chain.blockAt(120).hash), inv(InvType.BLOCK, chain.blockAt(121).hash)] });
    await c.inbox.until((m) => m.length === 3);
    const [w, l, ok] = c.inbox.of('block').map((m) => m.block);
    for (const b of [w!, l!]) {
      expect(b.header).toEqual(chain.blockAt(120).block.header);
      expect(() => verifyBlockMerkleRoot(b)).toThrow(MerkleError);
      expect(() => verifyBlockMerkleRoot(b)).toThrow(/differs/);
    }
    verifyBlockMerkleRoot(ok!);
  });

  test.each<[MerkleForgery, string]>([
    ['fake-match', 'root_mismatch'],
    // Block 120 holds two txs, so a third hash is more hashes than transactions.
    ['extra-hash', 'too_many_hashes'],
    ['missing-hash', 'hashes_exhausted'],
  ])('forged-merkleblock %s: the proof fails with %s; other blocks are honest', async (forgery, code) => {
    const p = await serve({ blockLie: { kind: 'forged-merkleblock', heights: [120], forgery } });
    const c = await connect(p.port);
    c.send(aliceFilter().toMessage());
    c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, chain.blockAt(120).hash), inv(InvType.FILTERED_BLOCK, chain.blockAt(121).hash)] });
    await c.inbox.until((m) => m.filter((x) => x.command === 'merkleblock').length === 2);
    const [forged, honest] = c.inbox.of('merkleblock');
    let caught: unknown;
    try {
      verifyMerkleBlock(forged!);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MerkleError);
    expect((caught as MerkleError).code).toBe(code);
    expect(verifyMerkleBlock(honest!)).toEqual([]);
    if (forgery === 'fake-match') {
      // The fabricated tx is sent in place of the payment, and the tree names its txid.
      const sent = c.inbox.of('tx')[0]!.tx;
      expect(sent.txid).not.toEqual(payTx);
      expect(sent.outputs[0]!.scriptPubKey).toEqual(alice);
    }
  });

  test('forgedMerkleBlock extra-hash in a bigger block: hashes left over', () => {
    const c = LocalBlockChain.generate(regtest, { blocks: 3, seed: 'many' });
    const b = c.mine([alice, bob, alice, bob, alice].map((script, i) => ({ kind: 'pay' as const, script, amount: 1_000n + BigInt(i) }))).block;
    const f = BloomFilter.create(1, 0.000001, 5, BloomFlags.UPDATE_NONE);
    f.insert(b.txs[2]!.txid);
    const { merkleBlock } = forgedMerkleBlock(b, f, 'extra-hash');
    expect(() => verifyMerkleBlock(merkleBlock)).toThrow(expect.objectContaining({ code: 'hashes_left_over' }));
  });

  test('forgedMerkleBlock on its own: a fake match when the filter matched nothing is the coinbase\'s stand-in', () => {
    const b = chain.blockAt(130).block;
    const { merkleBlock, txs } = forgedMerkleBlock(b, aliceFilter(), 'fake-match');
    expect(() => verifyMerkleBlock(merkleBlock)).toThrow(/differs/);
    expect(txs).toHaveLength(1);
    expect(isCoinbase(txs[0]!)).toBe(true);
    expect(txs[0]!.txid).not.toEqual(b.txs[0]!.txid);
  });
});

describe('local peer growth', () => {
  test('mine and fork through the LocalPeer announce the new blocks, which are then served', async () => {
    const small = LocalBlockChain.generate(regtest, { blocks: 10, seed: 'announce' });
    const p = await serve({}, small);
    const c = await connect(p.port);
    c.send({ command: 'sendheaders' });
    // Handled in order: once this block is back, sendheaders is in effect.
    c.send({ command: 'getdata', items: [inv(InvType.BLOCK, small.blockAt(1).hash)] });
    await c.inbox.until((m) => m.some((x) => x.command === 'block'));
    const b11 = p.mine([{ kind: 'pay', script: alice, amount: 1_000n }]);
    await c.inbox.until((m) => m.some((x) => x.command === 'headers'));
    expect(c.inbox.of('headers')[0]!.headers).toEqual([b11.block.header]);
    const r = p.fork(8);
    await c.inbox.until((m) => m.filter((x) => x.command === 'headers').length === 2);
    expect(c.inbox.of('headers')[1]!.headers).toEqual([9, 10, 11, 12].map((h) => small.blockAt(h).block.header));
    c.send({ command: 'getdata', items: [inv(InvType.BLOCK, r.newTip.hash), inv(InvType.BLOCK, b11.hash)] });
    await c.inbox.until((m) => m.filter((x) => x.command === 'block').length === 3);
    // The replaced block is still served by hash (Core serves recent stale blocks).
    expect(c.inbox.of('block').slice(1).map((m) => m.block.hash)).toEqual([r.newTip.hash, b11.hash]);
  });
});

test('spv serve --pay: a client loads a filter for the address and gets the payment proven', async () => {
  const addr = encodeAddress(alice, regtest);
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '130', '--seed', 'cli', '--pay', `${addr}:0.5@120`, '--json'], /^(\{.*"event":"listening".*\})\n/m);
  cleanup.push(async () => {
    await stop(served.child);
  });
  const listening = JSON.parse(served.match[1]!) as { address: string; payments: { kind: string; txid: string; block: string; height: number; amountSats: string; address: string }[] };
  expect(listening.payments).toEqual([expect.objectContaining({ kind: 'pay', height: 120, amountSats: '50000000', address: addr })]);
  const port = Number(listening.address.split(':').pop());
  const c = await connect(port);
  // spv serve accepts BIP324 v2 by default and says so (NODE_P2P_V2).
  expect(c.remote.state.remote!.services).toBe(LOCAL_BLOCK_SERVICES | NODE_P2P_V2);
  c.send(aliceFilter().toMessage());
  c.send({ command: 'getdata', items: [inv(InvType.FILTERED_BLOCK, hashFromDisplay(listening.payments[0]!.block))] });
  await c.inbox.until((m) => m.some((x) => x.command === 'tx'));
  const mb = c.inbox.of('merkleblock')[0]!;
  expect(verifyMerkleBlock(mb).map((m) => toHex(m.txid))).toEqual([toHex(hashFromDisplay(listening.payments[0]!.txid))]);
  expect(c.inbox.of('tx')[0]!.tx.outputs[0]).toEqual({ value: 50_000_000n, scriptPubKey: alice });
  // Same seed, same chain: the in-process chain reproduces the CLI's.
  const same = LocalBlockChain.generate(regtest, { blocks: 130, seed: 'cli', payments: [{ kind: 'pay', script: alice, amount: 50_000_000n, height: 120 }] });
  expect(same.blockAt(120).hashHex).toBe(listening.payments[0]!.block);
});
