// Toy nodes over real TCP on loopback: propagation in a line, triangle and ring, late joiners,
// partition and heal, --datadir restarts, the tutorial's GET_CHAIN exchange and a node that
// speaks only BLOCK:/GET_CHAIN.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockToJson, GENESIS_BLOCK } from '../../src/toy/index.js';
import type { ToyNode } from '../../src/toy/node.js';
import { closeAll, LineClient, startNode, TutorialNode, until } from './helpers.js';

afterEach(closeAll);

const modernPeers = (n: ToyNode): number => n.peers.filter((p) => p.established && p.kind === 'modern').length;
const sameTip = (nodes: ToyNode[]): boolean => new Set(nodes.map((n) => n.chain.tip.hash)).size === 1;

describe('toy nodes on loopback TCP', () => {
  test('line A-B-C: a block mined at A reaches C', async () => {
    const c = await startNode();
    const b = await startNode({ peers: [c.address!] });
    const a = await startNode({ peers: [b.address!] });
    await until(() => modernPeers(b) === 2, 'B connected to A and C');
    const block = await a.mine('hello from A');
    await until(() => c.chain.has(block.hash), 'block at C');
    expect(c.chain.tip).toEqual(block);
    expect(b.gossip.stats.forwards).toBe(1);
  });

  test('triangle and ring: no endless relay, each node forwards each block once', async () => {
    for (const size of [3, 5]) {
      const nodes: ToyNode[] = [];
      for (let i = 0; i < size; i++) nodes.push(await startNode());
      for (let i = 0; i < size; i++) nodes[i]!.addPeer(nodes[(i + 1) % size]!.address!);
      await until(() => nodes.every((n) => modernPeers(n) === 2), 'ring wired');
      const mined = [];
      for (let k = 0; k < 3; k++) {
        const blk = await nodes[k % size]!.mine(`ring ${size} block ${k}`);
        mined.push(blk);
        await until(() => nodes.every((n) => n.chain.has(blk.hash)), `block ${k} everywhere`);
      }
      expect(sameTip(nodes)).toBe(true);
      for (const n of nodes) {
        expect(n.gossip.stats.forwards).toBe(3);
        expect(n.gossip.stats.relayMessages).toBeLessThanOrEqual(3 * 2);
      }
      await closeAll();
    }
  });

  test('a late joiner gets the whole chain', async () => {
    const a = await startNode();
    for (let i = 0; i < 12; i++) await a.mine(`early ${i}`);
    const late = await startNode({ peers: [a.address!] });
    await until(() => late.chain.height === 12, 'late joiner synced');
    expect(late.chain.tip).toEqual(a.chain.tip);
    expect(late.gossip.stats.rejected).toBe(0);
  });

  test('partition then heal: both sides mine, reconnect, all converge on the most-work chain', async () => {
    const [a, b, c, d] = [await startNode(), await startNode(), await startNode(), await startNode()];
    a.addPeer(b.address!);
    c.addPeer(d.address!);
    await b.connect(c.address!); // the bridge (dialled once, so cutting it keeps it cut)
    await until(() => modernPeers(b) === 2 && modernPeers(c) === 2, 'one network');
    const shared = await a.mine('before the split');
    await until(() => sameTip([a, b, c, d]), 'shared block everywhere');

    b.manager.peers.find((p) => p.address.port === c.address!.port)!.disconnect({ kind: 'local', code: 'test', message: 'partition' });
    await until(() => modernPeers(b) === 1 && modernPeers(c) === 1, 'partitioned');
    const left = await a.mine('left side');
    const right1 = await c.mine('right side 1');
    await until(() => d.chain.has(right1.hash), 'right side 1 at D');
    const right2 = await d.mine('right side 2');
    await until(() => b.chain.has(left.hash) && c.chain.has(right2.hash), 'each side agrees on its own chain');
    expect(a.chain.tip.hash).toBe(left.hash);

    await b.connect(c.address!);
    await until(() => [a, b, c, d].every((n) => n.chain.tip.hash === right2.hash), 'everyone on the longer right chain');
    expect(a.chain.height).toBe(shared.index + 2);
    expect(a.chain.isOnBestChain(left.hash)).toBe(false);
    expect(a.memlog.has(/reorg: height 2 .* -> 3 /)).toBe(true);
  });

  test('restart with --datadir keeps the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spv-toy-'));
    try {
      const a = await startNode({ datadir: dir });
      for (let i = 0; i < 4; i++) await a.mine(`persist ${i}`);
      const tip = a.chain.tip;
      await a.close();
      const again = await startNode({ datadir: dir });
      expect(again.chain.height).toBe(4);
      expect(again.chain.tip).toEqual(tip);
      await again.mine('after restart');
      await again.close();
      const third = await startNode({ datadir: dir });
      expect(third.chain.height).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nc-style exchange: GET_CHAIN prints the chain, one BLOCK line per block, in height order', async () => {
    const a = await startNode();
    await a.mine('one');
    await a.mine('two');
    const nc = await LineClient.connect(a.address!.port);
    nc.write('GET_CHAIN\n');
    await until(() => nc.lines.length >= 3, 'three lines');
    expect(nc.lines).toEqual([0, 1, 2].map((h) => `BLOCK:${blockToJson(a.chain.blockAt(h)!)}`));
    expect(nc.blocks()[0]).toEqual(GENESIS_BLOCK);
  });

  test('a tutorial node (BLOCK:/GET_CHAIN only) interoperates both ways', async () => {
    const tut = new TutorialNode(1);
    const port = await tut.listen();
    tut.mine('tutorial 1');
    tut.mine('tutorial 2');
    // We dial it: it ignores our HELLO, so we fall back to GET_CHAIN and sync.
    const a = await startNode({ peers: [{ host: '127.0.0.1', port }] });
    await until(() => a.chain.height === 2, 'synced from the tutorial node');
    expect(a.peers[0]).toMatchObject({ kind: 'legacy', established: true });
    // Our block reaches it, its block reaches us.
    const ours = await a.mine('from spv');
    await until(() => tut.chain.length === 4, 'tutorial node appended our block');
    expect(tut.chain[3]).toEqual(ours);
    const theirs = tut.mine('tutorial 4');
    await until(() => a.chain.has(theirs.hash), 'we accepted its block');
    // It dials us like a tutorial newcomer: GET_CHAIN gets the chain.
    const fresh = new TutorialNode(1);
    const s = await fresh.dial(a.address!.port);
    fresh.send(s, 'GET_CHAIN\n');
    await until(() => fresh.received.filter((l) => l.startsWith('BLOCK:')).length === 5, 'chain served to the tutorial newcomer');
    expect(fresh.received.every((l) => l.startsWith('BLOCK:'))).toBe(true); // nothing it cannot parse
  });

  test('at the default difficulty 2, a block crosses a real connection and validates', async () => {
    const a = await startNode({ difficulty: 2 });
    const b = await startNode({ difficulty: 2, peers: [a.address!] });
    await until(() => modernPeers(a) === 1, 'connected');
    const block = await b.mine('difficulty two over TCP');
    expect(block.hash.startsWith('0000')).toBe(true);
    await until(() => a.chain.has(block.hash), 'accepted at difficulty 2');
  }, 90_000);
});
