// Hostile input over real TCP. The attacker connects from 127.0.0.2 (bans are per host) while an
// honest node on 127.0.0.1 stays connected; after each attack a block mined by the honest node
// must still reach the victim, and the victim must still answer it.
import { blockToJson, computeBlockHash, GENESIS_BLOCK, MAX_DATA_BYTES, mineBlock, type ToyBlock } from '../../src/toy/index.js';
import { MAX_INVALID_FRAMES } from '../../src/net/peer-manager.js';
import type { ToyNode } from '../../src/toy/node.js';
import { blockLine, buildChain, closeAll, LineClient, startNode, T0, until } from './helpers.js';
import type { MemoryLog } from '../../src/util/log.js';

const ATTACKER = '127.0.0.2';
afterEach(closeAll);

let victim: ToyNode & { memlog: MemoryLog };
let honest: ToyNode;

async function setup(): Promise<LineClient> {
  victim = await startNode();
  honest = await startNode({ peers: [victim.address!] });
  await until(() => victim.peers.some((p) => p.established), 'honest peer connected');
  return LineClient.connect(victim.address!.port, ATTACKER);
}

/** The honest peer is still connected and still gets its blocks accepted. */
async function othersUnaffected(): Promise<void> {
  expect(honest.peers.filter((p) => p.established)).toHaveLength(1);
  const b = await honest.mine(`still fine ${Date.now()}`);
  await until(() => victim.chain.has(b.hash), 'honest block accepted after the attack');
}

const banned = (): boolean => victim.manager.banFor(ATTACKER) !== undefined;
const rejectedWith = (code: string): boolean => victim.memlog.has(new RegExp(`rejected block .* ${code}:`));
const withPow = (t: Omit<ToyBlock, 'hash'>): ToyBlock => mineBlock(t, 1);
const child = (data: string, patch: Partial<ToyBlock> = {}): ToyBlock =>
  withPow({ index: 1, timestamp: T0, nonce: 0, data, prev_hash: GENESIS_BLOCK.hash, transactions: [], ...patch });

describe('toy node under hostile input', () => {
  test('invalid JSON: skipped, then the peer is banned; others unaffected', async () => {
    const evil = await setup();
    for (let i = 0; i <= MAX_INVALID_FRAMES; i++) evil.write('BLOCK:{"index": 1, oops\n');
    await until(() => evil.closed, 'attacker disconnected');
    expect(banned()).toBe(true);
    await othersUnaffected();
  });

  test('valid JSON of the wrong shape: skipped, then banned', async () => {
    const evil = await setup();
    const good = JSON.parse(blockToJson(GENESIS_BLOCK)) as Record<string, unknown>;
    const shapes = [[], 'a string', { ...good, index: '1' }, { ...good, hash: 7 }, { ...good, transactions: [{}] }, { ...good, extra: true }];
    for (let i = 0; i <= MAX_INVALID_FRAMES; i++) evil.write(`BLOCK:${JSON.stringify(shapes[i % shapes.length])}\n`);
    evil.write('HELLO:{"version":1}\n');
    await until(() => evil.closed, 'attacker disconnected');
    expect(banned()).toBe(true);
    await othersUnaffected();
  });

  test('a line longer than 1 MiB: disconnected without buffering more than the cap', async () => {
    const evil = await setup();
    const peer = (): { bufferedBytes: number } | undefined => victim.manager.peers.find((p) => p.address.host === ATTACKER);
    await until(() => peer() !== undefined, 'attacker adopted');
    let maxBuffered = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let sent = 0; sent < 3 * 1024 * 1024 && !evil.closed; sent += chunk.length) {
      evil.write(chunk);
      await new Promise((r) => setImmediate(r));
      maxBuffered = Math.max(maxBuffered, peer()?.bufferedBytes ?? 0);
    }
    await until(() => evil.closed, 'attacker disconnected');
    expect(maxBuffered).toBeLessThanOrEqual(1024 * 1024);
    expect(victim.memlog.has(/line_too_long/)).toBe(true);
    await othersUnaffected();
  });

  test('unknown message kinds are ignored (never dispatched) and the peer is still served', async () => {
    const evil = await setup();
    for (const line of ['constructor', '__proto__:{}', 'toString', 'onBlock:{}', 'get_chain', 'GET_CHAINX', 'INV:abc', 'received'])
      evil.write(`${line}\n`);
    evil.write('GET_CHAIN\n');
    await until(() => evil.lines.length >= 1, 'chain reply');
    expect(evil.lines[0]).toBe(`BLOCK:${blockToJson(GENESIS_BLOCK)}`);
    expect(evil.closed).toBe(false);
    expect(banned()).toBe(false);
    await othersUnaffected();
  });

  test('bad hash and bad proof of work: rejected with a logged reason, then banned', async () => {
    const evil = await setup();
    const good = child('real');
    evil.write(blockLine({ ...good, data: 'tampered after mining' }));
    await until(() => rejectedWith('bad_hash'), 'bad hash rejected');
    expect(banned()).toBe(false); // one strike
    let weak: ToyBlock | undefined;
    for (let n = 0; !weak; n++) {
      const t = { index: 1, timestamp: T0, nonce: n, data: 'no work', prev_hash: GENESIS_BLOCK.hash, transactions: [] };
      const h = computeBlockHash(t);
      if (!h.startsWith('00')) weak = { ...t, hash: h };
    }
    evil.write(blockLine(weak));
    await until(() => evil.closed, 'attacker banned');
    expect(rejectedWith('bad_pow')).toBe(true);
    expect(banned()).toBe(true);
    expect(victim.chain.height).toBe(0);
    await othersUnaffected();
  });

  test('wrong parent is fetched, not rejected; index gaps are rejected', async () => {
    const evil = await setup();
    const stray = child('unknown parent', { prev_hash: 'ab'.repeat(32), index: 7 });
    evil.write(blockLine(stray));
    await until(() => evil.lines.includes('GET_CHAIN'), 'victim asks the sender for its chain');
    expect(victim.gossip.orphans.has(stray.hash)).toBe(true);
    expect(victim.gossip.stats.rejected).toBe(0);
    const gap = child('index gap', { index: 3 });
    evil.write(blockLine(gap));
    await until(() => rejectedWith('bad_index'), 'index gap rejected');
    expect(victim.chain.has(gap.hash)).toBe(false);
    await othersUnaffected();
  });

  test('a chain that claims to be longer but does not validate changes nothing and gets the peer banned', async () => {
    const evil = await setup();
    evil.write(`HELLO:${JSON.stringify({ version: 1, genesis: GENESIS_BLOCK.hash, difficulty: 1, height: 50, tip: 'cd'.repeat(32) })}\n`);
    await until(() => evil.lines.some((l) => l.startsWith('GET_BLOCKS:')), 'victim asks for the claimed chain');
    const fake = buildChain(3, 0, GENESIS_BLOCK, 'fake'); // right hashes, no proof of work
    for (const b of fake) evil.write(blockLine(b));
    evil.write(`TIP:${JSON.stringify({ height: 50, tip: 'cd'.repeat(32) })}\n`);
    await until(() => evil.closed, 'attacker banned');
    expect(victim.chain.height).toBe(honest.chain.height);
    expect(fake.some((b) => victim.chain.has(b.hash))).toBe(false);
    await othersUnaffected();
  });

  test('huge data: rejected (data_too_large) below the line cap', async () => {
    const evil = await setup();
    const big = child('x'.repeat(MAX_DATA_BYTES + 1000));
    evil.write(blockLine(big));
    await until(() => rejectedWith('data_too_large'), 'huge data rejected');
    expect(victim.chain.has(big.hash)).toBe(false);
    await othersUnaffected();
  });

  test('a flood of duplicates gets the peer dropped', async () => {
    const evil = await setup();
    const line = blockLine(GENESIS_BLOCK);
    evil.write(line.repeat(1000));
    await until(() => evil.closed, 'flooder dropped');
    expect(victim.manager.banFor(ATTACKER)?.code).toBe('flood');
    await othersUnaffected();
  });
});
