// BitcoinFrameDecoder: chunking, ordering, and hostile input (btcd's check order, Core's
// fatal-vs-skip split, caps decided from the header before the payload is buffered).
import fc from 'fast-check';
import { concatBytes, fromHex } from '../../src/util/bytes.js';
import { SpvError } from '../../src/util/errors.js';
import type { Frame } from '../../src/net/codec.js';
import type { Message } from '../../src/wire/message.js';
import { WireError } from '../../src/wire/errors.js';
import { sha256dFast } from '../../src/util/sha256d-fast.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH, encodeMessage } from '../../src/wire/envelope.js';
import { BitcoinFrameDecoder, bitcoinCodec } from '../../src/wire/frame-decoder.js';
import * as version from '../../src/wire/messages/version.js';
import { ARBITRARIES, MAINNET_MAGIC, TESTNET_MAGIC, VECTORS, decodeFrames } from './helpers.js';

const MAGIC = TESTNET_MAGIC;

/** A raw frame with full control over every header field. */
function rawFrame(opts: { command?: Uint8Array | string; payload?: Uint8Array; length?: number; checksum?: Uint8Array; magic?: Uint8Array }): Uint8Array {
  const payload = opts.payload ?? new Uint8Array(0);
  const out = new Uint8Array(24 + payload.length);
  out.set(opts.magic ?? MAGIC, 0);
  const cmd = typeof opts.command === 'string' || opts.command === undefined ? new TextEncoder().encode(opts.command ?? 'ping') : opts.command;
  out.set(cmd.subarray(0, 12), 4);
  new DataView(out.buffer).setUint32(16, opts.length ?? payload.length, true);
  out.set(opts.checksum ?? sha256dFast(payload).subarray(0, 4), 20);
  out.set(payload, 24);
  return out;
}

const ping = (n: bigint): Uint8Array => encodeMessage(MAGIC, { command: 'ping', nonce: n });

function kinds(frames: Frame<Message>[]): string[] {
  return frames.map((f) => (f.kind === 'message' ? `message:${f.message.command}` : `${f.kind}:${f.error.code}`));
}

function expectPing(f: Frame<Message> | undefined, nonce: bigint): void {
  expect(f?.kind).toBe('message');
  expect(f?.kind === 'message' && f.message).toEqual({ command: 'ping', nonce });
}

describe('BitcoinFrameDecoder chunking', () => {
  const stream = fc.array(fc.oneof(...Object.values(ARBITRARIES)), { minLength: 1, maxLength: 25 });

  test('random messages split at random points decode to the same list as one chunk', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 50 }), (msgs, cuts) => {
        const wire = concatBytes(msgs.map((m) => encodeMessage(MAGIC, m)));
        const whole = decodeFrames(MAGIC, wire);
        expect(whole.map((f) => (f.kind === 'message' ? f.message : f))).toEqual(msgs);
        const chunked = decodeFrames(MAGIC, wire, cuts);
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  test('one byte at a time', () => {
    const msgs: Message[] = [{ command: 'verack' }, { command: 'ping', nonce: 7n }, { command: 'sendheaders' }, { command: 'pong', nonce: 7n }];
    const wire = concatBytes(msgs.map((m) => encodeMessage(MAGIC, m)));
    expect(decodeFrames(MAGIC, wire, [1]).map((f) => f.kind === 'message' && f.message)).toEqual(msgs);
  });

  test('frames report their size on the wire; bufferedBytes returns to 0 between frames', () => {
    const d = new BitcoinFrameDecoder(MAGIC);
    const a = ping(1n);
    const frames = d.push(concatBytes([a, a.subarray(0, 30)]));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind === 'message' && frames[0]!.bytes).toBe(32);
    expect(d.bufferedBytes).toBe(30);
    expect(d.push(a.subarray(30))).toHaveLength(1);
    expect(d.bufferedBytes).toBe(0);
  });

  test('decoded byte fields do not alias the caller\'s chunk', () => {
    const header = fromHex(VECTORS.headers_1_to_3!.hex);
    const chunk = Uint8Array.from(header);
    const [f] = new BitcoinFrameDecoder(MAINNET_MAGIC).push(chunk);
    chunk.fill(0xaa);
    expect(f?.kind === 'message' && f.message.command === 'headers' && f.message.headers[0]![0]).toBe(1);
  });
});

describe('BitcoinFrameDecoder hostile input', () => {
  test('wrong magic is fatal, and the decoder stays silent afterwards', () => {
    const d = new BitcoinFrameDecoder(MAGIC);
    const frames = d.push(concatBytes([encodeMessage(MAINNET_MAGIC, { command: 'verack' }), ping(1n)]));
    expect(kinds(frames)).toEqual(['fatal:bad_magic']);
    expect(d.push(ping(2n))).toEqual([]);
    expect(d.bufferedBytes).toBe(0);
  });

  test('regtest magic is not testnet3 magic (protocol trap)', () => {
    const frames = decodeFrames(MAGIC, encodeMessage(fromHex('fabfb5da'), { command: 'verack' }));
    expect(kinds(frames)).toEqual(['fatal:bad_magic']);
  });

  test('a bad checksum skips that message only; the next one still decodes', () => {
    const bad = ping(1n);
    bad[20] ^= 0xff;
    const frames = decodeFrames(MAGIC, concatBytes([bad, ping(2n)]));
    expect(kinds(frames)).toEqual(['invalid:bad_checksum', 'message:ping']);
    expect(frames[0]!.kind === 'invalid' && frames[0]!.bytes).toBe(32);
    expectPing(frames[1], 2n);
  });

  test.each([4_000_001, 0xffffffff])('length %d is fatal right after the 24 header bytes', (length) => {
    const d = new BitcoinFrameDecoder(MAGIC);
    const header = rawFrame({ command: 'inv', length });
    expect(d.push(header.subarray(0, 23))).toEqual([]);
    expect(d.bufferedBytes).toBe(23);
    const frames = d.push(header.subarray(23, 24));
    expect(kinds(frames)).toEqual(['fatal:oversized']);
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(new Uint8Array(100_000))).toEqual([]);
  });

  test('an oversized length is fatal even with an invalid command (decided from the header)', () => {
    expect(kinds(decodeFrames(MAGIC, rawFrame({ command: 'bad\x01', length: 0xffffffff })))).toEqual(['fatal:oversized']);
  });

  test('a 4,000,000-byte unknown message is accepted and buffering stays within 24 + 4,000,000', () => {
    const payload = new Uint8Array(MAX_PROTOCOL_MESSAGE_LENGTH).fill(7);
    const wire = encodeMessage(MAGIC, { command: 'unknown', name: 'cmpctblock', payload });
    const d = new BitcoinFrameDecoder(MAGIC);
    const frames: Frame<Message>[] = [];
    let maxBuffered = 0;
    for (let off = 0; off < wire.length; off += 65536) {
      frames.push(...d.push(wire.subarray(off, off + 65536)));
      maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(24 + MAX_PROTOCOL_MESSAGE_LENGTH);
    expect(frames).toHaveLength(1);
    const m = frames[0]!.kind === 'message' ? frames[0]!.message : undefined;
    expect(m?.command === 'unknown' && m.name).toBe('cmpctblock');
    expect(m?.command === 'unknown' && m.payload.length).toBe(MAX_PROTOCOL_MESSAGE_LENGTH);
  });

  test('a payload over its command\'s cap is skipped without buffering it; the stream stays in sync', () => {
    const d = new BitcoinFrameDecoder(MAGIC);
    const big = rawFrame({ command: 'headers', payload: new Uint8Array(3_000_000) });
    const frames: Frame<Message>[] = [];
    for (let off = 0; off < big.length; off += 65536) {
      frames.push(...d.push(big.subarray(off, off + 65536)));
      expect(d.bufferedBytes).toBeLessThanOrEqual(24);
    }
    frames.push(...d.push(ping(5n)));
    expect(kinds(frames)).toEqual(['invalid:oversized', 'message:ping']);
    expect(frames[0]!.kind === 'invalid' && frames[0]!.bytes).toBe(big.length);
    expect(kinds(decodeFrames(MAGIC, concatBytes([rawFrame({ command: 'ping', payload: new Uint8Array(9) }), ping(6n)])))).toEqual([
      'invalid:oversized',
      'message:ping',
    ]);
  });

  test('non-canonical CompactSize makes the message invalid', () => {
    // inv with count 1 written as fd 01 00
    const payload = concatBytes([fromHex('fd0100'), new Uint8Array(36)]);
    expect(kinds(decodeFrames(MAGIC, concatBytes([rawFrame({ command: 'inv', payload }), ping(1n)])))).toEqual(['invalid:non_canonical', 'message:ping']);
  });

  test('counts that lie', () => {
    const cases: [string, Uint8Array, string][] = [
      ['inv', fromHex('fd51c3'), 'invalid:too_many'], // 50,001 items
      ['inv', concatBytes([fromHex('fde803'), new Uint8Array(36)]), 'invalid:truncated'], // 1000 items, 1 present
      ['getdata', fromHex('feffffffff'), 'invalid:oversized'], // above MAX_SIZE
      ['headers', fromHex('fdd107'), 'invalid:too_many'], // 2001 headers
      ['headers', concatBytes([fromHex('02'), new Uint8Array(81)]), 'invalid:truncated'],
      ['getheaders', concatBytes([new Uint8Array(4), fromHex('66'), new Uint8Array(102 * 32 + 32)]), 'invalid:oversized'], // 102 hashes + stop > cap
      ['getheaders', concatBytes([new Uint8Array(4), fromHex('66')]), 'invalid:too_many'], // 102 hashes claimed
      ['addr', fromHex('fde903'), 'invalid:too_many'], // 1001
      ['addrv2', fromHex('fde903'), 'invalid:too_many'],
      ['addr', fromHex('02'), 'invalid:truncated'],
      ['version', concatBytes([new Uint8Array(80), fromHex('fd0001')]), 'invalid:truncated'], // user agent of 256 bytes, none present
    ];
    for (const [command, payload, expected] of cases) {
      expect([command, ...kinds(decodeFrames(MAGIC, concatBytes([rawFrame({ command, payload }), ping(1n)])))]).toEqual([command, expected, 'message:ping']);
    }
  });

  test('a user agent longer than MAX_SUBVERSION_LENGTH is rejected', () => {
    const v = VECTORS.version_70016_spv!;
    const payload = fromHex(v.payload_hex);
    // replace the 13-byte user agent with a 257-byte one
    const head = payload.subarray(0, 80);
    const tail = payload.subarray(80 + 1 + 13);
    const long = concatBytes([head, fromHex('fd0101'), new Uint8Array(257).fill(0x41), tail]);
    expect(() => version.decode(long)).toThrow(expect.objectContaining({ code: 'bad_value' }));
    // through the decoder the longer payload is already over version's 344-byte cap
    expect(kinds(decodeFrames(MAGIC, rawFrame({ command: 'version', payload: long })))).toEqual(['invalid:oversized']);
  });

  test.each([
    ['ver\0sion', 'NUL in the middle'],
    ['ping\x7f', 'DEL'],
    ['\x19ping', 'control character'],
    ['p\xe9ng', 'non-ASCII'],
  ])('invalid command bytes %j (%s) skip the payload; the next message decodes', (command) => {
    const bytes = Uint8Array.from(command, (c) => c.charCodeAt(0));
    const bad = rawFrame({ command: bytes, payload: new Uint8Array(8) });
    const frames = decodeFrames(MAGIC, concatBytes([bad, ping(9n)]), [5]);
    expect(kinds(frames)).toEqual(['invalid:bad_command', 'message:ping']);
    expect(frames[0]!.kind === 'invalid' && frames[0]!.bytes).toBe(32);
  });

  test('a 12-character command has no NUL; an all-NUL command is the (valid) empty name', () => {
    const twelve = rawFrame({ command: 'getcfcheckpt', payload: new Uint8Array(33) });
    const empty = rawFrame({ command: new Uint8Array(12), payload: new Uint8Array(1) });
    const frames = decodeFrames(MAGIC, concatBytes([twelve, empty]));
    expect(frames.map((f) => f.kind === 'message' && (f.message.command === 'unknown' ? f.message.name : f.message.command))).toEqual(['getcfcheckpt', '']);
    expect(frames[0]!.kind === 'message' && frames[0]!.message).toEqual({ command: 'getcfcheckpt', filterType: 0, stopHash: new Uint8Array(32) });
  });

  test.each(['constructor', '__proto__', 'toString', 'valueOf', 'prototype'])('command %j decodes as unknown', (name) => {
    const frames = decodeFrames(MAGIC, rawFrame({ command: name, payload: fromHex('00') }));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind === 'message' && frames[0]!.message).toEqual({ command: 'unknown', name, payload: fromHex('00') });
  });

  test('a malformed payload of a known command is an invalid frame carrying a WireError', () => {
    const frames = decodeFrames(MAGIC, rawFrame({ command: 'ping', payload: new Uint8Array(7) }));
    expect(frames).toHaveLength(1);
    const f = frames[0]!;
    expect(f.kind).toBe('invalid');
    if (f.kind !== 'invalid') return;
    expect(f.error).toBeInstanceOf(WireError);
    expect(f.error).toBeInstanceOf(SpvError);
    expect(f.error.code).toBe('truncated');
    expect(f.bytes).toBe(31);
  });

  test('random garbage never throws out of push() and nothing follows a fatal frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }), fc.boolean(), (junk, cuts, withMagic) => {
        const bytes = withMagic ? concatBytes([MAGIC, junk]) : junk;
        const frames = decodeFrames(MAGIC, bytes, cuts);
        const fatal = frames.findIndex((f) => f.kind === 'fatal');
        if (fatal >= 0) expect(fatal).toBe(frames.length - 1);
        for (const f of frames) if (f.kind !== 'message') expect(f.error.code).not.toBe('internal');
      }),
      { numRuns: 300 },
    );
  });

  test('random payloads under every known command with a valid envelope: only WireErrors', () => {
    const commands = Object.keys(ARBITRARIES).filter((c) => c !== 'unknown');
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.uint8Array({ maxLength: 400 }), (command, payload) => {
        const frames = decodeFrames(MAGIC, concatBytes([rawFrame({ command, payload }), ping(3n)]));
        expect(frames).toHaveLength(2);
        const f = frames[0]!;
        if (f.kind === 'fatal') throw new Error('fatal');
        if (f.kind === 'invalid') expect(f.error).toBeInstanceOf(WireError);
        if (f.kind === 'invalid') expect(f.error.code).not.toBe('internal');
        expectPing(frames[1], 3n);
      }),
      { numRuns: 1000 },
    );
  });

  test('mutating single bytes of real messages never throws and keeps later messages in sync unless fatal', () => {
    const wires = Object.values(VECTORS).filter((v) => v.hex.length < 2000).map((v) => fromHex(v.hex));
    fc.assert(
      fc.property(fc.constantFrom(...wires), fc.nat(), fc.integer({ min: 1, max: 255 }), (wire, pos, xor) => {
        const m = Uint8Array.from(wire);
        const at = pos % m.length;
        m[at]! ^= xor;
        const frames = decodeFrames(MAINNET_MAGIC, concatBytes([m, encodeMessage(MAINNET_MAGIC, { command: 'ping', nonce: 4n })]));
        if (at < 4) expect(kinds(frames)).toEqual(['fatal:bad_magic']);
        else if (at >= 16 && at < 20) return; // a changed length may swallow the next message or be fatal
        else expect(frames.at(-1)?.kind === 'message' && frames.at(-1)).toMatchObject({ message: { command: 'ping', nonce: 4n } });
      }),
      { numRuns: 500 },
    );
  });
});

describe('bitcoinCodec', () => {
  test('encodes, describes and creates independent decoders', () => {
    const codec = bitcoinCodec(MAINNET_MAGIC);
    const a = codec.createDecoder();
    const b = codec.createDecoder();
    const wire = codec.encode({ command: 'ping', nonce: 1n });
    expect(a.push(wire.subarray(0, 10))).toEqual([]);
    expect(b.push(wire)).toHaveLength(1);
    expect(a.bufferedBytes).toBe(10);
    expect(codec.describe({ command: 'ping', nonce: 1n })).toBe('ping');
    expect(codec.describe({ command: 'unknown', name: 'mempool', payload: new Uint8Array(0) })).toBe('mempool (unknown)');
  });

  test('rejects a magic that is not 4 bytes', () => {
    expect(() => bitcoinCodec(new Uint8Array(3))).toThrow(WireError);
  });
});
