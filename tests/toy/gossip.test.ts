// The gossip logic without sockets: several ToyGossip instances wired by an in-memory router
// that delivers their actions in order. Relay-once, dedup, sync decisions and peer scoring.
import { GENESIS_BLOCK, mineBlock, ToyGossip, type ToyAction, type ToyMessage } from '../../src/toy/index.js';
import { BAN_SCORE, NOISE_BURST } from '../../src/toy/gossip.js';
import { buildChain, T0 } from './helpers.js';

const NOW = (T0 + 10_000) * 1000;

/** Nodes joined by links; `run` delivers queued sends until the network is quiet. */
class SimNet {
  readonly nodes: ToyGossip[] = [];
  readonly queue: { node: number; peer: number; message: ToyMessage }[] = [];
  readonly misbehaving: { node: number; peer: number; code: string }[] = [];
  readonly disconnects: { node: number; peer: number; code: string }[] = [];
  sent = 0;
  /** (node, local peer id) -> (other node, its peer id for us) */
  private readonly links = new Map<string, { node: number; peer: number }>();
  private nextId = 1;

  add(n = 1): void {
    for (let i = 0; i < n; i++) this.nodes.push(new ToyGossip({ difficulty: 1, now: () => NOW }));
  }
  connect(a: number, b: number): void {
    const ida = this.nextId++;
    const idb = this.nextId++;
    this.links.set(`${a}:${ida}`, { node: b, peer: idb });
    this.links.set(`${b}:${idb}`, { node: a, peer: ida });
    this.apply(b, this.nodes[b]!.connected(this.nodes[b]!.newPeerState(idb, 'inbound')));
    this.apply(a, this.nodes[a]!.connected(this.nodes[a]!.newPeerState(ida, 'outbound')));
  }
  peerOf(a: number, b: number): number {
    for (const [k, v] of this.links) if (v.node === b && k.startsWith(`${a}:`)) return Number(k.split(':')[1]);
    throw new Error('no link');
  }
  apply(node: number, actions: ToyAction[]): void {
    const g = this.nodes[node]!;
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          this.queue.push({ node, peer: a.peer, message: a.message });
          break;
        case 'serve':
          for (const h of a.hashes) this.queue.push({ node, peer: a.peer, message: { command: 'block', block: g.chain.get(h)! } });
          if (a.thenTip) this.queue.push({ node, peer: a.peer, message: { command: 'tip', tip: g.tip } });
          g.servingDone(a.peer);
          break;
        case 'misbehaving':
          this.misbehaving.push({ node, peer: a.peer, code: a.code });
          break;
        case 'disconnect':
          this.disconnects.push({ node, peer: a.peer, code: a.code });
          break;
        case 'established':
        case 'timer':
        case 'persist':
        case 'event':
          break;
      }
    }
  }
  run(): void {
    while (this.queue.length > 0) {
      const { node, peer, message } = this.queue.shift()!;
      this.sent++;
      const to = this.links.get(`${node}:${peer}`);
      if (to) this.apply(to.node, this.nodes[to.node]!.received(to.peer, message));
    }
  }
  mineAt(node: number, data: string): void {
    const g = this.nodes[node]!;
    const tip = g.chain.tip;
    const b = mineBlock({ index: tip.index + 1, timestamp: T0 + tip.index + 1, nonce: 0, data, prev_hash: tip.hash, transactions: [] }, 1);
    const { result, actions } = g.submitLocal(b);
    expect(result.kind).toBe('accepted');
    this.apply(node, actions);
  }
}

describe('toy gossip (no sockets)', () => {
  test('triangle: every node gets each block and forwards it exactly once', () => {
    const net = new SimNet();
    net.add(3);
    net.connect(0, 1);
    net.connect(1, 2);
    net.connect(2, 0);
    net.run();
    for (let k = 0; k < 5; k++) {
      net.mineAt(k % 3, `block ${k}`);
      net.run();
    }
    for (const g of net.nodes) {
      expect(g.chain.height).toBe(5);
      expect(g.stats.forwards).toBe(5);
      expect(g.stats.relayMessages).toBeLessThanOrEqual(5 * 2);
    }
  });

  test('ring of 6: relaying stops; each node forwards each block once', () => {
    const net = new SimNet();
    net.add(6);
    for (let i = 0; i < 6; i++) net.connect(i, (i + 1) % 6);
    net.run();
    net.mineAt(0, 'a');
    net.mineAt(0, 'b');
    net.run();
    const tips = new Set(net.nodes.map((g) => g.chain.tip.hash));
    expect(tips.size).toBe(1);
    expect(net.nodes.map((g) => g.stats.forwards)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test('a node that is behind syncs from the HELLO it receives; forks resolve to the longer chain', () => {
    const net = new SimNet();
    net.add(2);
    const shared = buildChain(3, 1);
    const longer = buildChain(4, 1, shared[2], 'x');
    const shorter = buildChain(2, 1, shared[2], 'y');
    for (const b of [...shared, ...longer]) net.nodes[0]!.loadStored(b);
    for (const b of [...shared, ...shorter]) net.nodes[1]!.loadStored(b);
    net.connect(1, 0);
    net.run();
    expect(net.nodes[1]!.chain.tip).toEqual(longer[3]);
    expect(net.nodes[1]!.stats.reorgs).toBe(1);
    // GET_BLOCKS sent only what was missing: the 4 blocks after the fork, not the whole chain.
    expect(net.nodes[1]!.stats.duplicates).toBe(0);
  });

  test('a block with an unknown parent is kept and fetched, not rejected', () => {
    const net = new SimNet();
    net.add(2);
    net.connect(0, 1);
    net.run();
    const bs = buildChain(3, 1);
    for (const b of bs) net.nodes[0]!.loadStored(b); // node 0 learns them without telling anyone
    const peer = net.peerOf(1, 0);
    net.apply(1, net.nodes[1]!.received(peer, { command: 'block', block: bs[2]! }));
    expect(net.nodes[1]!.orphans.size).toBe(1);
    net.run();
    expect(net.nodes[1]!.chain.height).toBe(3);
    expect(net.nodes[1]!.orphans.size).toBe(0);
    expect(net.misbehaving).toEqual([]);
  });

  test('invalid blocks count against the peer until it is banned', () => {
    const g = new ToyGossip({ difficulty: 1, now: () => NOW });
    g.connected(g.newPeerState(1, 'inbound'));
    const good = buildChain(1, 1)[0]!;
    const badHash = { ...good, data: 'tampered' };
    const a1 = g.received(1, { command: 'block', block: badHash });
    expect(a1.some((a) => a.kind === 'event' && a.event.type === 'rejected' && a.event.code === 'bad_hash')).toBe(true);
    expect(a1.some((a) => a.kind === 'misbehaving')).toBe(false);
    const gap = mineBlock({ ...good, index: 5, nonce: 0 }, 1);
    const a2 = g.received(1, { command: 'block', block: gap });
    expect(a2.find((a) => a.kind === 'misbehaving')).toMatchObject({ code: 'bad_index' });
    expect(g.peerStates[0]!.score).toBeGreaterThanOrEqual(BAN_SCORE);
    expect(g.chain.height).toBe(0);
  });

  test('a flood of duplicate blocks gets the peer dropped', () => {
    const g = new ToyGossip({ difficulty: 1, now: () => NOW });
    g.connected(g.newPeerState(1, 'inbound'));
    let dropped = false;
    for (let i = 0; i <= NOISE_BURST && !dropped; i++)
      dropped = g.received(1, { command: 'block', block: GENESIS_BLOCK }).some((a) => a.kind === 'misbehaving' && a.code === 'flood');
    expect(dropped).toBe(true);
  });

  test('unknown messages are ignored and do not establish the peer; HELLO from another network disconnects', () => {
    const g = new ToyGossip({ difficulty: 1, now: () => NOW });
    g.connected(g.newPeerState(1, 'inbound'));
    expect(g.received(1, { command: 'unknown', name: 'constructor' })).toEqual([]);
    const a = g.received(1, { command: 'hello', version: 1, genesis: 'ab'.repeat(32), difficulty: 1, tip: { height: 0, hash: 'ab'.repeat(32) } });
    expect(a.find((x) => x.kind === 'disconnect')).toMatchObject({ code: 'wrong_genesis' });
    g.connected(g.newPeerState(2, 'inbound'));
    const b = g.received(2, { command: 'hello', version: 1, genesis: GENESIS_BLOCK.hash, difficulty: 3, tip: { height: 0, hash: GENESIS_BLOCK.hash } });
    expect(b.find((x) => x.kind === 'disconnect')).toMatchObject({ code: 'wrong_difficulty' });
  });
});
