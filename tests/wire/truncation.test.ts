// Truncation sweep (btcd's "fails after N bytes" reader): every prefix of every vector payload
// makes its decoder throw WireError only, and through the frame decoder yields no message.
import { fromHex } from '../../src/util/bytes.js';
import { WireError } from '../../src/wire/errors.js';
import { decodePayload, encodeMessage, isKnownCommand } from '../../src/wire/envelope.js';
import { BitcoinFrameDecoder } from '../../src/wire/frame-decoder.js';
import fc from 'fast-check';
import { ARBITRARIES, VECTORS, magicFor } from './helpers.js';
import type { Message } from '../../src/wire/message.js';

/** Prefixes a decoder legitimately accepts: version without its optional relay byte, and a
 * reject whose optional data field is cut short (lenient, BIP61). */
function prefixMayDecode(command: string, payload: Uint8Array, n: number): boolean {
  if (command === 'version') return n === payload.length - 1;
  if (command === 'reject') return n >= payload.length - 32 - 0;
  return false;
}

function sweep(command: string, payload: Uint8Array): void {
  for (let n = 0; n < payload.length; n++) {
    const prefix = payload.slice(0, n);
    let threw: unknown;
    try {
      decodePayload(command, prefix);
    } catch (err) {
      threw = err;
    }
    if (threw === undefined) {
      if (!prefixMayDecode(command, payload, n)) throw new Error(`${command}: prefix of ${n}/${payload.length} bytes decoded`);
    } else if (!(threw instanceof WireError)) {
      throw new Error(`${command}: prefix of ${n} bytes threw ${String(threw)}`);
    }
  }
}

const known = Object.entries(VECTORS).filter(([, v]) => isKnownCommand(v.header.command));

describe('truncation sweep', () => {
  test.each(known)('%s: every payload prefix throws WireError', (_k, v) => {
    sweep(v.header.command, fromHex(v.payload_hex));
  });

  test.each(Object.entries(VECTORS))('%s: a cut-off stream yields no message, however it is chunked', (_k, v) => {
    const magic = magicFor(v.network);
    const wire = fromHex(v.hex);
    // each prefix in one chunk (sampled on the long ones to stay linear-ish)
    const step = Math.max(1, Math.floor(wire.length / 400));
    for (let n = 0; n < wire.length; n += n < 64 ? 1 : step) {
      const whole = new BitcoinFrameDecoder(magic);
      expect(whole.push(wire.subarray(0, n))).toEqual([]);
      expect(whole.bufferedBytes).toBe(n);
    }
    // one byte at a time: every prefix is seen once, nothing comes out before the last byte
    const bytewise = new BitcoinFrameDecoder(magic);
    for (let i = 0; i < wire.length - 1; i++) {
      if (bytewise.push(wire.subarray(i, i + 1)).length !== 0) throw new Error(`frame after ${i + 1} of ${wire.length} bytes`);
      if (bytewise.bufferedBytes !== i + 1) throw new Error(`bufferedBytes ${bytewise.bufferedBytes} after ${i + 1} bytes`);
    }
    expect(bytewise.push(wire.subarray(wire.length - 1)).map((f) => f.kind)).toEqual(['message']);
    expect(bytewise.bufferedBytes).toBe(0);
  });

  test('random messages: every payload prefix throws WireError (or is an allowed prefix)', () => {
    fc.assert(
      fc.property(fc.oneof(...Object.entries(ARBITRARIES).filter(([c]) => c !== 'unknown').map(([, a]) => a)), (m: Message) => {
        const wire = encodeMessage(magicFor('mainnet'), m);
        sweep(m.command, wire.subarray(24));
      }),
      { numRuns: 200 },
    );
  });
});
