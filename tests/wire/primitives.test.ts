// ByteReader / ByteWriter / IP text / checksum: CompactSize rules from protocol.md 2.1, bounds
// checks before allocation, range checks on encode, and the fast SHA256d against noble.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { sha256d } from '../../src/util/hash.js';
import { WireError } from '../../src/wire/errors.js';
import { ByteReader, MAX_SIZE } from '../../src/codec/reader.js';
import { ByteWriter } from '../../src/codec/writer.js';
import { messageChecksum } from '../../src/wire/checksum.js';
import { sha256dFast } from '../../src/util/sha256d-fast.js';
import { formatIpv6, hostFromIp16, ip16FromHost, parseIpv4, parseIpv6 } from '../../src/util/ip.js';
import { errorCode } from '../helpers/errors.js';

const code = (fn: () => unknown): string => errorCode(WireError, fn) ?? 'no error';

describe('CompactSize', () => {
  test.each([
    [0, '00'],
    [252, 'fc'],
    [253, 'fdfd00'],
    [65535, 'fdffff'],
    [65536, 'fe00000100'],
    [0xffffffff, 'feffffffff'],
    [2 ** 32, 'ff0000000001000000'],
  ])('%d <-> %s (protocol.md 2.1)', (value, hex) => {
    expect(toHex(new ByteWriter().compactSize(value).finish())).toBe(hex);
    expect(new ByteReader(fromHex(hex)).compactSizeU64()).toBe(BigInt(value));
  });

  test.each(['fdfc00', 'fd0000', 'feffff0000', 'fe00000000', 'ffffffffff00000000', 'ff0000000000000000'])('non-canonical %s is rejected', (hex) => {
    expect(code(() => new ByteReader(fromHex(hex)).compactSizeU64())).toBe('non_canonical');
    expect(code(() => new ByteReader(fromHex(hex)).compactSize())).toBe('non_canonical');
  });

  test('lengths above MAX_SIZE are rejected, MAX_SIZE itself is not', () => {
    expect(new ByteReader(fromHex('fe00000002')).compactSize()).toBe(MAX_SIZE);
    expect(code(() => new ByteReader(fromHex('fe01000002')).compactSize())).toBe('oversized');
    expect(code(() => new ByteReader(fromHex('ff0000000001000000')).compactSize())).toBe('oversized');
    expect(new ByteReader(fromHex('ffffffffffffffffff')).compactSizeU64()).toBe((1n << 64n) - 1n);
  });

  test('truncated encodings', () => {
    for (const hex of ['', 'fd', 'fdff', 'fe0000', 'ff00000000000000']) expect(code(() => new ByteReader(fromHex(hex)).compactSizeU64())).toBe('truncated');
  });

  test('property: the writer always produces the canonical form the reader accepts', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        const r = new ByteReader(new ByteWriter().compactSize(v).finish());
        expect(r.compactSizeU64()).toBe(v);
        r.end();
      }),
    );
  });
});

describe('ByteReader', () => {
  test('fixed-width fields', () => {
    const r = new ByteReader(fromHex('ff' + '3412' + '1234' + '78563412' + 'feffffff' + '0100000000000080' + 'ffffffffffffffff'));
    expect(r.u8()).toBe(0xff);
    expect(r.u16le()).toBe(0x1234);
    expect(r.u16be()).toBe(0x1234);
    expect(r.u32le()).toBe(0x12345678);
    expect(r.i32le()).toBe(-2);
    expect(r.u64le()).toBe(0x8000000000000001n);
    expect(r.i64le()).toBe(-1n);
    expect(r.remaining).toBe(0);
    r.end();
    expect(code(() => r.u8())).toBe('truncated');
  });

  test('a count is checked against the bytes left before anything is allocated', () => {
    // 0x01ffffff items claimed (below MAX_SIZE), 3 bytes left
    expect(code(() => new ByteReader(fromHex('feffffff01000000')).count(MAX_SIZE, 1))).toBe('truncated');
    expect(code(() => new ByteReader(fromHex('feffffffff000000')).count(MAX_SIZE, 1))).toBe('oversized');
    expect(code(() => new ByteReader(fromHex('0a')).count(9, 0))).toBe('too_many');
    expect(new ByteReader(fromHex('02aabb')).count(2, 1)).toBe(2);
    expect(code(() => new ByteReader(fromHex('fd0001' + '00')).varBytes(1000))).toBe('truncated');
    expect(code(() => new ByteReader(fromHex('0600')).bytes(-1))).toBe('bad_value');
  });

  test('varStr: length limit in bytes, invalid UTF-8 replaced, never thrown', () => {
    expect(new ByteReader(fromHex('03616263')).varStr(3)).toBe('abc');
    expect(code(() => new ByteReader(fromHex('03616263')).varStr(2))).toBe('bad_value');
    expect(new ByteReader(fromHex('02ff41')).varStr(10)).toBe('\ufffdA');
  });

  test('end() reports leftover bytes; bytes()/hash32()/rest() are views', () => {
    const buf = fromHex('00'.repeat(33) + 'aa');
    const r = new ByteReader(buf);
    const h = r.hash32();
    expect(code(() => r.end())).toBe('trailing_bytes');
    expect(h.buffer).toBe(buf.buffer);
    expect(Array.from(r.rest())).toEqual([0, 0xaa]);
    r.end();
  });
});

describe('ByteWriter', () => {
  test('grows across many writes and keeps every byte', () => {
    const w = new ByteWriter(1);
    for (let i = 0; i < 5000; i++) w.u16le(i).u8(i & 0xff);
    const r = new ByteReader(w.finish());
    for (let i = 0; i < 5000; i++) {
      expect(r.u16le()).toBe(i);
      expect(r.u8()).toBe(i & 0xff);
    }
    r.end();
  });

  test('out-of-range values throw bad_value instead of wrapping', () => {
    const w = new ByteWriter();
    expect(code(() => w.u8(256))).toBe('bad_value');
    expect(code(() => w.u8(-1))).toBe('bad_value');
    expect(code(() => w.u16be(65536))).toBe('bad_value');
    expect(code(() => w.u32le(-1))).toBe('bad_value');
    expect(code(() => w.u32le(1.5))).toBe('bad_value');
    expect(code(() => w.i32le(2 ** 31))).toBe('bad_value');
    expect(code(() => w.u64le(-1n))).toBe('bad_value');
    expect(code(() => w.u64le(1n << 64n))).toBe('bad_value');
    expect(code(() => w.i64le(1n << 63n))).toBe('bad_value');
    expect(code(() => w.compactSize(-1))).toBe('bad_value');
    expect(code(() => w.fixedBytes(new Uint8Array(31), 32))).toBe('bad_value');
    expect(code(() => w.varStr('é'.repeat(129), 256))).toBe('bad_value'); // 258 UTF-8 bytes
    expect(w.length).toBe(0);
  });
});

describe('IP text', () => {
  test.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00010000000000010000000000000001', '1:0:0:1::1'], // longest run wins
    ['00010000000000010000000000010001', '1::1:0:0:1:1'], // tie: the first run
    ['00010000000100000001000000010000', '1:0:1:0:1:0:1:0'],
    ['20010db8000000010000000000000000', '2001:db8:0:1::'],
    ['fd87d87eeb43ffffffffffffffffffff', 'fd87:d87e:eb43:ffff:ffff:ffff:ffff:ffff'],
  ])('%s formats as %s (RFC 5952) and parses back', (hex, text) => {
    expect(formatIpv6(fromHex(hex))).toBe(text);
    expect(toHex(parseIpv6(text)!)).toBe(hex);
  });

  test('IPv4-mapped addresses are dotted quads in net_addr hosts', () => {
    expect(hostFromIp16(fromHex('00000000000000000000ffffcb007107'))).toBe('203.0.113.7');
    expect(formatIpv6(fromHex('00000000000000000000ffffcb007107'))).toBe('::ffff:203.0.113.7');
    expect(toHex(ip16FromHost('203.0.113.7')!)).toBe('00000000000000000000ffffcb007107');
    expect(toHex(ip16FromHost('::ffff:203.0.113.7')!)).toBe('00000000000000000000ffffcb007107');
    expect(toHex(ip16FromHost('::FFFF:CB00:7107')!)).toBe('00000000000000000000ffffcb007107');
  });

  test.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1.2.3.-4', ':::', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0', '12345::', 'example.com', '::1.2.3', '1.2.3.4::'])(
    '%j is not an address',
    (text) => {
      expect(ip16FromHost(text)).toBeUndefined();
    },
  );

  test('parseIpv4', () => {
    expect(Array.from(parseIpv4('0.0.0.0')!)).toEqual([0, 0, 0, 0]);
    expect(Array.from(parseIpv4('255.255.255.255')!)).toEqual([255, 255, 255, 255]);
  });

  test('property: bytes -> host -> bytes is the identity, and node:net agrees the text is an IP', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.constantFrom(0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((g) => Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff])))), (ip) => {
        const host = hostFromIp16(ip);
        expect(isIP(host)).not.toBe(0);
        expect(ip16FromHost(host)).toEqual(ip);
        const v6 = formatIpv6(ip);
        expect(isIP(v6)).toBe(6);
        expect(parseIpv6(v6)).toEqual(ip);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('checksum', () => {
  test('SHA256d of the empty payload starts 5df6e0e2 (protocol.md 1)', () => {
    expect(toHex(sha256dFast(new Uint8Array(0)))).toBe('5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456');
    expect(toHex(messageChecksum(new Uint8Array(0)))).toBe('5df6e0e2');
  });

  test('the fast node:crypto SHA256d equals noble\'s reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        expect(toHex(sha256dFast(data))).toBe(toHex(sha256d(data)));
      }),
      { numRuns: 300 },
    );
    const big = new Uint8Array(1_000_003).map((_, i) => i * 31);
    expect(toHex(sha256dFast(big))).toBe(toHex(sha256d(big)));
  });
});
