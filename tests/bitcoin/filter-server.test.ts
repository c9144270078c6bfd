// Serving BIP157 over real TCP on loopback, checked against Core's rules (PrepareBlockFilterRequest
// and the getcfcheckpt/getcfheaders/getcfilters handlers): replies, ranges, every disconnect case,
// stale stop hashes, and the lying modes a client must catch.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import { bytesEqual, toHex } from '../../src/util/bytes.js';
import type { DisconnectReason } from '../../src/net/disconnect.js';
import { NODE_COMPACT_FILTERS } from '../../src/bitcoin/services.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { checkFilterRequest, type FilterLie } from '../../src/bitcoin/filter-server.js';
import type { CFHeadersMessage, Message } from '../../src/wire/message.js';
import { p2wpkhScript } from '../../src/tx/index.js';
import { match } from '../../src/filters/basic.js';
import { localPeerSuite, type Client } from '../helpers/bitcoin-client.js';
import { filterMatchesHeader, GENESIS_PREVIOUS_FILTER_HEADER, checkpointsFromCfcheckpt, verifyCfheaders } from '../../src/filters/headers.js';

const regtest = NETWORKS.regtest;
const alice = p2wpkhScript(new Uint8Array(20).fill(0xa1));
const bob = p2wpkhScript(new Uint8Array(20).fill(0xb0));
const chain = LocalBlockChain.generate(regtest, {
  blocks: 2500,
  seed: 'filter-server',
  payments: [
    { kind: 'pay', script: alice, amount: 120_000n, height: 1500 },
    { kind: 'spend', script: alice, amount: 20_000n, height: 1600 },
    { kind: 'pay', script: bob, amount: 5_000n, height: 2100 },
  ],
});
const BASIC = 0;

const { serve, connect } = localPeerSuite(chain);

const hashAt = (h: number, c = chain): Uint8Array => c.blockAt(h).hash;

async function cfheaders(c: Client, startHeight: number, stop: number): Promise<CFHeadersMessage> {
  const before = c.inbox.of('cfheaders').length;
  c.send({ command: 'getcfheaders', filterType: BASIC, startHeight, stopHash: hashAt(stop) });
  await c.inbox.until(() => c.inbox.of('cfheaders').length > before);
  return c.inbox.of('cfheaders')[before]!;
}

async function cfcheckpt(c: Client, stop: Uint8Array): Promise<Uint8Array[]> {
  const before = c.inbox.of('cfcheckpt').length;
  c.send({ command: 'getcfcheckpt', filterType: BASIC, stopHash: stop });
  await c.inbox.until(() => c.inbox.of('cfcheckpt').length > before);
  const m = c.inbox.of('cfcheckpt')[before]!;
  expect(m.stopHash).toEqual(stop);
  return [...m.filterHeaders];
}

async function cfilters(c: Client, startHeight: number, stop: number): Promise<{ blockHash: Uint8Array; filter: Uint8Array }[]> {
  const before = c.inbox.of('cfilter').length;
  const n = stop - startHeight + 1;
  c.send({ command: 'getcfilters', filterType: BASIC, startHeight, stopHash: hashAt(stop) });
  await c.inbox.until(() => c.inbox.of('cfilter').length >= before + n);
  return c.inbox.of('cfilter').slice(before, before + n);
}

describe('honest replies', () => {
  let p: LocalPeer;
  let c: Client;
  beforeEach(async () => {
    p = await serve();
    c = await connect(p.port);
  });

  test('advertises NODE_COMPACT_FILTERS', () => {
    expect(c.remote.state.remote!.services & NODE_COMPACT_FILTERS).toBe(NODE_COMPACT_FILTERS);
  });

  test('getcfcheckpt: the filter headers at every multiple of 1000 up to the stop block', async () => {
    expect(await cfcheckpt(c, chain.tip.hash)).toEqual([chain.blockAt(1000).filterHeader, chain.blockAt(2000).filterHeader]);
    expect(await cfcheckpt(c, hashAt(2000))).toEqual([chain.blockAt(1000).filterHeader, chain.blockAt(2000).filterHeader]);
    expect(await cfcheckpt(c, hashAt(1999))).toEqual([chain.blockAt(1000).filterHeader]);
    expect(await cfcheckpt(c, hashAt(999))).toEqual([]);
    expect(await cfcheckpt(c, hashAt(0))).toEqual([]);
  });

  test('getcfheaders: up to 2000 filter hashes after the previous header (zeros from genesis), linking to the checkpoints', async () => {
    const checkpoints = checkpointsFromCfcheckpt(await cfcheckpt(c, chain.tip.hash));
    const first = await cfheaders(c, 0, 1999);
    expect(first.previousFilterHeader).toEqual(GENESIS_PREVIOUS_FILTER_HEADER);
    expect(first.stopHash).toEqual(hashAt(1999));
    expect(first.filterHashes).toHaveLength(2000);
    const h1 = verifyCfheaders({ startHeight: 0, previousFilterHeader: first.previousFilterHeader, filterHashes: first.filterHashes }, checkpoints);
    expect(h1[1999]).toEqual(chain.blockAt(1999).filterHeader);
    const second = await cfheaders(c, 2000, 2500);
    expect(second.previousFilterHeader).toEqual(chain.blockAt(1999).filterHeader);
    const h2 = verifyCfheaders({ startHeight: 2000, previousFilterHeader: second.previousFilterHeader, filterHashes: second.filterHashes }, checkpoints);
    expect(h2[500]).toEqual(chain.tip.filterHeader);
    const one = await cfheaders(c, 1500, 1500);
    expect(one.filterHashes).toEqual([chain.blockAt(1500).filterHash]);
    expect(one.previousFilterHeader).toEqual(chain.blockAt(1499).filterHeader);
  });

  test('getcfilters: up to 1000 cfilters in height order, each committed to by its filter header', async () => {
    const got = await cfilters(c, 1001, 2000);
    expect(got).toHaveLength(1000);
    got.forEach((m, i) => {
      const b = chain.blockAt(1001 + i);
      expect(m.blockHash).toEqual(b.hash);
      expect(filterMatchesHeader(m.filter, chain.blockAt(b.height - 1).filterHeader, b.filterHeader)).toBe(true);
    });
    const matched = got.filter((m) => match(m.filter, m.blockHash, alice)).map((m) => chain.blockByHash(m.blockHash)!.height);
    expect(matched).toEqual([1500, 1600]);
    const genesis = await cfilters(c, 0, 0);
    expect(genesis[0]!.filter).toEqual(chain.blockAt(0).filter);
    expect(c.remote.isClosed).toBe(false);
  });
});

describe('requests Core refuses: disconnected, not banned', () => {
  const unknown = new Uint8Array(32).fill(0x42);
  const cases: [string, Message, string][] = [
    ['getcfilters of filter type 1', { command: 'getcfilters', filterType: 1, startHeight: 0, stopHash: hashAt(10) }, 'bip157_unsupported_filter_type'],
    ['getcfheaders of filter type 255', { command: 'getcfheaders', filterType: 255, startHeight: 0, stopHash: hashAt(10) }, 'bip157_unsupported_filter_type'],
    ['getcfcheckpt of filter type 1', { command: 'getcfcheckpt', filterType: 1, stopHash: hashAt(10) }, 'bip157_unsupported_filter_type'],
    ['getcfilters with an unknown stop hash', { command: 'getcfilters', filterType: BASIC, startHeight: 0, stopHash: unknown }, 'bip157_unknown_stop_hash'],
    ['getcfheaders with an unknown stop hash', { command: 'getcfheaders', filterType: BASIC, startHeight: 0, stopHash: unknown }, 'bip157_unknown_stop_hash'],
    ['getcfcheckpt with an unknown stop hash', { command: 'getcfcheckpt', filterType: BASIC, stopHash: unknown }, 'bip157_unknown_stop_hash'],
    ['getcfilters with start above stop', { command: 'getcfilters', filterType: BASIC, startHeight: 11, stopHash: hashAt(10) }, 'bip157_start_after_stop'],
    ['getcfheaders with start above stop', { command: 'getcfheaders', filterType: BASIC, startHeight: 2501, stopHash: hashAt(2500) }, 'bip157_start_after_stop'],
    ['getcfilters of 1001 blocks', { command: 'getcfilters', filterType: BASIC, startHeight: 1000, stopHash: hashAt(2000) }, 'bip157_range_too_large'],
    ['getcfheaders of 2001 blocks', { command: 'getcfheaders', filterType: BASIC, startHeight: 0, stopHash: hashAt(2000) }, 'bip157_range_too_large'],
  ];
  test.each(cases)('%s', async (_name, request, code) => {
    const p = await serve();
    const c = await connect(p.port);
    const dropped = once(p.node.manager, 'disconnected');
    c.send(request);
    const [, why] = (await dropped) as [unknown, DisconnectReason];
    expect(why.kind).toBe('protocol');
    expect(why.code).toBe(code);
    expect(c.inbox.messages).toEqual([]);
    expect(p.node.manager.banFor('127.0.0.1')).toBeUndefined();
    // Not discouraged: the same host connects again and is served.
    const again = await connect(p.port);
    expect(await cfcheckpt(again, hashAt(1000))).toEqual([chain.blockAt(1000).filterHeader]);
  });

  test('checkFilterRequest applies Core\'s checks in Core\'s order', () => {
    expect(checkFilterRequest(chain, 1, 5, unknown, 1000)).toMatchObject({ ok: false, refusal: 'unsupported_filter_type' });
    expect(checkFilterRequest(chain, BASIC, 5000, unknown, 1000)).toMatchObject({ ok: false, refusal: 'unknown_stop_hash' });
    expect(checkFilterRequest(chain, BASIC, 5000, hashAt(1000), 1)).toMatchObject({ ok: false, refusal: 'start_after_stop' });
    expect(checkFilterRequest(chain, BASIC, 1000, hashAt(1000), 1)).toMatchObject({ ok: true });
    expect(checkFilterRequest(chain, BASIC, 999, hashAt(1000), 1)).toMatchObject({ ok: false, refusal: 'range_too_large' });
  });
});

test('a stop hash on a replaced branch is still served (Core serves recent stale blocks), from that branch', async () => {
  const c0 = LocalBlockChain.generate(regtest, { blocks: 30, seed: 'stale', payments: [{ kind: 'pay', script: alice, amount: 1_000n, height: 25 }] });
  const oldTip = c0.tip;
  const old25 = c0.blockAt(25);
  const p = await serve({}, c0);
  p.fork(20);
  const c = await connect(p.port);
  c.send({ command: 'getcfheaders', filterType: BASIC, startHeight: 18, stopHash: oldTip.hash });
  c.send({ command: 'getcfilters', filterType: BASIC, startHeight: 25, stopHash: old25.hash });
  await c.inbox.until((m) => m.length === 2);
  const h = c.inbox.of('cfheaders')[0]!;
  expect(h.stopHash).toEqual(oldTip.hash);
  expect(h.previousFilterHeader).toEqual(c0.blockAt(17).filterHeader);
  expect(h.filterHashes.map(toHex)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30].map((x) => toHex(c0.ancestor(oldTip, x).filterHash)));
  expect(h.filterHashes[7]).toEqual(old25.filterHash);
  expect(h.filterHashes[7]).not.toEqual(c0.blockAt(25).filterHash);
  const f = c.inbox.of('cfilter')[0]!;
  expect(f.blockHash).toEqual(old25.hash);
  expect(match(f.filter, f.blockHash, alice)).toBe(true);
});

describe('lying modes', () => {
  async function liar(lie: FilterLie): Promise<Client> {
    const p = await serve({ filterLie: lie });
    return connect(p.port);
  }

  test('wrong-headers from 1500: checkpoints and cfheaders differ from there; the honest filters then fail the lying headers', async () => {
    const c = await liar({ kind: 'wrong-headers', fromHeight: 1500 });
    const cp = await cfcheckpt(c, chain.tip.hash);
    expect(cp[0]).toEqual(chain.blockAt(1000).filterHeader);
    expect(cp[1]).not.toEqual(chain.blockAt(2000).filterHeader);
    const m = await cfheaders(c, 1000, 2500);
    expect(m.previousFilterHeader).toEqual(chain.blockAt(999).filterHeader);
    const lying = verifyCfheaders({ startHeight: 1000, previousFilterHeader: m.previousFilterHeader, filterHashes: m.filterHashes }, checkpointsFromCfcheckpt(cp));
    for (let h = 1000; h <= 2500; h++) {
      const same = bytesEqual(lying[h - 1000]!, chain.blockAt(h).filterHeader);
      expect([h, same]).toEqual([h, h < 1500]);
    }
    const [f1499, f1500] = await cfilters(c, 1499, 1500);
    expect(f1499!.filter).toEqual(chain.blockAt(1499).filter);
    expect(f1500!.filter).toEqual(chain.blockAt(1500).filter);
    expect(filterMatchesHeader(f1500!.filter, lying[499]!, lying[500]!)).toBe(false);
    expect(filterMatchesHeader(f1500!.filter, chain.blockAt(1499).filterHeader, chain.blockAt(1500).filterHeader)).toBe(true);
  });

  test('bad-filter at 1500: that cfilter is not the one its (honest) header commits to; neighbours are honest', async () => {
    const c = await liar({ kind: 'bad-filter', heights: [1500] });
    const m = await cfheaders(c, 1, 2000);
    expect(m.filterHashes[1499]).toEqual(chain.blockAt(1500).filterHash);
    const got = await cfilters(c, 1499, 1501);
    const ok = got.map((f, i) => filterMatchesHeader(f.filter, chain.blockAt(1498 + i).filterHeader, chain.blockAt(1499 + i).filterHeader));
    expect(ok).toEqual([true, false, true]);
    // Still a well-formed filter, one that even matches alice: only the header check catches it.
    expect(match(got[1]!.filter, got[1]!.blockHash, alice)).toBe(true);
  });

  test('omit-scripts alice: consistent forged filters and headers; alice\'s blocks look empty, only the block shows the lie', async () => {
    const c = await liar({ kind: 'omit-scripts', scripts: [alice] });
    const cp = await cfcheckpt(c, chain.tip.hash);
    expect(cp[0]).toEqual(chain.blockAt(1000).filterHeader);
    expect(cp[1]).not.toEqual(chain.blockAt(2000).filterHeader);
    const m = await cfheaders(c, 1000, 2500);
    const headers = verifyCfheaders({ startHeight: 1000, previousFilterHeader: m.previousFilterHeader, filterHashes: m.filterHashes }, checkpointsFromCfcheckpt(cp));
    expect(headers[499]).toEqual(chain.blockAt(1499).filterHeader);
    expect(headers[500]).not.toEqual(chain.blockAt(1500).filterHeader);
    const got = await cfilters(c, 1499, 1601);
    got.forEach((f, i) => {
      const h = 1499 + i;
      expect(filterMatchesHeader(f.filter, headers[h - 1001]!, headers[h - 1000]!)).toBe(true);
      expect(match(f.filter, f.blockHash, alice)).toBe(false);
    });
    // ...but block 1500 pays alice.
    expect(chain.blockAt(1500).block.txs.some((t) => t.outputs.some((o) => bytesEqual(o.scriptPubKey, alice)))).toBe(true);
    // Other scripts are still in: the miner's output is in every forged filter.
    expect(match(got[1]!.filter, got[1]!.blockHash, chain.minerScript)).toBe(true);
  });

  test('lies follow the chain as it grows', async () => {
    const small = LocalBlockChain.generate(regtest, { blocks: 5, seed: 'grow-lie' });
    const p = await serve({ filterLie: { kind: 'omit-scripts', scripts: [bob] } }, small);
    const b6 = p.mine([{ kind: 'pay', script: bob, amount: 1_000n }]);
    const c = await connect(p.port);
    c.send({ command: 'getcfilters', filterType: BASIC, startHeight: 6, stopHash: b6.hash });
    await c.inbox.until((m) => m.length === 1);
    expect(match(c.inbox.of('cfilter')[0]!.filter, b6.hash, bob)).toBe(false);
    expect(p.filterServer!.served(b6).filterHeader).not.toEqual(b6.filterHeader);
    expect(match(b6.filter, b6.hash, bob)).toBe(true);
  });
});
