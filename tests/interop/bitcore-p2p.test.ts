// Interop with an independent implementation that installs from npm: bitcore-p2p (BitPay), in
// both directions. Its peer against `spv serve` (version/verack, ping/pong, getaddr/addr,
// getheaders/headers, with bitcore checking the proof of work itself), and our library's
// handshake() and SpvClient against bitcore peers (headers encoded by bitcore, addr gossip
// that makes our client dial the address bitcore handed out).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handshake, SpvClient } from '../../src/index.js';
import { NETWORKS } from '../../src/params/networks.js';
import { generateChain, splitHeaders } from '../../src/chain/generate.js';
import { blockHash } from '../../src/chain/header.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { PROTOCOL_VERSION } from '../../src/bitcoin/constants.js';
import { startCli, stop } from '../helpers/cli.js';
import { bitcore, dialBitcore, listenBitcore, nextEvent, type BitcorePeer } from './bitcore.js';

const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bitcore-p2p peer -> spv serve', () => {
  let serve: Awaited<ReturnType<typeof startCli>>;
  let port: number;
  let tip: string;
  beforeAll(async () => {
    serve = await startCli(
      ['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '2500', '--seed', 'bitcore', '--addr', '127.0.0.5:18444', '--addr', '127.0.0.6:18555'],
      /listening on 127\.0\.0\.1:(\d+), serving \d+ headers \(tip ([0-9a-f]{64})\)/,
      60_000,
    );
    port = Number(serve.match[1]);
    tip = serve.match[2] as string;
  });
  afterAll(async () => {
    expect(await stop(serve.child)).toBe(0);
  });

  async function connected(): Promise<BitcorePeer> {
    const peer = dialBitcore('127.0.0.1', port);
    const ready = nextEvent(peer, 'ready');
    peer.connect();
    await ready;
    return peer;
  }

  test('version/verack: bitcore reads our version fields', async () => {
    const peer = await connected();
    try {
      expect(peer.version).toBe(PROTOCOL_VERSION);
      expect(peer.subversion).toMatch(/^\/spv[\w-]*:[\d.]+\/$/);
      expect(peer.bestHeight).toBe(2500);
    } finally {
      peer.disconnect();
    }
  });

  test('ping/pong: our pong carries bitcore\'s nonce', async () => {
    const peer = await connected();
    try {
      const ping = peer.messages.Ping();
      const pong = nextEvent(peer, 'pong');
      peer.sendMessage(ping);
      expect(Buffer.from((await pong).nonce).toString('hex')).toBe(Buffer.from(ping.nonce).toString('hex'));
    } finally {
      peer.disconnect();
    }
  });

  test('getaddr/addr: bitcore decodes the addresses we hand out', async () => {
    const peer = await connected();
    try {
      const addr = nextEvent(peer, 'addr');
      peer.sendMessage(peer.messages.GetAddr());
      const got = (await addr).addresses.map((a: { ip: { v4: string }; port: number }) => `${a.ip.v4}:${a.port}`).sort();
      expect(got).toEqual(['127.0.0.5:18444', '127.0.0.6:18555']);
    } finally {
      peer.disconnect();
    }
  });

  test('getheaders/headers: 2,000 then 500 headers that bitcore checks itself (linkage, proof of work)', async () => {
    const peer = await connected();
    try {
      const all: { hash: string; prevHash: string; valid: boolean }[] = [];
      let from = REGTEST_GENESIS;
      for (;;) {
        const reply = nextEvent(peer, 'headers');
        peer.sendMessage(peer.messages.GetHeaders({ starts: [from] }));
        const headers = (await reply).headers as { hash: string; prevHash: Buffer; validProofOfWork(): boolean }[];
        for (const h of headers) all.push({ hash: h.hash, prevHash: Buffer.from(h.prevHash).reverse().toString('hex'), valid: h.validProofOfWork() });
        if (headers.length < 2000) break;
        from = all[all.length - 1]!.hash;
      }
      expect(all).toHaveLength(2500);
      expect(all[0]!.prevHash).toBe(REGTEST_GENESIS);
      for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
      expect(all.every((h) => h.valid)).toBe(true);
      expect(all[all.length - 1]!.hash).toBe(tip);
    } finally {
      peer.disconnect();
    }
  });
});

/** Regtest headers 1..n (real proof of work), as our generator makes them and bitcore parses them. */
function chainFor(n: number, seed: string): { raw: Uint8Array[]; byHash: Map<string, number> } {
  const raw = splitHeaders(generateChain(NETWORKS.regtest, n, { seed }));
  const byHash = new Map<string, number>([[toHex(blockHash(fromHex(NETWORKS.regtest.genesis.headerHex))), 0]]);
  raw.forEach((h, i) => byHash.set(toHex(blockHash(h)), i + 1));
  return { raw, byHash };
}

/** What a bitcore node would do with getheaders, written with bitcore's own encoder. */
function serveHeaders(peer: BitcorePeer, chain: { raw: Uint8Array[]; byHash: Map<string, number> }, onRequest?: () => void): void {
  peer.on('getheaders', (m: { starts: Buffer[] }) => {
    onRequest?.();
    const start = m.starts.map((s) => chain.byHash.get(Buffer.from(s).toString('hex'))).find((h) => h !== undefined) ?? 0;
    const headers = chain.raw.slice(start, start + 2000).map((h) => bitcore.BlockHeader.fromBuffer(Buffer.from(h)));
    peer.sendMessage(headers.length > 0 ? peer.messages.Headers(headers) : peer.messages.Headers([]));
  });
}

/** bitcore sends version with start height 0; a node would send its height. */
function announceHeight(peer: BitcorePeer, height: number): void {
  peer._sendVersion = function (this: BitcorePeer) {
    this.versionSent = true;
    this.sendMessage(this.messages.Version({ relay: false, startHeight: height }));
  };
}

describe('our client -> bitcore-p2p peers', () => {
  test('handshake(): version, services, user agent, start height and a ping answered by bitcore', async () => {
    const l = await listenBitcore('127.0.0.1', (peer) => announceHeight(peer, 77));
    try {
      const info = await handshake(`127.0.0.1:${l.port}`, { network: 'regtest', timeoutMs: 10_000 });
      expect(info.version).toBe(70001); // bitcore-p2p's protocol version
      expect(info.userAgent).toMatch(/^\/bitcore:[\d.]+\/$/);
      expect(info.startHeight).toBe(77);
      expect(info.wtxidRelay).toBe(false); // BIP339 needs 70016 on both sides
      expect(info.pingMs).toBeGreaterThanOrEqual(0);
      expect(info.handshakeMs).toBeGreaterThan(0);
    } finally {
      await l.close();
    }
  });

  test('SpvClient syncs 2,500 headers that bitcore encodes, and stores the same tip', async () => {
    const chain = chainFor(2500, 'bitcore-client');
    let requests = 0;
    const l = await listenBitcore('127.0.0.1', (peer) => {
      announceHeight(peer, 2500);
      serveHeaders(peer, chain, () => requests++);
    });
    const datadir = mkdtempSync(join(tmpdir(), 'spv-bitcore-'));
    dirs.push(datadir);
    const client = new SpvClient({ network: 'regtest', datadir, peers: [`127.0.0.1:${l.port}`], stallTimeoutMs: 5_000 });
    try {
      await client.start();
      const tip = await client.synced();
      expect(tip.height).toBe(2500);
      const last = bitcore.BlockHeader.fromBuffer(Buffer.from(chain.raw[2499]!));
      expect(tip.hash).toBe(last.hash);
      expect(client.header(1)?.prevHash).toBe(REGTEST_GENESIS);
      expect(client.header(last.hash)?.height).toBe(2500);
      expect(requests).toBeGreaterThanOrEqual(2);
    } finally {
      await client.stop();
      await l.close();
    }
  });

  test('addr gossip from a bitcore peer: our client dials the address it was given', async () => {
    const chain = chainFor(10, 'bitcore-gossip');
    const second = await listenBitcore('127.0.0.9', (peer) => {
      announceHeight(peer, 10);
      serveHeaders(peer, chain);
    });
    const first = await listenBitcore('127.0.0.1', (peer) => {
      announceHeight(peer, 10);
      serveHeaders(peer, chain);
      peer.on('getaddr', () => {
        const v4 = '127.0.0.9';
        const v6 = `0000:0000:0000:0000:0000:ffff:${Buffer.from(v4.split('.').map(Number)).toString('hex').replace(/(.{4})(.{4})/, '$1:$2')}`;
        peer.sendMessage(peer.messages.Addresses([{ services: new bitcore.crypto.BN(1), ip: { v6, v4 }, port: second.port, time: new Date() }]));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'spv-bitcore-'));
    dirs.push(dir);
    const seeds = join(dir, 'seeds.txt');
    writeFileSync(seeds, `127.0.0.1:${first.port}\n`);
    const client = new SpvClient({ network: 'regtest', datadir: join(dir, 'data'), seedsFile: seeds, dns: false, maxPeers: 2 });
    const seen = new Promise<string>((resolve) => client.on('peerConnected', (p) => p.address.startsWith('127.0.0.9:') && resolve(p.address)));
    try {
      await client.start();
      expect(await seen).toBe(`127.0.0.9:${second.port}`);
      expect(client.dialAttempts.find((a) => a.address === `127.0.0.9:${second.port}`)?.source).toBe('addr gossip');
    } finally {
      await client.stop();
      await first.close();
      await second.close();
    }
  });
});
