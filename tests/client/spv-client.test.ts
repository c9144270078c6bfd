// SpvClient, the library's one composition, against real local peers on loopback: sync, tip and
// header lookups, events (peers, progress, new tip, reorg), a watch with its balances, the
// typed failures (no peers, aborts, misuse), and that the library never prints.
import { closedPort } from '../../src/net/closed-port.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { SpvClient, SyncError, SpvError, MemoryLog, encodeMessage, decodeMessage, createMessageDecoder, WireError, discoverPeers, type ReorgEvent, type WatchTx } from '../../src/index.js';
import { NETWORKS } from '../../src/params/networks.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer, type LocalPeer } from '../../src/bitcoin/local-chain.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript } from '../../src/tx/builder.js';
import { hashToDisplay } from '../../src/util/bytes.js';
import { jest } from '@jest/globals';

const params = NETWORKS.regtest;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-client-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


const script = p2wpkhScript(new Uint8Array(20).fill(0x42));
const address = encodeAddress(script, params);

describe('a client on two local peers', () => {
  let chain: LocalBlockChain;
  let peers: LocalPeer[];
  beforeAll(async () => {
    chain = LocalBlockChain.generate(params, {
      blocks: 2600,
      seed: 'client',
      payments: [
        { kind: 'pay', script, amount: 70_000_000n, height: 300 },
        { kind: 'spend', script, amount: 20_000_000n, height: 2000 },
      ],
    });
    peers = [await startLocalPeer(chain), await startLocalPeer(chain)];
  });
  afterAll(async () => {
    for (const p of peers) await p.close();
  });

  test('synced() gives the peers\' tip; tip() and header() read the store; events come as documented; nothing is printed', async () => {
    const out: string[] = [];
    const spyOut = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const log = new MemoryLog();
    const client = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: peers.map((p) => `${p.host}:${p.port}`), log });
    const connected: string[] = [];
    let progress = 0;
    client.on('peerConnected', (p) => connected.push(`${p.address} ${p.userAgent} ${p.direction}`));
    client.on('progress', () => progress++);
    try {
      await client.start();
      const tip = await client.synced();
      expect(tip).toEqual({ height: 2600, hash: chain.headers.tip.hashHex });
      expect(client.tip()).toEqual(tip);
      expect(connected).toHaveLength(2);
      expect(connected.every((c) => c.endsWith('outbound'))).toBe(true);
      expect(progress).toBeGreaterThan(0);
      const h = client.header(1234);
      expect(h?.hash).toBe(hashToDisplay(chain.headers.hashAt(1234)));
      expect(client.header(h!.hash)?.height).toBe(1234);
      expect(client.header(1235)?.prevHash).toBe(h?.hash);
      expect(client.header(99_999)).toBeUndefined();
      expect(client.header('00'.repeat(32))).toBeUndefined();
      expect(() => client.header('xyz')).toThrow(SpvError);
      expect(client.peers().map((p) => p.version)).toEqual([70016, 70016]);
      expect(client.syncSummary()?.belowMinimumWork).toBe(false);
      expect(log.has(/headers synced/)).toBe(true);
    } finally {
      await client.stop();
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    expect(out).toEqual([]);
  });

  test('a new block is a `tip` event; a longer fork is a `reorg` event with depth and both tips', async () => {
    const client = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: [`${peers[0]!.host}:${peers[0]!.port}`] });
    const tips: number[] = [];
    const reorgs: ReorgEvent[] = [];
    client.on('tip', (t) => tips.push(t.height));
    client.on('reorg', (r) => reorgs.push(r));
    try {
      await client.start();
      await client.synced();
      peers[0]!.mine();
      await waitFor(() => tips.includes(2601));
      const oldTip = client.tip();
      peers[0]!.fork(2599, { blocks: 4 });
      await waitFor(() => reorgs.length > 0 && client.tip().height === 2603);
      expect(reorgs[0]).toMatchObject({ depth: 2, forkHeight: 2599, oldTip, newTip: { height: 2603, hash: client.tip().hash } });
    } finally {
      await client.stop();
    }
  });

  test('watch(): tx events in height order, then balances equal to what the chain paid; a restart resumes', async () => {
    const datadir = tempDir();
    const peerList = peers.map((p) => `${p.host}:${p.port}`);
    const client = new SpvClient({ network: 'regtest', datadir, peers: peerList });
    const watch = client.watch([address], { follow: false });
    const seen: WatchTx[] = [];
    watch.on('tx', (t) => seen.push(t));
    try {
      await client.start();
      const b = await watch.scanned();
      expect(seen.map((t) => t.height)).toEqual([300, 2000]);
      expect(seen[0]!.confirmations).toBe(client.tip().height - 300 + 1);
      expect(b.addresses[0]!.balance).toBe(chain.balanceOf(script));
      expect(b.addresses[0]!.balance).toBe(70_000_000n - 20_000_000n - 1000n);
    } finally {
      await client.stop();
    }
    const again = new SpvClient({ network: 'regtest', datadir, peers: peerList });
    const w2 = again.watch([address], { follow: false });
    const replayed: WatchTx[] = [];
    w2.on('tx', (t) => replayed.push(t));
    try {
      await again.start();
      const b2 = await w2.scanned();
      expect(replayed).toEqual([]); // resumed after the saved height: nothing rescanned
      expect(b2.addresses[0]!.balance).toBe(chain.balanceOf(script));
      expect(w2.history().map((t) => t.height)).toEqual([300, 2000]);
    } finally {
      await again.stop();
    }
  });

  test('minimumChainWork (Core -minimumchainwork) above the peers\' chain: synced() and a watch\'s scanned() reject; nothing is stored (issue 13)', async () => {
    const height = chain.headers.height; // earlier tests extended it
    const work = 2n * BigInt(height + 1); // regtest: work 2 per header (bits 0x207fffff), genesis included
    const client = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: peers.map((p) => `${p.host}:${p.port}`), minimumChainWork: work + 1n });
    const watch = client.watch([address]);
    try {
      await client.start();
      const err = await client.synced().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).code).toBe('below_minimum_work');
      expect((err as SyncError).details.summary?.lowWorkChains.map((c) => c.height)).toEqual([height, height]);
      expect(client.tip().height).toBe(0);
      await expect(watch.scanned()).rejects.toMatchObject({ code: 'below_minimum_work' });
      expect(watch.history()).toEqual([]);
    } finally {
      await client.stop();
    }
    const exact = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: [`${peers[0].host}:${peers[0].port}`], minimumChainWork: work });
    try {
      await exact.start();
      expect(await exact.synced()).toEqual({ height, hash: chain.headers.tip.hashHex });
    } finally {
      await exact.stop();
    }
    expect(() => new SpvClient({ network: 'regtest', minimumChainWork: -1n })).toThrow(/must not be negative/);
  });
});

test('no reachable peer: synced() rejects with SyncError no_reachable_peers listing every dial', async () => {
  const port = await closedPort();
  const client = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: [`127.0.0.1:${port}`], timeoutMs: 2000 });
  try {
    await client.start();
    const err = await client.synced().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).code).toBe('no_reachable_peers');
    expect((err as SyncError).details.attempts?.map((a) => a.address)).toEqual([`127.0.0.1:${port}`]);
  } finally {
    await client.stop();
  }
});

test('an AbortSignal ends the wait for synced(); stop() makes it reject with code stopped', async () => {
  // A listener that accepts and says nothing: the handshake never completes.
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const client = new SpvClient({ network: 'regtest', datadir: tempDir(), peers: [`127.0.0.1:${port}`], timeoutMs: 30_000 });
  try {
    await client.start();
    const ac = new AbortController();
    const waiting = client.synced({ signal: ac.signal });
    ac.abort(new Error('user gave up'));
    await expect(waiting).rejects.toThrow('user gave up');
    const pending = client.synced();
    await client.stop();
    await expect(pending).rejects.toMatchObject({ code: 'stopped' });
  } finally {
    await client.stop();
    silent.close();
  }
});

test('misuse is a typed error: bad network, bad address, watch after start, tip before start, a locked datadir', async () => {
  expect(() => new SpvClient({ network: 'nonet' as never })).toThrow(expect.objectContaining({ code: 'unknown_chain' }));
  const datadir = tempDir();
  const a = new SpvClient({ network: 'regtest', datadir, peers: ['127.0.0.1:1'] });
  expect(() => a.watch(['tb1qnotanaddress'])).toThrow(expect.objectContaining({ code: 'bad_address' }));
  expect(() => a.tip()).toThrow(expect.objectContaining({ code: 'not_started' }));
  await a.start();
  try {
    expect(() => a.watch([address])).toThrow(expect.objectContaining({ code: 'watch_after_start' }));
    const b = new SpvClient({ network: 'regtest', datadir, peers: ['127.0.0.1:1'] });
    await expect(b.start()).rejects.toMatchObject({ code: 'datadir_locked' });
  } finally {
    await a.stop();
  }
});

test('discoverPeers(): fixed seeds from a file when DNS is off', async () => {
  const dir = tempDir();
  const file = join(dir, 'seeds.txt');
  writeFileSync(file, '127.0.0.1:18444\n127.0.0.2\n# comment\n');
  const d = await discoverPeers({ network: 'regtest', seedsFile: file, dns: false });
  expect(d.peers.map((p) => `${p.host}:${p.port}`).sort()).toEqual(['127.0.0.1:18444', '127.0.0.2:18444']);
  expect(d.report.fixed.use).toBe('used_no_dns');
});

test('the wire codec: encode → decode round trip; a bad checksum and trailing bytes are WireErrors', () => {
  const frame = encodeMessage({ command: 'ping', nonce: 0x0102030405060708n }, { network: 'testnet4' });
  expect(Buffer.from(frame.subarray(0, 4)).toString('hex')).toBe('1c163f28'); // testnet4 magic
  expect(decodeMessage(frame, { network: 'testnet4' })).toEqual({ command: 'ping', nonce: 0x0102030405060708n });
  const bad = Uint8Array.from(frame);
  bad[20] ^= 1;
  expect(() => decodeMessage(bad, { network: 'testnet4' })).toThrow(expect.objectContaining({ code: 'bad_checksum' }));
  expect(() => decodeMessage(new Uint8Array([...frame, 0]), { network: 'testnet4' })).toThrow(WireError);
  expect(() => decodeMessage(frame, { network: 'regtest' })).toThrow(expect.objectContaining({ code: 'bad_magic' }));
  const dec = createMessageDecoder({ network: 'testnet4' });
  const frames = [...frame, ...frame].flatMap((b) => dec.push(Uint8Array.of(b)));
  expect(frames.map((f) => f.kind)).toEqual(['message', 'message']);
});

async function waitFor(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
