// The Bitcoin handshake over real TCP on loopback: our client against our own peer, IPv6,
// and each failure the `spv handshake` command must name (refused, timeout, wrong network,
// malformed reply).
import { createServer, type Server } from 'node:net';
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../src/bitcoin/address-relay.js';
import { probePeer, ProbeError } from '../../src/bitcoin/probe.js';
import { PROTOCOL_VERSION, USER_AGENT } from '../../src/bitcoin/constants.js';
import { frame, versionPayload } from '../helpers/frames.js';

const regtest = NETWORKS.regtest;

async function servePeer(host = '127.0.0.1'): Promise<{ node: BitcoinNode; port: number }> {
  const node = createBitcoinNode({ params: regtest, startHeight: () => 42, handshakeTimeoutMs: 5000 });
  node.protocol.use(new AddressRelay({ known: new KnownAddresses(), requestFromOutbound: false }));
  const bound = await node.manager.listen({ host, port: 0 });
  return { node, port: bound.port };
}

async function rawServer(onConn: (sock: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  // resume(): read (and discard) what the client sends, so its close is noticed.
  const server = createServer((sock) => {
    sock.resume();
    onConn(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function failure(p: Promise<unknown>): Promise<ProbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected the probe to fail');
}

describe('handshake against spv serve', () => {
  let served: { node: BitcoinNode; port: number };
  beforeAll(async () => {
    served = await servePeer();
  });
  afterAll(async () => {
    await served.node.manager.close();
  });

  test('completes version/verack, negotiates wtxidrelay and sendaddrv2, measures a ping', async () => {
    const r = await probePeer(regtest, { host: '127.0.0.1', port: served.port }, { timeoutMs: 5000 });
    expect(r.version).toBe(PROTOCOL_VERSION);
    expect(r.userAgent).toBe(USER_AGENT);
    expect(r.startHeight).toBe(42);
    expect(r.relay).toBe(false);
    expect(r.wtxidRelay).toBe(true);
    expect(r.sendAddrV2).toBe(true);
    expect(r.pingMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(r.clockOffsetS)).toBeLessThanOrEqual(2);
    expect(r.handshakeMs).toBeGreaterThanOrEqual(0);
  });

  test('the server saw the client complete the handshake', async () => {
    const seen = new Promise<string | undefined>((resolve) => served.node.protocol.once('ready', (p) => resolve(p.state.remote?.userAgent)));
    await probePeer(regtest, { host: '127.0.0.1', port: served.port });
    await expect(seen).resolves.toBe(USER_AGENT);
  });

  test('a client on another network is told wrong network or dropped', async () => {
    const err = await failure(probePeer(NETWORKS.testnet4, { host: '127.0.0.1', port: served.port }, { timeoutMs: 3000 }));
    expect(['closed', 'wrong_network']).toContain(err.failure);
  });
});

test('IPv6 loopback [::1] works', async () => {
  const s = await servePeer('::1');
  try {
    const r = await probePeer(regtest, { host: '::1', port: s.port }, { timeoutMs: 5000 });
    expect(r.address).toBe(`[::1]:${s.port}`);
    expect(r.version).toBe(PROTOCOL_VERSION);
  } finally {
    await s.node.manager.close();
  }
});

test('refused: nothing listens on the port', async () => {
  const { server, port } = await rawServer(() => {});
  await new Promise<void>((r) => server.close(() => r()));
  const err = await failure(probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 3000 }));
  expect(err.failure).toBe('refused');
});

test('timeout: the peer accepts and never answers', async () => {
  const sockets: import('node:net').Socket[] = [];
  const { server, port } = await rawServer((s) => sockets.push(s));
  try {
    const err = await failure(probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 800 }));
    expect(err.failure).toBe('timeout');
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('wrong network: the peer answers with mainnet magic', async () => {
  const { server, port } = await rawServer((s) => {
    s.on('error', () => {});
    s.write(frame(NETWORKS.mainnet.magic, 'version', versionPayload()));
  });
  try {
    const err = await failure(probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 3000 }));
    expect(err.failure).toBe('wrong_network');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('malformed reply: the peer claims a 4,000,001-byte payload', async () => {
  const { server, port } = await rawServer((s) => {
    s.on('error', () => {});
    s.write(frame(regtest.magic, 'version', new Uint8Array(10), { length: 4_000_001 }));
  });
  try {
    const err = await failure(probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 3000 }));
    expect(err.failure).toBe('malformed');
    expect(err.message).toMatch(/4000001|oversiz|too large|length/i);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a peer with an obsolete protocol version is dropped', async () => {
  const { server, port } = await rawServer((s) => {
    s.on('error', () => {});
    s.write(frame(regtest.magic, 'version', versionPayload({ version: 209 })));
  });
  try {
    const err = await failure(probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 3000 }));
    expect(err.message).toMatch(/obsolete/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
