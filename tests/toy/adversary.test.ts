// Cheap attacks on a toy node, without sockets: orphan blocks (proof of work on an unknown
// parent) must not keep sync slots busy, and valid side-branch blocks that never change the tip
// must not grow memory or be written to disk or relayed.
import { GENESIS_BLOCK, mineBlock, ToyGossip, type ToyAction, type ToyBlock } from '../../src/toy/index.js';
import { MAX_OUTSTANDING_SYNCS, SYNC_STALL_MS } from '../../src/toy/gossip.js';
import { MAX_SIDE_BLOCKS } from '../../src/toy/chain.js';
import { TOY_PROTOCOL_VERSION } from '../../src/toy/messages.js';
import { buildChain, T0 } from './helpers.js';

const START = (T0 + 100_000) * 1000;

/** One ToyGossip with a simulated clock and timers; records what it sends and persists. */
class Harness {
  now = START;
  readonly g = new ToyGossip({ difficulty: 1, now: () => this.now });
  readonly sent: { peer: number; command: string }[] = [];
  readonly persisted: ToyBlock[] = [];
  readonly misbehaving: { peer: number; code: string }[] = [];
  private readonly timers = new Map<string, { peer: number; name: 'legacy_probe' | 'sync_idle'; at: number }>();

  apply(actions: ToyAction[]): void {
    for (const a of actions) {
      if (a.kind === 'send') this.sent.push({ peer: a.peer, command: a.message.command });
      else if (a.kind === 'timer') this.timers.set(`${a.peer}:${a.name}`, { peer: a.peer, name: a.name, at: this.now + a.ms });
      else if (a.kind === 'persist') this.persisted.push(a.block);
      else if (a.kind === 'misbehaving') this.misbehaving.push({ peer: a.peer, code: a.code });
      else if (a.kind === 'serve') this.g.servingDone(a.peer);
    }
  }
  connect(id: number, height: number, hash: string): void {
    this.apply(this.g.connected(this.g.newPeerState(id, 'outbound')));
    this.apply(this.g.received(id, { command: 'hello', version: TOY_PROTOCOL_VERSION, genesis: GENESIS_BLOCK.hash, difficulty: 1, tip: { height, hash } }));
  }
  block(id: number, block: ToyBlock): void {
    this.apply(this.g.received(id, { command: 'block', block }));
  }
  /** Move the clock, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      this.apply(this.g.timer(due[1].peer, due[1].name));
    }
    this.now = end;
  }
  asked(peer: number): boolean {
    return this.sent.some((s) => s.peer === peer && s.command === 'get_blocks');
  }
}

let orphanN = 0;
/** A block with valid proof of work whose parent nobody has. */
function orphan(): ToyBlock {
  orphanN++;
  return mineBlock({ index: 500 + orphanN, timestamp: T0 + 500, nonce: 0, data: `orphan ${orphanN}`, prev_hash: 'cd'.repeat(32), transactions: [] }, 1);
}

test('four peers each sending a cheap orphan every 10 s cannot hold every sync slot', () => {
  const h = new Harness();
  const evil = [1, 2, 3, 4];
  for (const id of evil) h.connect(id, 1_000_000, 'ab'.repeat(32)); // claims a long chain
  expect(h.g.syncsInFlight).toBe(MAX_OUTSTANDING_SYNCS);
  const real = buildChain(3, 1);
  h.connect(5, 3, real[2]!.hash);
  expect(h.asked(5)).toBe(false); // waits for a slot
  // Each attacker sends an orphan every 10 s, well inside the 15 s stall timeout.
  for (let t = 0; t < 120 && !h.asked(5); t += 10) {
    for (const id of evil) h.block(id, orphan());
    h.advance(10_000);
  }
  expect(h.asked(5)).toBe(true);
  expect(SYNC_STALL_MS).toBe(15_000);
  // The honest peer's blocks arrive and are taken.
  for (const b of real) h.block(5, b);
  expect(h.g.chain.height).toBe(3);
});

test('orphans are paid for from the flood budget: a burst of them gets the sender banned', () => {
  const h = new Harness();
  h.connect(1, 0, GENESIS_BLOCK.hash);
  for (let i = 0; i < 40 && h.misbehaving.length === 0; i++) h.block(1, orphan());
  expect(h.misbehaving).toEqual([{ peer: 1, code: 'flood' }]);
  expect(h.g.orphans.size).toBeLessThan(40);
});

test('a side-branch flood: memory capped, nothing persisted or relayed; a branch that wins is persisted in order', () => {
  const h = new Harness();
  h.connect(1, 0, GENESIS_BLOCK.hash); // attacker
  h.connect(2, 0, GENESIS_BLOCK.hash); // bystander, would get relays
  const main = buildChain(5, 1, GENESIS_BLOCK, 'main');
  for (const b of main) h.block(1, b);
  expect(h.persisted.map((b) => b.index)).toEqual([1, 2, 3, 4, 5]);
  const relaysBefore = h.sent.filter((s) => s.peer === 2 && s.command === 'block').length;
  expect(relaysBefore).toBe(5);
  // 1,500 distinct valid blocks at height 1..3 that never beat the tip.
  for (let i = 0; i < 1_500; i++) {
    const side = mineBlock({ index: 1, timestamp: T0 + 1, nonce: 0, data: `side ${i}`, prev_hash: GENESIS_BLOCK.hash, transactions: [] }, 1);
    h.block(1, side);
  }
  expect(h.g.chain.sideSize).toBe(MAX_SIDE_BLOCKS);
  expect(h.g.chain.size).toBe(1 + 5 + MAX_SIDE_BLOCKS);
  expect(h.persisted).toHaveLength(5);
  expect(h.sent.filter((s) => s.peer === 2 && s.command === 'block')).toHaveLength(relaysBefore);
  expect(h.g.chain.height).toBe(5);
  // A longer branch from block 2: kept aside until it wins, then written lowest first and only
  // its tip relayed.
  const branch = buildChain(4, 1, main[1]!, 'branch');
  for (const b of branch) h.block(1, b);
  expect(h.g.chain.tip.hash).toBe(branch[3]!.hash);
  expect(h.persisted.slice(5).map((b) => b.hash)).toEqual(branch.map((b) => b.hash));
  expect(h.sent.filter((s) => s.peer === 2 && s.command === 'block')).toHaveLength(relaysBefore + 1);
  // The replaced blocks are side blocks now, under the same cap.
  expect(h.g.chain.sideSize).toBeLessThanOrEqual(MAX_SIDE_BLOCKS);
  expect(h.g.chain.has(main[4]!.hash)).toBe(true);
});
