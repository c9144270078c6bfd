// Shared helpers for the wire tests: the reference message vectors, a decoder driver, and
// fast-check arbitraries producing valid values of every message type.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromHex } from '../../src/util/bytes.js';
import { networkByName } from '../../src/params/networks.js';
import type { Frame } from '../../src/net/codec.js';
import type { Message, NetAddress, TimedNetAddress, InvItem } from '../../src/wire/message.js';
import { BitcoinFrameDecoder } from '../../src/wire/frame-decoder.js';
import { makeAddrV2Entry, bip155AddressLength } from '../../src/wire/messages/addrv2.js';
import { hostFromIp16 } from '../../src/util/ip.js';
import { arbBlock, arbTx } from '../tx/arbitraries.js';
import { VECTORS_DIR } from '../helpers/vectors.js';

export const VECTORS_PATH = `${VECTORS_DIR}/messages.json`;

export interface MessageVector {
  readonly network: string;
  readonly hex: string;
  readonly header: { magic: string; command: string; payload_length: number; checksum: string };
  readonly payload_hex: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly decoded: any;
}

export const VECTORS: Readonly<Record<string, MessageVector>> = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));

export function magicFor(network: string): Uint8Array {
  const params = networkByName(network);
  if (!params) throw new Error(`unknown network ${network}`);
  return params.magic;
}

export const MAINNET_MAGIC = magicFor('mainnet');
export const TESTNET_MAGIC = magicFor('testnet3');

/** Feeds `bytes` in one go (or in the given chunk sizes) and returns all frames. */
export function decodeFrames(magic: Uint8Array, bytes: Uint8Array, chunkSizes?: readonly number[]): Frame<Message>[] {
  const d = new BitcoinFrameDecoder(magic);
  if (!chunkSizes) return d.push(bytes);
  const frames: Frame<Message>[] = [];
  let off = 0;
  let i = 0;
  while (off < bytes.length) {
    const n = Math.max(1, chunkSizes[i++ % chunkSizes.length]!);
    frames.push(...d.push(bytes.subarray(off, off + n)));
    off += n;
  }
  return frames;
}

/** The single message in `hex`, or a test failure. */
export function decodeOne(magic: Uint8Array, hex: string): Message {
  const frames = decodeFrames(magic, fromHex(hex));
  if (frames.length !== 1 || frames[0]!.kind !== 'message') throw new Error(`expected one message, got ${JSON.stringify(frames.map((f) => f.kind === 'message' ? f.kind : `${f.kind}:${f.error.message}`))}`);
  return frames[0]!.message;
}

/** "0x1", "0x0 (comment)" -> bigint. */
export function bigFromJson(v: string | number): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.split(' ')[0]!);
}

// ---------------------------------------------------------------- arbitraries

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const bytesN = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const hash = bytesN(32);

/** Any 16 bytes, biased towards IPv4-mapped and zero-run shapes, as host text. */
const ip16 = fc.oneof(
  bytesN(16),
  bytesN(4).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
  fc.array(fc.oneof(fc.constant(0), u16), { minLength: 8, maxLength: 8 }).map((gs) => Uint8Array.from(gs.flatMap((g) => [g >> 8, g & 0xff]))),
);
export const arbHost = ip16.map(hostFromIp16);

export const arbNetAddress: fc.Arbitrary<NetAddress> = fc.record({ services: u64, host: arbHost, port: u16 });
export const arbTimedNetAddress: fc.Arbitrary<TimedNetAddress> = fc.record({ time: u32, services: u64, host: arbHost, port: u16 });
const arbInvItem: fc.Arbitrary<InvItem> = fc.record({ type: u32, hash });
const arbInvItems = fc.array(arbInvItem, { maxLength: 40 });

/** Printable ASCII and general Unicode, limited to 256 UTF-8 bytes. */
const userAgent = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 })).filter((s) => Buffer.byteLength(s, 'utf8') <= 256);

const arbAddrV2Entry = fc
  .record({ time: u32, services: u64, port: u16, networkId: u8, len: fc.integer({ min: 0, max: 40 }), seed: bytesN(512) })
  .map(({ time, services, port, networkId, len, seed }) => {
    const n = bip155AddressLength(networkId) ?? len;
    return makeAddrV2Entry({ time, services, networkId, addr: seed.slice(0, n), port });
  });
const knownNetworkEntry = fc.record({ time: u32, services: u64, port: u16, networkId: fc.integer({ min: 1, max: 7 }), seed: bytesN(32) }).map(({ time, services, port, networkId, seed }) =>
  makeAddrV2Entry({ time, services, networkId, addr: seed.slice(0, bip155AddressLength(networkId)!), port }),
);

export const ARBITRARIES: Readonly<Record<Message['command'], fc.Arbitrary<Message>>> = {
  version: fc.record({
    command: fc.constant('version' as const),
    version: i32,
    services: u64,
    timestamp: i64,
    addrRecv: arbNetAddress,
    addrFrom: arbNetAddress,
    nonce: u64,
    userAgent,
    startHeight: i32,
    relay: fc.option(fc.boolean(), { nil: undefined }),
  }),
  verack: fc.constant({ command: 'verack' as const }),
  ping: fc.record({ command: fc.constant('ping' as const), nonce: u64 }),
  pong: fc.record({ command: fc.constant('pong' as const), nonce: u64 }),
  wtxidrelay: fc.constant({ command: 'wtxidrelay' as const }),
  sendaddrv2: fc.constant({ command: 'sendaddrv2' as const }),
  sendheaders: fc.constant({ command: 'sendheaders' as const }),
  sendcmpct: fc.record({ command: fc.constant('sendcmpct' as const), announce: fc.boolean(), version: u64 }),
  sendtxrcncl: fc.record({ command: fc.constant('sendtxrcncl' as const), version: u32, salt: u64 }),
  feefilter: fc.record({ command: fc.constant('feefilter' as const), feeRate: i64 }),
  getaddr: fc.constant({ command: 'getaddr' as const }),
  addr: fc.record({ command: fc.constant('addr' as const), addresses: fc.array(arbTimedNetAddress, { maxLength: 20 }) }),
  addrv2: fc.record({ command: fc.constant('addrv2' as const), addresses: fc.array(fc.oneof(arbAddrV2Entry, knownNetworkEntry), { maxLength: 20 }) }),
  inv: fc.record({ command: fc.constant('inv' as const), items: arbInvItems }),
  getdata: fc.record({ command: fc.constant('getdata' as const), items: arbInvItems }),
  notfound: fc.record({ command: fc.constant('notfound' as const), items: arbInvItems }),
  getheaders: fc.record({ command: fc.constant('getheaders' as const), version: u32, locator: fc.array(hash, { maxLength: 101 }), hashStop: hash }),
  headers: fc.record({ command: fc.constant('headers' as const), headers: fc.array(bytesN(80), { maxLength: 30 }) }),
  reject: fc.record({
    command: fc.constant('reject' as const),
    message: fc.string({ maxLength: 12 }),
    code: u8,
    reason: fc.string({ maxLength: 111 }),
    data: fc.oneof(bytesN(0), bytesN(32)),
  }),
  tx: arbTx.map((tx) => ({ command: 'tx' as const, tx })),
  block: arbBlock.map((block) => ({ command: 'block' as const, block })),
  merkleblock: fc.record({
    command: fc.constant('merkleblock' as const),
    header: bytesN(80),
    totalTransactions: u32,
    hashes: fc.array(hash, { maxLength: 30 }),
    flags: fc.uint8Array({ maxLength: 20 }),
  }),
  filterload: fc.record({
    command: fc.constant('filterload' as const),
    filter: fc.uint8Array({ maxLength: 300 }), // the 36,000-byte limit is tested in bip157-37.test.ts
    hashFuncs: fc.integer({ min: 0, max: 50 }),
    tweak: u32,
    flags: u8,
  }),
  filteradd: fc.record({ command: fc.constant('filteradd' as const), data: fc.uint8Array({ maxLength: 520 }) }),
  filterclear: fc.constant({ command: 'filterclear' as const }),
  mempool: fc.constant({ command: 'mempool' as const }),
  getcfilters: fc.record({ command: fc.constant('getcfilters' as const), filterType: u8, startHeight: u32, stopHash: hash }),
  cfilter: fc.record({ command: fc.constant('cfilter' as const), filterType: u8, blockHash: hash, filter: fc.uint8Array({ maxLength: 400 }) }),
  getcfheaders: fc.record({ command: fc.constant('getcfheaders' as const), filterType: u8, startHeight: u32, stopHash: hash }),
  cfheaders: fc.record({
    command: fc.constant('cfheaders' as const),
    filterType: u8,
    stopHash: hash,
    previousFilterHeader: hash,
    filterHashes: fc.array(hash, { maxLength: 40 }),
  }),
  getcfcheckpt: fc.record({ command: fc.constant('getcfcheckpt' as const), filterType: u8, stopHash: hash }),
  cfcheckpt: fc.record({ command: fc.constant('cfcheckpt' as const), filterType: u8, stopHash: hash, filterHeaders: fc.array(hash, { maxLength: 40 }) }),
  unknown: fc.record({
    command: fc.constant('unknown' as const),
    name: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 }).filter((n) => !KNOWN.has(n)),
    payload: fc.uint8Array({ maxLength: 300 }),
  }),
};

const KNOWN = new Set([
  'version', 'verack', 'ping', 'pong', 'wtxidrelay', 'sendaddrv2', 'sendheaders', 'sendcmpct', 'sendtxrcncl', 'feefilter',
  'getaddr', 'addr', 'addrv2', 'inv', 'getdata', 'notfound', 'getheaders', 'headers', 'reject',
  'tx', 'block', 'merkleblock', 'filterload', 'filteradd', 'filterclear', 'mempool',
  'getcfilters', 'cfilter', 'getcfheaders', 'cfheaders', 'getcfcheckpt', 'cfcheckpt',
]);

export const arbMessage: fc.Arbitrary<Message> = fc.oneof(...Object.values(ARBITRARIES));
