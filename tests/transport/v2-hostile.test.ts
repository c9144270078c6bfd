// Hostile v2 initiators against a listener that speaks both transports (spv serve's node), over
// real TCP: each breach drops that connection (not the listener), memory stays bounded, and
// honest v2 and v1 peers keep being served throughout.
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import { probePeer } from '../../src/bitcoin/probe.js';
import { NODE_P2P_V2 } from '../../src/bitcoin/services.js';
import type { DisconnectReason } from '../../src/net/disconnect.js';
import { encodePayload } from '../../src/wire/envelope.js';
import { MAX_GARBAGE_LEN } from '../../src/transport/v2/transport.js';
import { frame, versionPayload } from '../helpers/frames.js';
import { RawClient } from '../helpers/raw-client.js';
import { HandV2Peer } from '../helpers/v2-peer.js';

const regtest = NETWORKS.regtest;
const magic = regtest.magic;
const HANDSHAKE_TIMEOUT_MS = 1500;

let node: BitcoinNode;
let port: number;
let nextHost = 40;
const gone = new Map<string, DisconnectReason>();
const freshHost = (): string => `127.0.0.${nextHost++}`;

beforeEach(async () => {
  gone.clear();
  node = createBitcoinNode({ params: regtest, v2transport: true, services: NODE_P2P_V2, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, maxInbound: 8 });
  node.manager.on('disconnected', (p, why) => gone.set(p.address.host, why));
  port = (await node.manager.listen({ host: '127.0.0.1', port: 0 })).port;
});
afterEach(async () => {
  await node.manager.close();
});

/** Honest peers on both transports still complete a handshake. */
async function othersStillServed(): Promise<void> {
  const v2 = await probePeer(regtest, { host: '127.0.0.1', port }, { v2transport: true, timeoutMs: 5000 });
  expect(v2.transport).toBe('v2');
  const v1 = await probePeer(regtest, { host: '127.0.0.1', port }, { timeoutMs: 5000 });
  expect(v1.transport).toBe('v1');
}

/** A raw connection that has sent its key (+ garbage) and received the listener's key. */
async function rawV2(garbage = 0): Promise<{ c: RawClient; h: HandV2Peer; host: string }> {
  const host = freshHost();
  const c = await RawClient.connect(port, '127.0.0.1', host);
  const h = new HandV2Peer(magic, true, garbage);
  c.write(h.hello());
  expect(await c.waitFor((b) => b.length >= 64, 3000)).toBe(true);
  h.agree(c.received.subarray(0, 64));
  return { c, h, host };
}

const versionMessage = (): Uint8Array => HandV2Peer.contents('version', versionPayload({ nonce: 77n }));

test('honest hand-driven peer: the listener answers version with version + verack over v2', async () => {
  const { c, h } = await rawV2(33);
  c.write(Buffer.concat([h.terminator(), h.versionPacket(), h.packet(versionMessage())])); // garbage went with the key
  expect(await c.waitFor(() => (h.catchUp(c.received.subarray(64)), h.commands().includes('verack')), 3000)).toBe(true);
  expect(h.failed).toBeUndefined();
  expect(h.commands().slice(0, 2)).toEqual(['version', 'wtxidrelay']);
  c.destroy();
});

test(`${MAX_GARBAGE_LEN + 1}+ bytes of garbage and no terminator: dropped at the limit`, async () => {
  const { c, host } = await rawV2();
  c.write(Buffer.alloc(MAX_GARBAGE_LEN + 16 + 100, 0x61));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('no_garbage_terminator');
  await othersStillServed();
});

test.each([
  ['the version packet', 'version'],
  ['a decoy before the version packet', 'decoy'],
  ['the first application packet', 'app'],
  ['the garbage (AAD of the first packet)', 'garbage'],
])('a wrong tag in %s: dropped', async (_what, stage) => {
  const { c, h, host } = await rawV2(12);
  const parts: Uint8Array[] = [h.terminator()];
  if (stage === 'decoy') {
    const d = h.packet(Uint8Array.of(1, 2, 3), { ignore: true, aad: h.garbage });
    d[d.length - 1]! ^= 1;
    parts.push(d, h.packet(new Uint8Array(0)));
  } else if (stage === 'garbage') {
    parts.push(h.packet(new Uint8Array(0), { aad: new Uint8Array(12) }));
  } else {
    const v = h.versionPacket();
    const m = h.packet(versionMessage());
    (stage === 'version' ? v : m)[10]! ^= 0x40;
    parts.push(v, m);
  }
  c.write(Buffer.concat(parts));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('bad_tag');
  await othersStillServed();
});

test('a length of 2^24-1: dropped from the 3 length bytes alone', async () => {
  const { c, h, host } = await rawV2();
  c.write(Buffer.concat([h.terminator(), h.versionPacket()]));
  c.write(h.cipher!.encryptLength(0xffffff));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('packet_too_large');
  await othersStillServed();
});

test('a truncated key then silence: dropped at the handshake timeout, others served meanwhile', async () => {
  const host = freshHost();
  const c = await RawClient.connect(port, '127.0.0.1', host);
  c.write(new HandV2Peer(magic).hello().subarray(0, 30));
  await othersStillServed();
  expect(await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('handshake_timeout');
  // The listener answered the first byte that ruled v1 out with its key (and garbage) only.
  expect(c.received.length).toBeGreaterThanOrEqual(64);
  expect(c.received.length).toBeLessThanOrEqual(64 + MAX_GARBAGE_LEN);
});

test('a decoy flood (20 MB): ignored with memory of one packet, honest peers served during it, then the peer is still answered', async () => {
  const { c, h, host } = await rawV2();
  c.write(Buffer.concat([h.terminator(), h.versionPacket(), h.packet(versionMessage())]));
  expect(await c.waitFor(() => (h.catchUp(c.received.subarray(64)), h.commands().includes('verack')), 3000)).toBe(true);
  c.write(h.packet(HandV2Peer.contents('verack')));
  const victim = (): { bufferedBytes: number } | undefined => node.manager.peers.find((p) => p.address.host === host);
  let maxBuffered = 0;
  const probe = othersStillServed();
  for (let batch = 0; batch < 20; batch++) {
    const decoys: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) decoys.push(h.packet(new Uint8Array(1000), { ignore: true }));
    c.write(Buffer.concat(decoys));
    await new Promise((r) => setImmediate(r));
    maxBuffered = Math.max(maxBuffered, victim()?.bufferedBytes ?? 0);
  }
  await probe;
  const nonce = 4242n;
  c.write(h.packet(HandV2Peer.contents('ping', encodePayload({ command: 'ping', nonce }))));
  expect(await c.waitFor(() => (h.catchUp(c.received.subarray(64)), h.commands().includes('pong')), 10000)).toBe(true);
  expect(h.failed).toBeUndefined();
  expect(maxBuffered).toBeLessThanOrEqual(1000 + 20);
  expect(victim()).toBeDefined();
  expect(c.closed).toBe(false);
  c.destroy();
});

test('a v1 version message after a v2 key: read as garbage, dropped at the terminator limit; silence instead: at the timeout', async () => {
  const { c, host } = await rawV2();
  const v1 = frame(magic, 'version', versionPayload());
  const pings = Array.from({ length: 200 }, () => frame(magic, 'ping', Buffer.alloc(8)));
  c.write(Buffer.concat([v1, ...pings]));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('no_garbage_terminator');

  const quiet = await rawV2();
  quiet.c.write(v1);
  expect(await quiet.c.waitClosed(HANDSHAKE_TIMEOUT_MS + 3000)).toBe(true);
  expect(gone.get(quiet.host)?.code).toBe('handshake_timeout');
  await othersStillServed();
});

test('replayed packets: the second copy of a valid packet drops the peer', async () => {
  const r = await rawV2();
  const v = r.h.versionPacket();
  const m = r.h.packet(versionMessage());
  r.c.write(Buffer.concat([r.h.terminator(), v, m]));
  expect(await r.c.waitFor(() => (r.h.catchUp(r.c.received.subarray(64)), r.h.commands().includes('verack')), 3000)).toBe(true);
  r.c.write(Buffer.concat([m, Buffer.alloc(5_000_000)]));
  expect(await r.c.waitClosed(5000)).toBe(true);
  expect(['bad_tag', 'packet_too_large']).toContain(gone.get(r.host)?.code);
  await othersStillServed();
});

test('a v1 version for another network on the v2 port: dropped at once (Core responder rule)', async () => {
  const host = freshHost();
  const c = await RawClient.connect(port, '127.0.0.1', host);
  c.write(frame(NETWORKS.testnet4.magic, 'version', versionPayload()));
  expect(await c.waitClosed(3000)).toBe(true);
  expect(gone.get(host)?.code).toBe('wrong_network');
  expect(c.received.length).toBe(0);
  await othersStillServed();
});

test('a slow drip over v2 (its key, then garbage, one byte every 50 ms): dropped at the handshake timeout, others served', async () => {
  const host = freshHost();
  const c = await RawClient.connect(port, '127.0.0.1', host);
  const hello = new HandV2Peer(magic, true, MAX_GARBAGE_LEN).hello(); // 64-byte key + 4,095 bytes of garbage
  let i = 0;
  const drip = setInterval(() => c.write(hello.subarray(i, ++i)), 50);
  try {
    await othersStillServed();
    expect(await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 3000)).toBe(true);
  } finally {
    clearInterval(drip);
  }
  expect(gone.get(host)?.code).toBe('handshake_timeout');
  expect(i).toBeLessThan(hello.length); // it never got to the end of its garbage
  c.destroy();
});
