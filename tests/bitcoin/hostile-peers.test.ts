// Hostile peers against `spv serve`'s node over real TCP: each gets the documented
// behaviour, and a well-behaved peer on another loopback address is unaffected.
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { AddressRelay, KnownAddresses } from '../../src/bitcoin/address-relay.js';
import { probePeer } from '../../src/bitcoin/probe.js';
import { SEND_BUFFER_MAX_BYTES } from '../../src/net/peer.js';
import { MAX_INVALID_FRAMES } from '../../src/net/peer-manager.js';
import { frame, u64le, versionPayload } from '../helpers/frames.js';
import { RawClient } from '../helpers/raw-client.js';

const regtest = NETWORKS.regtest;
const magic = regtest.magic;
const HANDSHAKE_TIMEOUT_MS = 1500;

let node: BitcoinNode;
let port: number;
let nextHost = 10;
/** A fresh loopback source address per hostile client, so one's ban does not hit another. */
const freshHost = (): string => `127.0.0.${nextHost++}`;

beforeEach(async () => {
  node = createBitcoinNode({ params: regtest, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, maxInbound: 8 });
  node.protocol.use(new AddressRelay({ known: new KnownAddresses(), requestFromOutbound: false }));
  port = (await node.manager.listen({ host: '127.0.0.1', port: 0 })).port;
});
afterEach(async () => {
  await node.manager.close();
});

/** A well-behaved peer from 127.0.0.1 can still complete a handshake. */
async function goodPeerStillServed(): Promise<void> {
  const r = await probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 5000 });
  expect(r.version).toBe(70016);
}

/** Handshake by hand as a raw client. */
async function handshake(c: RawClient): Promise<void> {
  c.write(frame(magic, 'version', versionPayload({ nonce: 99n })));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  c.write(frame(magic, 'verack'));
  // The server pings right after the handshake: proof it considers us established.
  expect(await c.waitFor(() => c.commands().includes('ping'), 5000)).toBe(true);
}

test('wrong magic: disconnected at once', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  c.write(frame(NETWORKS.testnet3.magic, 'version', versionPayload()));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(c.commands()).toEqual([]);
  await goodPeerStillServed();
});

test('random garbage: disconnected, nothing sent back', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(c.received.length).toBe(0);
  await goodPeerStillServed();
});

test.each([4_000_001, 0xffffffff])('length %d: disconnected after the 24-byte header, payload never buffered', async (len) => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  c.write(frame(magic, 'version', new Uint8Array(0), { length: len }));
  expect(await c.waitClosed(3000)).toBe(true);
  await goodPeerStillServed();
});

test('bad checksum: that message is skipped, the connection survives; repeated offences get a ban', async () => {
  const host = freshHost();
  const c = await RawClient.connect(port, '127.0.0.1', host);
  c.write(frame(magic, 'version', versionPayload(), { checksum: Uint8Array.of(1, 2, 3, 4) }));
  // The version was discarded, so no reply; the next good version is answered.
  c.write(frame(magic, 'version', versionPayload()));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  expect(c.commands().filter((x) => x === 'version')).toHaveLength(1);
  expect(c.closed).toBe(false);
  for (let i = 0; i < MAX_INVALID_FRAMES + 1; i++) c.write(frame(magic, 'ping', u64le(BigInt(i)), { checksum: new Uint8Array(4) }));
  expect(await c.waitClosed(3000)).toBe(true);
  // Banned: a new connection from the same host is closed immediately.
  const again = await RawClient.connect(port, '127.0.0.1', host);
  expect(await again.waitClosed(3000)).toBe(true);
  await goodPeerStillServed();
});

test('truncated payload, then silence: dropped at the handshake timeout', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  const full = frame(magic, 'version', versionPayload());
  c.write(full.subarray(0, full.length - 10));
  expect(await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 5000)).toBe(true);
  expect(c.commands()).toEqual([]);
});

test('a peer that drips one byte at a time is dropped at the handshake timeout', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  const full = frame(magic, 'version', versionPayload());
  let i = 0;
  const drip = setInterval(() => c.write(full.subarray(i, ++i)), 100);
  try {
    expect(await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 5000)).toBe(true);
    expect(i).toBeLessThan(full.length); // it never got to finish
  } finally {
    clearInterval(drip);
  }
  await goodPeerStillServed();
});

test('a peer that never sends verack is dropped at the handshake timeout', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  c.write(frame(magic, 'version', versionPayload()));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  expect(await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 5000)).toBe(true);
  expect(c.commands()).not.toContain('ping'); // never considered established
});

test('messages before version are ignored, not answered', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  c.write(frame(magic, 'ping', u64le(7n)));
  c.write(frame(magic, 'getaddr'));
  c.write(frame(magic, 'version', versionPayload()));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  expect(c.commands()).not.toContain('pong');
  expect(c.commands()).not.toContain('addr');
});

test('a flood of unknown commands is skipped; the peer is still answered, in order', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  await handshake(c);
  const flood = Buffer.concat(Array.from({ length: 5000 }, (_, i) => frame(magic, `junk${i % 97}`, new Uint8Array(16))));
  c.write(flood);
  c.write(frame(magic, 'ping', u64le(0xabcdefn)));
  const pong = frame(magic, 'pong', u64le(0xabcdefn));
  expect(await c.waitFor((b) => b.includes(pong), 10000)).toBe(true);
  const peer = node.manager.peers.find((p) => p.state.unknownMessages > 0);
  expect(peer?.state.unknownMessages).toBe(5000);
  await goodPeerStillServed();
});

test('a ping flood from a peer that does not read: memory stays bounded, others are served', async () => {
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  await handshake(c);
  c.socket.pause(); // stop reading our pongs
  const burst = Buffer.concat(Array.from({ length: 20_000 }, (_, i) => frame(magic, 'ping', u64le(BigInt(i + 1)))));
  for (let i = 0; i < 10 && !c.closed; i++) c.write(burst);
  await new Promise((r) => setTimeout(r, 500));
  for (const p of node.manager.peers) {
    expect(p.bufferedBytes).toBeLessThan(24 + 4_000_000 + 65536);
  }
  const queued = Math.max(0, ...node.manager.peers.map((p) => (p as unknown as { socket: { writableLength: number } }).socket.writableLength));
  expect(queued).toBeLessThanOrEqual(SEND_BUFFER_MAX_BYTES);
  await goodPeerStillServed();
  c.destroy();
});

test('inbound cap: idle sockets are evicted so a real peer gets in', async () => {
  const idle: RawClient[] = [];
  for (let i = 0; i < 8; i++) idle.push(await RawClient.connect(port, '127.0.0.1', freshHost()));
  await new Promise((r) => setTimeout(r, 100));
  expect(node.manager.inboundCount).toBe(8);
  await goodPeerStillServed();
  const evicted = await Promise.all(idle.map((c) => c.waitClosed(1000)));
  expect(evicted.filter(Boolean).length).toBeGreaterThanOrEqual(1);
});

test('getaddr is answered once per connection', async () => {
  const known = new KnownAddresses();
  known.add({ time: 1_700_000_000, services: 9n, host: '127.0.0.77', port: 18444 });
  await node.manager.close();
  node = createBitcoinNode({ params: regtest, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
  node.protocol.use(new AddressRelay({ known, requestFromOutbound: false }));
  port = (await node.manager.listen({ host: '127.0.0.1', port: 0 })).port;
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  // version 70015: no sendaddrv2 negotiated, so the answer is a legacy addr
  c.write(frame(magic, 'version', versionPayload({ version: 70015 })));
  expect(await c.waitFor(() => c.commands().includes('verack'), 5000)).toBe(true);
  c.write(frame(magic, 'verack'));
  c.write(frame(magic, 'getaddr'));
  c.write(frame(magic, 'getaddr'));
  c.write(frame(magic, 'ping', u64le(5n)));
  expect(await c.waitFor(() => c.commands().includes('pong'), 5000)).toBe(true);
  expect(c.commands().filter((x) => x === 'addr')).toHaveLength(1);
  expect(c.received.includes(Buffer.from([127, 0, 0, 77]))).toBe(true);
  expect(c.commands()).not.toContain('wtxidrelay');
});

test('a peer that never answers our pings is dropped at the ping timeout', async () => {
  await node.manager.close();
  node = createBitcoinNode({ params: regtest, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, pingTimeoutMs: 800 });
  port = (await node.manager.listen({ host: '127.0.0.1', port: 0 })).port;
  const gone = new Promise<string>((resolve) => node.manager.once('disconnected', (_p, why) => resolve(why.code)));
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  await handshake(c); // receives the server's ping, never answers it
  await expect(gone).resolves.toBe('ping_timeout');
  expect(await c.waitClosed(3000)).toBe(true);
});

test('an addr flood is rate-limited as Core does (0.1 address/s per peer, bucket of 1 unasked)', async () => {
  const known = new KnownAddresses();
  await node.manager.close();
  node = createBitcoinNode({ params: regtest, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
  node.protocol.use(new AddressRelay({ known, requestFromOutbound: false }));
  port = (await node.manager.listen({ host: '127.0.0.1', port: 0 })).port;
  const c = await RawClient.connect(port, '127.0.0.1', freshHost());
  await handshake(c);
  const addrPayload = (n: number, base: number): Buffer => {
    const b = Buffer.alloc(3 + n * 30);
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
    for (let i = 0; i < n; i++) {
      const o = 3 + i * 30;
      b.writeUInt32LE(1_700_000_000, o);
      b.writeBigUInt64LE(1n, o + 4);
      b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, (base >> 8) & 0xff, base & 0xff, i & 0xff], o + 12);
      b.writeUInt16BE(18444, o + 28);
    }
    return b;
  };
  for (let k = 0; k < 10; k++) c.write(frame(magic, 'addr', addrPayload(1000, k)));
  c.write(frame(magic, 'ping', u64le(77n)));
  expect(await c.waitFor((b) => b.includes(frame(magic, 'pong', u64le(77n))), 10000)).toBe(true);
  expect(known.size).toBe(1);
  expect(c.closed).toBe(false); // 1,000 per message is within the protocol: no ban
});
