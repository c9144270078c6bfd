// BIP324 v2 between real nodes over loopback TCP: one listening port speaking both transports,
// v2-first dialing with the one-time v1 fallback (and its memory), --no-v2transport, and header
// sync, compact filters and the address watch carried over v2.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { toHex } from '../../src/util/bytes.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { Watcher } from '../../src/bitcoin/watcher.js';
import { probePeer } from '../../src/bitcoin/probe.js';
import { generatedChain } from '../../src/bitcoin/local-chain.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { startLocalPeer } from '../../src/bitcoin/local-chain.js';
import { NODE_P2P_V2 } from '../../src/bitcoin/services.js';
import { OutboundConnector } from '../../src/bitcoin/outbound.js';
import type { BitcoinPeer } from '../../src/bitcoin/protocol.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { WatchStore } from '../../src/wallet/watch-store.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript } from '../../src/tx/builder.js';

const regtest = NETWORKS.regtest;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A `spv serve`-like node: headers served, v2 accepted beside v1 (or not). */
async function server(opts: { v2: boolean; headers?: number }): Promise<{ node: BitcoinNode; port: number; chain: HeaderChain; inbound: BitcoinPeer[] }> {
  const chain = opts.headers ? generatedChain(regtest, opts.headers, 'v2') : new HeaderChain(regtest);
  const node = createBitcoinNode({ params: regtest, v2transport: opts.v2, services: opts.v2 ? NODE_P2P_V2 : 0n, startHeight: () => chain.height, handshakeTimeoutMs: 3000 });
  node.protocol.use(new HeaderServer(chain));
  const inbound: BitcoinPeer[] = [];
  node.manager.on('connected', (p) => inbound.push(p));
  const { port } = await node.manager.listen({ host: '127.0.0.1', port: 0 });
  cleanup.push(() => node.manager.close());
  return { node, port, chain, inbound };
}

function client(v2: boolean, store?: HeaderChain): BitcoinNode {
  const node = createBitcoinNode({ params: regtest, v2transport: v2, startHeight: () => store?.height ?? 0, handshakeTimeoutMs: 5000 });
  cleanup.push(() => node.manager.close());
  return node;
}

describe('one port, both transports (spv serve with v2 on)', () => {
  test('a v2 client gets v2 with the same session id on both ends; a v1 client gets v1', async () => {
    const s = await server({ v2: true });
    const v2 = await probePeer(regtest, { host: '127.0.0.1', port: s.port }, { v2transport: true, timeoutMs: 5000 });
    expect(v2.transport).toBe('v2');
    expect(v2.transportFallback).toBe(false);
    expect(v2.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(v2.serviceNames).toContain('P2P_V2');
    expect(s.inbound[0]!.transport).toBe('v2');
    expect(s.inbound[0]!.sessionId).toBe(v2.sessionId);
    // The dialing client advertises no services, so never NODE_P2P_V2 (only listeners do).
    expect(s.inbound[0]!.state.remote!.services).toBe(0n);

    const v1 = await probePeer(regtest, { host: '127.0.0.1', port: s.port }, { timeoutMs: 5000 });
    expect(v1.transport).toBe('v1');
    expect(v1.sessionId).toBeNull();
    expect(s.inbound[1]!.transport).toBe('v1');
    expect(s.inbound).toHaveLength(2); // no retries anywhere
  });

  test('--no-v2transport against a v2-capable listener: plain v1, one connection', async () => {
    const s = await server({ v2: true });
    const r = await probePeer(regtest, { host: '127.0.0.1', port: s.port }, { v2transport: false, timeoutMs: 5000 });
    expect(r.transport).toBe('v1');
    expect(r.transportFallback).toBe(false);
    expect(s.inbound.map((p) => p.transport)).toEqual(['v1']);
  });

  test('a client without v2 on does not try it even when asked for a NODE_P2P_V2 peer', async () => {
    const s = await server({ v2: true });
    const c = client(false);
    const p = await c.manager.connect({ host: '127.0.0.1', port: s.port }, undefined, 'v2');
    await once(c.protocol, 'ready');
    expect(p.transport).toBe('v1');
  });
});

describe('v2-first client, v1-only peer', () => {
  test('falls back with exactly one reconnect, remembers the address as v1-only', async () => {
    const s = await server({ v2: false });
    const c = client(true);
    const addr = { host: '127.0.0.1', port: s.port };
    const p = await c.manager.connect(addr, undefined, 'v2');
    expect(p.transport).toBe('v2');
    const [ready] = await once(c.protocol, 'ready');
    expect(ready).toBe(p); // the same Peer object carried on over the new connection
    expect(p.transport).toBe('v1');
    expect(p.transportFallback).toBe(true);
    expect(p.sessionId).toBeUndefined();
    // The v1-only peer saw our key as a bad v1 header (dropped), then our v1 connection.
    expect(s.inbound).toHaveLength(2);
    expect(s.inbound[0]!.disconnectReason?.code).toBe('bad_magic');
    expect(c.transports.isV1Only(addr)).toBe(true);
    // Next time: v1 directly, one connection.
    const again = await c.manager.connect(addr, undefined, 'v2');
    expect(again.transport).toBe('v1');
    await new Promise<void>((r) => c.protocol.on('ready', (x) => x === again && r()));
    expect(s.inbound).toHaveLength(3);
  });

  test('spv handshake reports "v1 (fallback)"', async () => {
    const s = await server({ v2: false });
    const r = await probePeer(regtest, { host: '127.0.0.1', port: s.port }, { v2transport: true, timeoutMs: 5000 });
    expect(r).toMatchObject({ transport: 'v1', transportFallback: true, sessionId: null });
    expect(s.inbound).toHaveLength(2);
  });

  test('any other failure is an error, not a downgrade: a peer that sends bytes then hangs up', async () => {
    let accepted = 0;
    const sockets: Socket[] = [];
    const srv = createServer((sock) => {
      accepted++;
      sockets.push(sock);
      sock.on('error', () => {});
      sock.end(Buffer.alloc(40, 7)); // 40 bytes of a "key", then close
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanup.push(() => {
      sockets.forEach((x) => x.destroy());
      return new Promise<void>((r) => srv.close(() => r()));
    });
    const port = (srv.address() as { port: number }).port;
    await expect(probePeer(regtest, { host: '127.0.0.1', port }, { v2transport: true, timeoutMs: 3000 })).rejects.toMatchObject({ failure: 'closed' });
    expect(accepted).toBe(1);
  });

  test('the fallback redial failing (listener gone) is reported, once', async () => {
    let accepted = 0;
    const srv = createServer((sock) => {
      accepted++;
      sock.destroy();
      srv.close();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await expect(probePeer(regtest, { host: '127.0.0.1', port }, { v2transport: true, timeoutMs: 3000 })).rejects.toMatchObject({ failure: 'error' });
    expect(accepted).toBe(1);
  });
});

describe('the protocol above is unchanged over v2', () => {
  test('header sync of 3,000 headers over v2, from a NODE_P2P_V2 peer found by the connector', async () => {
    const s = await server({ v2: true, headers: 3000 });
    const chain = new HeaderChain(regtest);
    const sync = new HeaderSync({ chain, persist: () => {} });
    const c = client(true, chain);
    c.protocol.use(sync);
    const connector = new OutboundConnector(c, 1);
    const synced = once(sync, 'synced');
    connector.add([{ address: { host: '127.0.0.1', port: s.port }, source: 'addr gossip', services: NODE_P2P_V2 }]);
    await synced;
    expect(chain.height).toBe(3000);
    expect(chain.tip.hashHex).toBe(s.chain.tip.hashHex);
    expect(connector.outboundPeers.map((p) => p.transport)).toEqual(['v2']);
    expect(s.inbound[0]!.transport).toBe('v2');
    connector.stop();
  });

  test('without NODE_P2P_V2 and not manual, the connector dials v1 (Core: automatic outbound needs the bit)', async () => {
    const s = await server({ v2: true, headers: 10 });
    const c = client(true);
    const connector = new OutboundConnector(c, 1);
    const ready = once(c.protocol, 'ready');
    connector.add([{ address: { host: '127.0.0.1', port: s.port }, source: 'fixed seed' }]);
    const [p] = (await ready) as [BitcoinPeer];
    expect(p.transport).toBe('v1');
    connector.stop();
  });

  test('compact filters and the address watch over v2: payments found, balance right', async () => {
    const script = p2wpkhScript(new Uint8Array(20).fill(0x24));
    const address = encodeAddress(script, regtest);
    const chain = LocalBlockChain.generate(regtest, {
      blocks: 200,
      seed: 'v2-watch',
      payments: [
        { kind: 'pay', script, amount: 40_000_000n, height: 90 },
        { kind: 'spend', script, amount: 10_000_000n, height: 140 },
      ],
    });
    const lp = await startLocalPeer(chain, { v2transport: true });
    cleanup.push(() => lp.close());
    const dir = mkdtempSync(join(tmpdir(), 'spv-v2-watch-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = HeaderStore.open({ datadir: dir, params: regtest });
    const ws = new WatchStore(dir);
    const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
    const watcher = new Watcher({ params: regtest, chain: store.chain, sync, store: ws, watched: [{ address, script: toHex(script) }], fromHeight: 0, requestTimeoutMs: 5000 });
    const c = client(true, store.chain);
    c.protocol.use(sync);
    for (const svc of watcher.services) c.protocol.use(svc);
    cleanup.push(async () => {
      await c.manager.close();
      await watcher.idle();
      ws.close();
      store.close();
    });
    const synced = once(sync, 'synced');
    const p = await c.manager.connect({ host: lp.host, port: lp.port }, undefined, 'v2');
    await synced;
    await watcher.scanToTip();
    expect(p.transport).toBe('v2');
    expect(lp.node.manager.peers[0]!.sessionId).toBe(p.sessionId);
    expect(watcher.wallet.records.map((r) => r.height)).toEqual([90, 140]);
    expect(watcher.wallet.balance(address)).toBe(chain.balanceOf(script));
  });
});
