// Header codec, genesis hashes of every network, and proof-of-work arithmetic against the
// reference pack: Core's compact-encoding vectors, work examples, and real retarget cases.
import fc from 'fast-check';
import { NETWORKS, NETWORK_NAMES } from '../../src/params/networks.js';
import { blockHashDisplay, decodeHeader, encodeHeader } from '../../src/chain/header.js';
import { calculateNextWorkRequired } from '../../src/chain/difficulty.js';
import { checkProofOfWork, decodeCompact, encodeCompact, hashToBigint, validTarget, workFromBits } from '../../src/chain/pow.js';
import { blockHash } from '../../src/chain/header.js';
import { fromHex, hashToDisplay } from '../../src/util/bytes.js';
import { readHeaderFile, readVector } from './helpers.js';

interface PowVectors {
  compact_encoding: { compact: string; negative: boolean; overflow: boolean; target_hex?: string; re_encoded?: string }[];
  work: { examples: { bits: string; work_hex: string; work_dec: number }[] };
  retarget: {
    cases: {
      name: string;
      first_block_time: number;
      last_block_height: number;
      last_block_time: number;
      last_block_bits: string;
      expected_next_bits: string;
    }[];
  };
}
const pow = JSON.parse(readVector('pow.json')) as PowVectors;

describe('block header', () => {
  test.each(NETWORK_NAMES)('%s genesis hashes to the reference hash', (name) => {
    const p = NETWORKS[name];
    const raw = fromHex(p.genesis.headerHex);
    expect(blockHashDisplay(raw)).toBe(p.genesis.hash);
    const h = decodeHeader(raw);
    expect(h.time).toBe(p.genesis.time);
    expect(h.bits).toBe(p.genesis.bits);
    expect(checkProofOfWork(blockHash(raw), h.bits, p.powLimit)).toBe('ok');
  });

  test.each(NETWORK_NAMES)('%s genesis header and hash agree with chainparams.json', (name) => {
    const cp = JSON.parse(readVector('chainparams.json')) as Record<string, { genesis: { hash: string; header_hex: string } }>;
    expect(cp[name].genesis.header_hex).toBe(NETWORKS[name].genesis.headerHex);
    expect(blockHashDisplay(fromHex(cp[name].genesis.header_hex))).toBe(cp[name].genesis.hash);
  });

  test('decode/encode round-trips every real mainnet header and random ones', () => {
    for (const raw of readHeaderFile('headers-mainnet-0-1111.txt')) expect(encodeHeader(decodeHeader(raw))).toEqual(raw);
    fc.assert(fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (raw) => void expect(encodeHeader(decodeHeader(raw))).toEqual(raw)));
  });

  test('headers 1..3 of the messages.json `headers` vector', () => {
    const msgs = JSON.parse(readVector('messages.json')) as { headers_1_to_3: { decoded: { headers: { hash: string; raw_hex: string }[] } } };
    for (const h of msgs.headers_1_to_3.decoded.headers) expect(blockHashDisplay(fromHex(h.raw_hex))).toBe(h.hash);
  });

  test('version is read as a signed int32', () => {
    const raw = fromHex(NETWORKS.mainnet.genesis.headerHex);
    raw[3] = 0x80;
    expect(decodeHeader(raw).version).toBeLessThan(0);
  });
});

describe('compact bits (Core arith_uint256 vectors)', () => {
  test.each(pow.compact_encoding)('$compact', (v) => {
    const bits = Number(v.compact);
    const d = decodeCompact(bits);
    expect(d.negative).toBe(v.negative);
    expect(d.overflow).toBe(v.overflow);
    if (v.target_hex !== undefined) expect(d.target).toBe(BigInt(`0x${v.target_hex}`));
    if (v.re_encoded !== undefined) expect(encodeCompact(d.target, d.negative)).toBe(Number(v.re_encoded));
  });

  test('0x1d00ffff expands to the documented target', () => {
    expect(decodeCompact(0x1d00ffff).target).toBe(0x00000000ffff0000000000000000000000000000000000000000000000000000n);
    expect(encodeCompact(NETWORKS.mainnet.powLimit)).toBe(0x1d00ffff);
  });

  test('encode(decode(x)) is stable for random targets', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }), (t) => {
        const bits = encodeCompact(t);
        const back = decodeCompact(bits);
        expect(back.negative || back.overflow).toBe(false);
        expect(back.target <= t).toBe(true);
        expect(encodeCompact(back.target)).toBe(bits);
      }),
    );
  });

  test('validTarget rejects negative, zero, overflow and above-limit bits', () => {
    const lim = NETWORKS.mainnet.powLimit;
    expect(validTarget(0x1d00ffff, lim)).not.toBeNull();
    expect(validTarget(0x1d80ffff, lim)).toBeNull(); // negative
    expect(validTarget(0x00000000, lim)).toBeNull(); // zero
    expect(validTarget(0xff123456, lim)).toBeNull(); // overflow
    expect(validTarget(0x1d010000, lim)).toBeNull(); // easier than powLimit
    expect(validTarget(0x207fffff, NETWORKS.regtest.powLimit)).not.toBeNull();
  });
});

describe('work and proof of work', () => {
  test.each(pow.work.examples)('work of $bits is $work_hex', (e) => {
    expect(workFromBits(Number(e.bits))).toBe(BigInt(e.work_hex));
  });

  test('mainnet chain work through 1111 is 1112 * 0x100010001', () => {
    let total = 0n;
    for (const raw of readHeaderFile('headers-mainnet-0-1111.txt')) total += workFromBits(decodeHeader(raw).bits);
    expect(total).toBe(1112n * 0x100010001n);
  });

  test('checkProofOfWork: real header ok, high hash and bad bits rejected', () => {
    const raw = readHeaderFile('headers-mainnet-0-1111.txt')[1];
    const hash = blockHash(raw);
    const lim = NETWORKS.mainnet.powLimit;
    expect(checkProofOfWork(hash, 0x1d00ffff, lim)).toBe('ok');
    const target = validTarget(0x1d00ffff, lim)!;
    expect(hashToBigint(hash) <= target).toBe(true);
    expect(checkProofOfWork(hash, 0x1c00ffff, lim)).toBe('high_hash');
    expect(checkProofOfWork(hash, 0x1d80ffff, lim)).toBe('bad_pow_limit');
    expect(hashToDisplay(hash)).toBe(blockHashDisplay(raw));
  });
});

describe.each(['mainnet', 'testnet3', 'signet'] as const)('%s period starts (retarget-boundaries file)', (name) => {
  const p = NETWORKS[name];
  const rows = readVector(`retarget-boundaries-${name}.txt`)
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [height, hash, bits, time, , hex] = l.split(' ');
      return { height: Number(height), hash, bits: parseInt(bits, 16), time: Number(time), raw: fromHex(hex) };
    });

  test('every header hashes as listed, carries its bits and meets its proof of work', () => {
    for (const r of rows) {
      expect(blockHashDisplay(r.raw)).toBe(r.hash);
      expect(decodeHeader(r.raw).bits).toBe(r.bits);
      expect(checkProofOfWork(blockHash(r.raw), r.bits, p.powLimit)).toBe('ok');
    }
  });

  if (name !== 'testnet3')
    test('consecutive period targets respect the x4 clamp', () => {
      // No min-difficulty exception here: a period's bits are its first block's, so the next
      // period's target is this one's times [1/4, 4] (compact truncation only lowers it).
      for (let i = 1; i < rows.length; i++) {
        if (rows[i].height - rows[i - 1].height !== 2016) continue;
        const prev = decodeCompact(rows[i - 1].bits).target;
        const next = decodeCompact(rows[i].bits).target;
        expect(next * 4n >= prev - (prev >> 14n)).toBe(true);
        expect(next <= prev * 4n).toBe(true);
      }
    });
});

describe('retarget (Core pow_tests, real mainnet data)', () => {
  const boundaries = new Map<number, number>();
  for (const line of readVector('retarget-boundaries-mainnet.txt').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [h, , bits] = line.split(' ');
    boundaries.set(Number(h), parseInt(bits, 16));
  }
  test.each(pow.retarget.cases)('$name', (c) => {
    const got = calculateNextWorkRequired(NETWORKS.mainnet, Number(c.last_block_bits), c.last_block_time, c.first_block_time);
    expect(got).toBe(Number(c.expected_next_bits));
    // The real chain carries those bits at the next period start (the 4th case's first time is synthetic).
    const real = boundaries.get(c.last_block_height + 1);
    if (c.name !== 'get_next_work_upper_limit_actual' && real !== undefined) expect(real).toBe(got);
  });
});
