// The toy line codec: every message kind round-trips, random chunking does not matter, bad
// lines are skipped as invalid frames, unknown kinds are values, and an over-long line is a
// fatal frame that leaves nothing buffered.
import fc from 'fast-check';
import { GENESIS_BLOCK, MAX_LINE_BYTES, ToyLineCodec, type ToyMessage } from '../../src/toy/index.js';
import type { Frame } from '../../src/net/codec.js';

const codec = new ToyLineCodec();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const messages: ToyMessage[] = [
  { command: 'block', block: GENESIS_BLOCK },
  { command: 'get_chain' },
  { command: 'hello', version: 1, genesis: GENESIS_BLOCK.hash, difficulty: 2, tip: { height: 7, hash: 'ab'.repeat(32) } },
  { command: 'tip', tip: { height: 3, hash: 'cd'.repeat(32) } },
  { command: 'get_blocks', locator: ['ef'.repeat(32), GENESIS_BLOCK.hash] },
];

function decodeAll(bytes: Uint8Array, cuts: number[] = []): Frame<ToyMessage>[] {
  const d = codec.createDecoder();
  const frames: Frame<ToyMessage>[] = [];
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    frames.push(...d.push(bytes.subarray(at, c)));
    at = c;
  }
  return frames;
}

describe('toy line codec', () => {
  test('each message kind round-trips', () => {
    for (const m of messages) {
      const frames = decodeAll(codec.encode(m));
      expect(frames).toEqual([{ kind: 'message', message: m, bytes: codec.encode(m).length }]);
    }
  });

  test('tutorial lines parse exactly: GET_CHAIN and BLOCK:<json>', () => {
    const frames = decodeAll(enc(`GET_CHAIN\nBLOCK:${JSON.stringify(GENESIS_BLOCK)}\r\n\n`));
    expect(frames.map((f) => (f.kind === 'message' ? f.message.command : f.kind))).toEqual(['get_chain', 'block']);
  });

  test('random chunking gives the same frames (property)', () => {
    const all = Buffer.concat(messages.map((m) => codec.encode(m)));
    const expected = decodeAll(all);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: all.length }), { maxLength: 20 }), (cuts) => {
        expect(decodeAll(all, cuts)).toEqual(expected);
      }),
    );
  });

  test('bad lines are invalid frames and the stream stays in sync', () => {
    const frames = decodeAll(
      Buffer.concat([
        enc('BLOCK:{not json\n'), // invalid JSON
        enc('BLOCK:{"index":1}\n'), // valid JSON, wrong shape
        enc('BLOCK:[1,2,3]\n'),
        enc('HELLO:{"version":1}\n'),
        enc('GET_BLOCKS:{"locator":"x"}\n'),
        new Uint8Array([0xff, 0xfe, 0x0a]), // not UTF-8
        enc('GET_CHAIN\n'),
      ]),
    );
    const codes = frames.map((f) => (f.kind === 'invalid' ? f.error.code : f.kind === 'message' ? f.message.command : 'fatal'));
    expect(codes).toEqual(['bad_json', 'bad_shape', 'bad_shape', 'bad_shape', 'bad_shape', 'bad_utf8', 'get_chain']);
  });

  test('unknown kinds are values, never dispatched', () => {
    const frames = decodeAll(enc('constructor:{}\n__proto__\nFOO:bar:baz\nget_chain\n'));
    expect(frames.map((f) => (f.kind === 'message' ? f.message : f.kind))).toEqual([
      { command: 'unknown', name: 'constructor' },
      { command: 'unknown', name: '__proto__' },
      { command: 'unknown', name: 'FOO' },
      { command: 'unknown', name: 'get_chain' },
    ]);
  });

  test('a line longer than the cap is fatal while still buffering, and nothing more is held', () => {
    const d = codec.createDecoder();
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    let frames: Frame<ToyMessage>[] = [];
    let pushed = 0;
    while (frames.length === 0) {
      frames = d.push(chunk);
      pushed += chunk.length;
      expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_LINE_BYTES);
    }
    expect(pushed).toBeLessThanOrEqual(MAX_LINE_BYTES + chunk.length);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind).toBe('fatal');
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(enc('GET_CHAIN\n'))).toEqual([]); // dead after fatal
  });

  test('a line of exactly the cap is still accepted (as an unknown kind)', () => {
    const d = new ToyLineCodec(16).createDecoder();
    expect(d.push(enc('X'.repeat(16) + '\n'))[0]!.kind).toBe('message');
    expect(d.push(enc('X'.repeat(17) + '\n'))[0]!.kind).toBe('fatal');
  });
});
