// The sans-I/O V2Transport: two instances talk through random chunking across rekeys; the
// responder tells v1 from v2 by the first 16 bytes; every rule breach is a `fatal` frame;
// decoys are ignored with bounded memory; the v1 retry fires only on Core's condition.
import type { Frame } from '../../src/net/codec.js';
import { NETWORKS } from '../../src/params/networks.js';
import { TransportError } from '../../src/transport/errors.js';
import { MAX_CONTENTS_LEN, MAX_GARBAGE_LEN, V2Transport, v1VersionPrefix } from '../../src/transport/v2/transport.js';
import { GARBAGE_TERMINATOR_LEN } from '../../src/transport/v2/cipher.js';
import { keyExchange } from '../../src/transport/v2/keys.js';
import { bitcoinCodec } from '../../src/wire/frame-decoder.js';
import { encodeMessage, encodePayload } from '../../src/wire/envelope.js';
import type { Message } from '../../src/wire/message.js';
import { seededRandom } from '../../src/util/random.js';
import { HandV2Peer } from '../helpers/v2-peer.js';

const regtest = NETWORKS.regtest;
const magic = regtest.magic;
const codec = bitcoinCodec(magic);
const keys = keyExchange();
const make = (initiator: boolean, garbage?: Uint8Array): V2Transport => new V2Transport({ magic, codec, initiator, garbage, keys });

function messages(frames: Frame<Message>[]): Message[] {
  return frames.map((f) => {
    if (f.kind !== 'message') throw new Error(`unexpected ${f.kind}: ${f.error.message}`);
    return f.message;
  });
}
function fatal(frames: Frame<Message>[]): TransportError {
  const f = frames.find((x) => x.kind === 'fatal');
  if (!f || f.kind !== 'fatal') throw new Error(`no fatal frame in ${JSON.stringify(frames.map((x) => x.kind))}`);
  return f.error as TransportError;
}

/** Moves bytes both ways in random-sized chunks until neither side has output. */
function pump(a: V2Transport, b: V2Transport, rand: () => number, got: { a: Frame<Message>[]; b: Frame<Message>[] }): void {
  for (let round = 0; round < 10_000; round++) {
    const ab = Buffer.concat(a.takeOutput());
    const ba = Buffer.concat(b.takeOutput());
    if (ab.length === 0 && ba.length === 0) return;
    for (let o = 0; o < ab.length; ) {
      const n = 1 + Math.floor(rand() * 700);
      got.b.push(...b.receive(ab.subarray(o, o + n)));
      o += n;
    }
    for (let o = 0; o < ba.length; ) {
      const n = 1 + Math.floor(rand() * 700);
      got.a.push(...a.receive(ba.subarray(o, o + n)));
      o += n;
    }
  }
  throw new Error('pump did not settle');
}

test('initiator and responder agree on a session id and carry 600 messages each way across rekeys, in random chunks', () => {
  const rand = seededRandom(7);
  const a = make(true);
  const b = make(false);
  const got = { a: [] as Frame<Message>[], b: [] as Frame<Message>[] };
  a.send({ command: 'verack' }); // queued until our version packet is out
  expect(a.ready).toBe(false);
  pump(a, b, rand, got);
  expect(a.ready && b.ready).toBe(true);
  expect(a.sessionId).toMatch(/^[0-9a-f]{64}$/);
  expect(b.sessionId).toBe(a.sessionId);
  expect(a.kind).toBe('v2');
  expect(b.kind).toBe('v2');
  for (let i = 0; i < 600; i++) {
    a.send({ command: 'ping', nonce: BigInt(i) });
    b.send({ command: 'pong', nonce: BigInt(i) });
    if (i % 37 === 0) pump(a, b, rand, got);
  }
  pump(a, b, rand, got);
  const atB = messages(got.b);
  const atA = messages(got.a);
  expect(atB[0]).toEqual({ command: 'verack' });
  expect(atB.slice(1)).toEqual(Array.from({ length: 600 }, (_, i) => ({ command: 'ping', nonce: BigInt(i) })));
  expect(atA).toEqual(Array.from({ length: 600 }, (_, i) => ({ command: 'pong', nonce: BigInt(i) })));
  expect(a.bufferedBytes).toBe(0);
  expect(b.bufferedBytes).toBe(0);
});

test('short IDs on the wire: a ping is 29 bytes (payload + 21), a version goes long-form', () => {
  const a = make(true, new Uint8Array(0));
  const b = make(false, new Uint8Array(0));
  pump(a, b, Math.random, { a: [], b: [] });
  a.send({ command: 'ping', nonce: 5n });
  expect(Buffer.concat(a.takeOutput()).length).toBe(8 + 21);
  a.send({ command: 'verack' });
  expect(Buffer.concat(a.takeOutput()).length).toBe(0 + 1 + 12 + 20);
});

test('a responder fed the 16-byte v1 version prefix becomes a v1 transport and decodes the v1 stream', () => {
  const b = make(false);
  const v1 = encodeMessage(magic, { command: 'ping', nonce: 1n });
  const version = encodeMessage(magic, { command: 'verack' });
  // A real v1 peer's first message is `version`; here its 16-byte prefix then the rest.
  const prefix = v1VersionPrefix(magic);
  expect(Buffer.from(version.subarray(0, 4)).equals(Buffer.from(prefix.subarray(0, 4)))).toBe(true);
  const stream = Buffer.concat([encodeMessage(magic, { command: 'version', version: 70016, services: 0n, timestamp: 0n, addrRecv: { services: 0n, host: '::', port: 0 }, addrFrom: { services: 0n, host: '::', port: 0 }, nonce: 1n, userAgent: '/x/', startHeight: 0, relay: false }), v1]);
  const frames: Frame<Message>[] = [];
  for (const byte of stream) frames.push(...b.receive(Uint8Array.of(byte)));
  expect(b.kind).toBe('v1');
  expect(b.sessionId).toBeUndefined();
  expect(b.takeOutput()).toEqual([]); // nothing of v2 was sent
  expect(messages(frames).map((m) => m.command)).toEqual(['version', 'ping']);
  b.send({ command: 'verack' });
  expect(Buffer.concat(b.takeOutput())).toEqual(Buffer.from(encodeMessage(magic, { command: 'verack' })));
});

test('a responder sends nothing until a byte rules v1 out, then its key and garbage', () => {
  const b = make(false, new Uint8Array(10));
  const prefix = v1VersionPrefix(magic);
  b.receive(prefix.subarray(0, 15));
  expect(b.takeOutput()).toEqual([]);
  b.receive(Uint8Array.of(prefix[15]! ^ 1));
  expect(Buffer.concat(b.takeOutput()).length).toBe(64 + 10);
  expect(b.kind).toBe('v2');
});

test('a v1 version for another network at a v2 responder: wrong_network, at once', () => {
  const b = make(false);
  const other = encodeMessage(NETWORKS.testnet4.magic, { command: 'verack' }).subarray(0, 4);
  const frames = b.receive(Buffer.concat([other, Buffer.from('version\0\0\0\0\0'), Buffer.alloc(60)]));
  expect(fatal(frames).code).toBe('wrong_network');
});

describe('a key whose derivation fails: bad_key ends the connection, nothing more is sent (BIP324 key exchange)', () => {
  // Every 64-byte string decodes as ElligatorSwift, so only an injected failure reaches this.
  const failing = {
    takeKey: keys.takeKey,
    derive: (): never => {
      throw new Error('point not on curve');
    },
  };
  const peerKey = new HandV2Peer(magic).hello();

  test('responder: bad_key, its own key and garbage withdrawn, no terminator or version packet', () => {
    const b = new V2Transport({ magic, codec, initiator: false, keys: failing });
    b.send({ command: 'verack' }); // queued: must never go out
    const err = fatal(b.receive(peerKey));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('bad_key');
    expect(err.message).toContain('point not on curve');
    expect(b.takeOutput()).toEqual([]);
    expect(b.ready).toBe(false);
    expect(b.sessionId).toBeUndefined();
    expect(b.receive(new Uint8Array(100))).toEqual([]); // dead: nothing more comes out
  });

  test('initiator: bad_key after its key went out; nothing after it', () => {
    const a = new V2Transport({ magic, codec, initiator: true, keys: failing });
    expect(Buffer.concat(a.takeOutput()).length).toBeGreaterThanOrEqual(64); // key + garbage
    a.send({ command: 'verack' });
    expect(fatal(a.receive(peerKey)).code).toBe('bad_key');
    expect(a.takeOutput()).toEqual([]);
    expect(a.retryAfterClose()).toBeUndefined(); // bytes came back: not a v1-only peer
  });
});

test('an initiator answered with a v1 version message: v1_reply', () => {
  const a = make(true);
  const frames = a.receive(Buffer.concat([v1VersionPrefix(magic), Buffer.alloc(100)]));
  expect(fatal(frames).code).toBe('v1_reply');
});

describe('a hand-driven initiator breaking rules against our responder', () => {
  function handshake(garbageLength = 0): { b: V2Transport; h: HandV2Peer; frames: Frame<Message>[] } {
    const b = make(false);
    const h = new HandV2Peer(magic, true, garbageLength);
    const frames = b.receive(h.hello());
    const out = Buffer.concat(b.takeOutput());
    h.agree(out.subarray(0, 64));
    h.receive(out.subarray(64));
    return { b, h, frames };
  }

  test('honest: version packet, then a message; our reply is readable', () => {
    const { b, h } = handshake(100);
    const frames = b.receive(Buffer.concat([h.terminator(), h.versionPacket(), h.packet(HandV2Peer.contents('ping', encodePayload({ command: 'ping', nonce: 9n })))]));
    expect(messages(frames)).toEqual([{ command: 'ping', nonce: 9n }]);
    b.send({ command: 'pong', nonce: 9n });
    h.receive(Buffer.concat(b.takeOutput()));
    expect(h.failed).toBeUndefined();
    expect(h.commands()).toEqual(['pong']);
  });

  test('the long form of a type that has a short ID is accepted; an unknown short ID is an unknown message; empty contents are skipped', () => {
    const { b, h } = handshake();
    const long = new Uint8Array(13 + 8);
    long.set(new TextEncoder().encode('ping'), 1);
    const frames = b.receive(Buffer.concat([h.terminator(), h.versionPacket(), h.packet(long), h.packet(Uint8Array.of(200, 1, 2)), h.packet(new Uint8Array(0))]));
    expect(frames[0]).toMatchObject({ kind: 'message', message: { command: 'ping', nonce: 0n } });
    expect(frames[1]).toMatchObject({ kind: 'message', message: { command: 'unknown', name: 'shortid:200' } });
    expect(frames[2]).toMatchObject({ kind: 'invalid' });
  });

  test(`no terminator within ${MAX_GARBAGE_LEN} + 16 bytes: no_garbage_terminator`, () => {
    const { b } = handshake();
    expect(b.receive(new Uint8Array(MAX_GARBAGE_LEN + GARBAGE_TERMINATOR_LEN - 1))).toEqual([]);
    expect(b.bufferedBytes).toBe(MAX_GARBAGE_LEN + GARBAGE_TERMINATOR_LEN - 1);
    expect(fatal(b.receive(new Uint8Array(1))).code).toBe('no_garbage_terminator');
  });

  test('4095 bytes of garbage then the terminator is fine (the limit is exact)', () => {
    const { b, h } = handshake(MAX_GARBAGE_LEN);
    const frames = b.receive(Buffer.concat([h.garbage, h.terminator(), h.packet(new Uint8Array(0), { aad: h.garbage }), h.packet(HandV2Peer.contents('verack'))]).subarray(h.garbage.length));
    expect(messages(frames)).toEqual([{ command: 'verack' }]);
  });

  test('garbage not matching the AAD (tampered garbage): bad_tag on the version packet', () => {
    const { b, h } = handshake(20);
    expect(fatal(b.receive(Buffer.concat([h.terminator(), h.packet(new Uint8Array(0), { aad: new Uint8Array(20) })]))).code).toBe('bad_tag');
  });

  test.each([
    ['the version packet', 0],
    ['a decoy before the version packet', 1],
    ['an application packet', 2],
  ])('a flipped tag bit in %s: bad_tag', (_what, which) => {
    const { b, h } = handshake(5);
    const decoyFirst = which === 1;
    const pkts: Uint8Array[] = decoyFirst
      ? [h.packet(Uint8Array.of(1), { ignore: true, aad: h.garbage }), h.packet(new Uint8Array(0))]
      : [h.versionPacket(), h.packet(HandV2Peer.contents('verack'))];
    const target = which === 2 ? pkts[1]! : pkts[0]!;
    target[target.length - 1]! ^= 0x80;
    expect(fatal(b.receive(Buffer.concat([h.terminator(), ...pkts]))).code).toBe('bad_tag');
  });

  test('a length of 2^24-1: packet_too_large before any body is read', () => {
    const { b, h } = handshake();
    expect(b.receive(Buffer.concat([h.terminator(), h.versionPacket()]))).toEqual([]);
    const err = fatal(b.receive(h.cipher!.encryptLength(0xffffff)));
    expect(err.code).toBe('packet_too_large');
    expect(err.message).toContain(String(0xffffff));
    expect(MAX_CONTENTS_LEN).toBe(4_000_013);
  });

  test('a replayed packet is fatal (its length decrypts to garbage or its tag fails: nonces never repeat)', () => {
    for (let i = 0; i < 5; i++) {
      const { b, h } = handshake();
      const v = h.versionPacket();
      const p = h.packet(HandV2Peer.contents('verack'));
      const first = b.receive(Buffer.concat([h.terminator(), v, p]));
      expect(messages(first)).toEqual([{ command: 'verack' }]);
      // The replayed length decrypts to some other length; once that many bytes are in, the tag fails.
      expect(['bad_tag', 'packet_too_large']).toContain(fatal(b.receive(Buffer.concat([p, Buffer.alloc(MAX_CONTENTS_LEN + 20)]))).code);
    }
  });

  test('a packet replayed from the version packet position (the second packet) fails its tag', () => {
    const { b, h } = handshake();
    const v = h.versionPacket();
    expect(b.receive(Buffer.concat([h.terminator(), v]))).toEqual([]);
    // Same bytes again: the length decrypts with the next keystream chunk; feed a forged
    // length that decrypts to 0 so the body (the old tag) is what gets checked.
    const fresh = h.packet(new Uint8Array(0));
    const forged = Buffer.concat([fresh.subarray(0, 3), v.subarray(3)]);
    expect(fatal(b.receive(forged)).code).toBe('bad_tag');
  });

  test('10,000 decoys (before and after the version packet) are ignored; memory stays at one packet', () => {
    const { b, h } = handshake(3);
    expect(b.receive(Buffer.concat([h.terminator(), h.packet(new Uint8Array(100), { ignore: true, aad: h.garbage }), h.packet(new Uint8Array(0))]))).toEqual([]);
    expect(b.ready).toBe(true);
    let maxBuffered = 0;
    for (let i = 0; i < 10_000; i++) {
      const p = h.packet(new Uint8Array(1000), { ignore: true });
      expect(b.receive(p.subarray(0, 500))).toEqual([]);
      maxBuffered = Math.max(maxBuffered, b.bufferedBytes);
      expect(b.receive(p.subarray(500))).toEqual([]);
    }
    expect(b.decoysReceived).toBe(10_001);
    expect(maxBuffered).toBeLessThanOrEqual(1000 + 20);
    expect(messages(b.receive(h.packet(HandV2Peer.contents('verack'))))).toEqual([{ command: 'verack' }]);
  });

  test('after a fatal frame nothing more comes out and nothing is sent', () => {
    const { b, h } = handshake();
    const bad = h.versionPacket();
    bad[5]! ^= 1;
    expect(fatal(b.receive(Buffer.concat([h.terminator(), bad]))).code).toBe('bad_tag');
    expect(b.receive(h.packet(HandV2Peer.contents('verack')))).toEqual([]);
    b.send({ command: 'verack' });
    expect(b.takeOutput()).toEqual([]);
  });
});

describe('v1 retry (Core ShouldReconnectV1)', () => {
  test('initiator, key sent, nothing received: a v1 transport carrying the queued messages', () => {
    let remembered = 0;
    const a = new V2Transport({ magic, codec, initiator: true, keys, onRetryV1: () => remembered++ });
    a.send({ command: 'verack' });
    expect(Buffer.concat(a.takeOutput()).length).toBeGreaterThanOrEqual(64);
    const v1 = a.retryAfterClose();
    expect(v1?.kind).toBe('v1');
    expect(remembered).toBe(1);
    expect(Buffer.concat(v1!.takeOutput())).toEqual(Buffer.from(encodeMessage(magic, { command: 'verack' })));
    expect(a.retryAfterClose()).toBeUndefined(); // once
  });
  test('not when any byte came back, not before the key went out, not as responder', () => {
    const a = make(true);
    a.takeOutput();
    a.receive(Uint8Array.of(1));
    expect(a.retryAfterClose()).toBeUndefined();
    expect(make(true).retryAfterClose()).toBeUndefined(); // output never taken: nothing was sent
    const b = make(false);
    b.takeOutput();
    expect(b.retryAfterClose()).toBeUndefined();
  });
});
