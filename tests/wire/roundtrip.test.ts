// Property tests: random valid values of every message type survive encode -> frame decode,
// and encoding is a function of the value (decode -> encode gives the same bytes).
import fc from 'fast-check';
import type { Message } from '../../src/wire/message.js';
import { decodePayload, encodeMessage, encodePayload, commandName } from '../../src/wire/envelope.js';
import { ARBITRARIES, MAINNET_MAGIC, TESTNET_MAGIC, decodeFrames } from './helpers.js';

describe('round trips', () => {
  test.each(Object.keys(ARBITRARIES))('%s: encode -> BitcoinFrameDecoder -> the same value and bytes', (command) => {
    fc.assert(
      fc.property(ARBITRARIES[command as Message['command']], (m) => {
        const wire = encodeMessage(TESTNET_MAGIC, m);
        const frames = decodeFrames(TESTNET_MAGIC, wire);
        expect(frames).toHaveLength(1);
        const f = frames[0]!;
        if (f.kind !== 'message') throw new Error(`${f.kind}: ${f.error.message}`);
        expect(f.bytes).toBe(wire.length);
        expect(f.message).toEqual(m);
        expect(encodeMessage(TESTNET_MAGIC, f.message)).toEqual(wire);
      }),
      { numRuns: 150 },
    );
  });

  test('payload-level decode agrees with the frame decoder', () => {
    fc.assert(
      fc.property(fc.oneof(...Object.values(ARBITRARIES)), (m) => {
        expect(decodePayload(commandName(m), encodePayload(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  test('the magic is written as given and checked by the decoder of another network', () => {
    const wire = encodeMessage(MAINNET_MAGIC, { command: 'verack' });
    expect(Array.from(wire.subarray(0, 4))).toEqual([0xf9, 0xbe, 0xb4, 0xd9]);
    const frames = decodeFrames(TESTNET_MAGIC, wire);
    expect(frames.map((f) => f.kind)).toEqual(['fatal']);
  });
});
