// Encoding refuses what a peer would reject (or what cannot be represented), with WireError
// codes, so a caller bug never reaches the wire as a silently wrapped or truncated field.
import { fromHex, toHex } from '../../src/util/bytes.js';
import type { Message } from '../../src/wire/message.js';
import { WireError } from '../../src/wire/errors.js';
import { encodeMessage } from '../../src/wire/envelope.js';
import { MAINNET_MAGIC, VECTORS, decodeOne } from './helpers.js';
import { errorCode } from '../helpers/errors.js';

const code = (m: Message, magic = MAINNET_MAGIC): string => errorCode(WireError, () => encodeMessage(magic, m)) ?? 'no error';

const version = decodeOne(MAINNET_MAGIC, VECTORS.version_70016_spv!.hex);
if (version.command !== 'version') throw new Error('vector is not a version');
const hash = new Uint8Array(32);

describe('encode errors', () => {
  test.each<[string, Message, string]>([
    ['user agent of 257 bytes', { ...version, userAgent: 'x'.repeat(257) }, 'bad_value'],
    ['host name instead of an IP', { ...version, addrRecv: { services: 0n, host: 'seed.example.org', port: 8333 } }, 'bad_value'],
    ['port above 65535', { ...version, addrFrom: { services: 0n, host: '::', port: 65536 } }, 'bad_value'],
    ['negative services', { ...version, services: -1n }, 'bad_value'],
    ['2001 headers', { command: 'headers', headers: new Array(2001).fill(new Uint8Array(80)) }, 'too_many'],
    ['a 79-byte header', { command: 'headers', headers: [new Uint8Array(79)] }, 'bad_value'],
    ['102 locator hashes', { command: 'getheaders', version: 70016, locator: new Array(102).fill(hash), hashStop: hash }, 'too_many'],
    ['a 31-byte hash stop', { command: 'getheaders', version: 70016, locator: [], hashStop: new Uint8Array(31) }, 'bad_value'],
    ['50,001 inventory items', { command: 'inv', items: new Array(50_001).fill({ type: 1, hash }) }, 'too_many'],
    ['1001 addresses', { command: 'addr', addresses: new Array(1001).fill({ time: 0, services: 0n, host: '1.2.3.4', port: 1 }) }, 'too_many'],
    ['an IPv4 addrv2 entry of 5 bytes', { command: 'addrv2', addresses: [{ time: 0, services: 0n, networkId: 1, addr: new Uint8Array(5), port: 1 }] }, 'bad_value'],
    ['an unknown-network addrv2 entry of 513 bytes', { command: 'addrv2', addresses: [{ time: 0, services: 0n, networkId: 99, addr: new Uint8Array(513), port: 1 }] }, 'bad_value'],
    ['a 13-character command', { command: 'unknown', name: 'abcdefghijklm', payload: new Uint8Array(0) }, 'bad_command'],
    ['a command with a NUL', { command: 'unknown', name: 'a\0b', payload: new Uint8Array(0) }, 'bad_command'],
    ['a non-ASCII command', { command: 'unknown', name: 'pïng', payload: new Uint8Array(0) }, 'bad_command'],
    ['an unknown payload over 4,000,000 bytes', { command: 'unknown', name: 'block', payload: new Uint8Array(4_000_001) }, 'oversized'],
  ])('%s', (_what, m, expected) => {
    expect(code(m)).toBe(expected);
  });

  test('a 3-byte magic is refused', () => {
    expect(code({ command: 'verack' }, new Uint8Array(3))).toBe('bad_value');
  });

  test('relay omitted on purpose re-encodes an old peer\'s version without the byte', () => {
    const v = VECTORS.version_70016_spv!;
    const noRelay = encodeMessage(MAINNET_MAGIC, { ...version, relay: undefined });
    expect(noRelay.length).toBe(fromHex(v.hex).length - 1);
    const back = decodeOne(MAINNET_MAGIC, toHex(noRelay));
    expect(back.command === 'version' && back.relay).toBeUndefined();
  });

  test('version ignores bytes after the relay flag, like Core', () => {
    const v = VECTORS.version_70016_spv!;
    const payload = fromHex(v.payload_hex + 'abcd');
    const wire = encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'version', payload });
    const m = decodeOne(MAINNET_MAGIC, toHex(wire));
    expect(m).toEqual(version);
  });

  test('headers: the tx count after each header is read and ignored (Core), any canonical value', () => {
    const raw = VECTORS.headers_1_to_3!.decoded.headers[0].raw_hex as string;
    const payload = fromHex('01' + raw + 'fd0001');
    const m = decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'headers', payload })));
    expect(m.command === 'headers' && m.headers.map(toHex)).toEqual([raw]);
    const bad = fromHex('01' + raw + 'fd0100'); // non-canonical tx count
    expect(() => decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'headers', payload: bad })))).toThrow(/non_canonical|non-canonical/);
  });

  test('addrv2: unknown network ids are kept (host undefined); a known id with a wrong length invalidates the message', () => {
    const entry = '00f15365' + '01' + '63' + '03' + 'aabbcc' + '208d'; // time, services 1, net 99, 3 bytes, port 8333
    const m = decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'addrv2', payload: fromHex('01' + entry) })));
    expect(m).toEqual({ command: 'addrv2', addresses: [{ time: 1700000000, services: 1n, networkId: 99, addr: fromHex('aabbcc'), host: undefined, port: 8333 }] });
    const badIpv4 = '00f15365' + '01' + '01' + '03' + 'aabbcc' + '208d';
    expect(() => decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'addrv2', payload: fromHex('01' + badIpv4) })))).toThrow(/BIP155/);
  });

  test('bools decode like Core: any non-zero byte is true', () => {
    const m = decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'sendcmpct', payload: fromHex('020200000000000000') })));
    expect(m).toEqual({ command: 'sendcmpct', announce: true, version: 2n });
  });
});
