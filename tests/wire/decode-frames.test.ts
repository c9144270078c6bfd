// `spv decode`'s engine (wire/describe/frames.ts): every reference vector decodes; a stream of
// frames is split correctly; hostile frames give errors that name the offending byte's offset.
import { fromHex, toHex } from '../../src/util/bytes.js';
import { concatBytes } from '../../src/util/bytes.js';
import { encodeMessage } from '../../src/wire/envelope.js';
import { messageChecksum } from '../../src/wire/checksum.js';
import { decodeBarePayload, decodeFrames } from '../../src/wire/describe/frames.js';
import { MAINNET_MAGIC, TESTNET_MAGIC, VECTORS, magicFor } from './helpers.js';

/** A frame with a correct checksum around any payload bytes. */
function frame(command: string, payload: Uint8Array, magic = MAINNET_MAGIC): Uint8Array {
  const head = new Uint8Array(24);
  head.set(magic, 0);
  for (let i = 0; i < command.length; i++) head[4 + i] = command.charCodeAt(i);
  new DataView(head.buffer).setUint32(16, payload.length, true);
  head.set(messageChecksum(payload), 20);
  return concatBytes([head, payload]);
}

test.each(Object.entries(VECTORS))('vector %s decodes with no problem and every byte named', (_key, v) => {
  const bytes = fromHex(v.hex);
  const frames = decodeFrames(bytes, magicFor(v.network), v.network);
  expect(frames).toHaveLength(1);
  const f = frames[0]!;
  expect(f.problem).toBeUndefined();
  expect(f.command).toBe(v.header.command);
  expect(f.annotated!.spans.reduce((n, s) => n + s.length, 0)).toBe(bytes.length);
});

test('a stream of every mainnet vector is split into its frames, offsets adding up', () => {
  const mainnet = Object.values(VECTORS).filter((v) => v.network === 'mainnet');
  const bytes = concatBytes(mainnet.map((v) => fromHex(v.hex)));
  const frames = decodeFrames(bytes, MAINNET_MAGIC, 'mainnet');
  expect(frames.map((f) => f.command)).toEqual(mainnet.map((v) => v.header.command));
  let at = 0;
  for (const f of frames) {
    expect(f.offset).toBe(at);
    expect(f.problem).toBeUndefined();
    at += f.length;
  }
  expect(at).toBe(bytes.length);
});

test('checksum mismatch: names offset 20, what the header says and what the payload hashes to', () => {
  const good = fromHex(VECTORS.verack!.hex);
  const bad = Uint8Array.from(good);
  bad[23] ^= 1;
  const [f] = decodeFrames(bad, MAINNET_MAGIC, 'mainnet');
  expect(f!.problem).toMatchObject({ offset: 20, code: 'bad_checksum' });
  expect(f!.problem!.text).toBe(`checksum mismatch at offset 20: header says ${toHex(bad.subarray(20, 24))}, payload hashes to 5df6e0e2`);
});

test('a length field over 4,000,000 stops the stream at offset 16 (after a good frame: its absolute offset)', () => {
  const head = fromHex(VECTORS.verack!.hex);
  const bad = Uint8Array.from(head);
  new DataView(bad.buffer).setUint32(16, 0x05000000, true);
  const frames = decodeFrames(concatBytes([head, bad, head]), MAINNET_MAGIC, 'mainnet');
  expect(frames).toHaveLength(2);
  expect(frames[1]!.problem).toMatchObject({ offset: 24 + 16, code: 'oversized' });
  expect(frames[1]!.problem!.text).toBe('length field 0x05000000 (83,886,080) at offset 40 exceeds 4,000,000');
});

test('a non-canonical CompactSize is pointed at', () => {
  // headers with a count of 1 written as 0xfd 0x01 0x00: the count starts at payload offset 0.
  const payload = Uint8Array.from([0xfd, 0x01, 0x00, ...new Uint8Array(81)]);
  const bytes = concatBytes([fromHex(VECTORS.verack!.hex), frame('headers', payload)]);
  const frames = decodeFrames(bytes, MAINNET_MAGIC, 'mainnet');
  expect(frames[1]!.problem).toMatchObject({ offset: 24 + 24, code: 'non_canonical' });
  expect(frames[1]!.problem!.text).toMatch(/^CompactSize not canonical at offset 48 /);
});

test('a CompactSize deep in a payload: the offset is that byte', () => {
  // getheaders: version (4) then the locator count at payload offset 4, frame offset 28.
  const payload = Uint8Array.from([0x80, 0x11, 0x01, 0x00, 0xfe, 0x05, 0x00, 0x00, 0x00, ...new Uint8Array(32)]);
  const [f] = decodeFrames(frame('getheaders', payload), MAINNET_MAGIC, 'mainnet');
  expect(f!.problem).toMatchObject({ offset: 28, code: 'non_canonical' });
});

test('trailing bytes after a message are counted and placed', () => {
  const payload = fromHex('0123456789abcdef000102');
  const [f] = decodeFrames(frame('ping', payload), MAINNET_MAGIC, 'mainnet');
  expect(f!.problem!.text).toBe('trailing 3 bytes after `ping` at offset 32');
  const bare = decodeBarePayload('ping', payload);
  expect(bare.problem!.text).toBe('trailing 3 bytes after `ping` at offset 8');
  expect(decodeBarePayload('ping', payload.subarray(0, 8)).message).toEqual({ command: 'ping', nonce: 0xefcdab8967452301n });
});

test('another network\'s magic is recognised; an unknown one is called that', () => {
  const testnet = encodeMessage(TESTNET_MAGIC, { command: 'verack' });
  const [f] = decodeFrames(testnet, MAINNET_MAGIC, 'mainnet');
  expect(f!.problem!.text).toBe("magic 0b110907 at offset 0 is testnet3's, not mainnet's (f9beb4d9)");
  const junk = Uint8Array.from(testnet);
  junk.set([1, 2, 3, 4]);
  expect(decodeFrames(junk, MAINNET_MAGIC, 'mainnet')[0]!.problem!.text).toBe("bad magic 01020304 at offset 0: not mainnet's f9beb4d9 nor any known network's");
});

test('truncation: a short header and a payload cut short are both reported where they start', () => {
  const v = fromHex(VECTORS.ping!.hex);
  expect(decodeFrames(v.subarray(0, 10), MAINNET_MAGIC, 'mainnet')[0]!.problem!.text).toBe('truncated header at offset 0: 10 of 24 bytes');
  const cut = decodeFrames(v.subarray(0, 28), MAINNET_MAGIC, 'mainnet')[0]!;
  expect(cut.problem).toMatchObject({ offset: 24, code: 'truncated' });
  expect(cut.problem!.text).toBe('frame at offset 0 announces 8 payload bytes, only 4 follow');
});

test('a bad command byte is pointed at, and the stream goes on after it', () => {
  const bad = Uint8Array.from(fromHex(VECTORS.verack!.hex));
  bad[6] = 0x07;
  const frames = decodeFrames(concatBytes([bad, fromHex(VECTORS.verack!.hex)]), MAINNET_MAGIC, 'mainnet');
  expect(frames).toHaveLength(2);
  expect(frames[0]!.problem).toMatchObject({ offset: 6, code: 'bad_command' });
  expect(frames[1]!.problem).toBeUndefined();
});

test('a count that lies about the bytes left is caught before anything is allocated', () => {
  const payload = Uint8Array.from([0xfe, 0x40, 0x42, 0x0f, 0x00]); // inv of 1,000,000 items in 5 bytes
  const [f] = decodeFrames(frame('inv', payload), MAINNET_MAGIC, 'mainnet');
  expect(f!.problem).toMatchObject({ offset: 24, code: 'too_many' });
});
