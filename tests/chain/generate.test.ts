// The deterministic regtest generator: same seed, same bytes; real proof of work at
// 0x207fffff (about two hashes a header); timestamps in the past; valid through HeaderChain.
import { NETWORKS } from '../../src/params/networks.js';
import { ChainBuilder, deriveTestNetwork, generateChain, GENERATED_VERSION, mineHeader, splitHeaders } from '../../src/chain/generate.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { blockHash, decodeHeader, encodeHeader } from '../../src/chain/header.js';
import { checkProofOfWork } from '../../src/chain/pow.js';
import { sha256d } from '../../src/util/hash.js';

const REG = NETWORKS.regtest;

describe('generateChain', () => {
  const a = generateChain(REG, 3000, { seed: 42 });

  test('is deterministic in its seed', () => {
    expect(a.length).toBe(3000 * 80);
    expect(Buffer.from(generateChain(REG, 3000, { seed: 42 })).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(generateChain(REG, 3000, { seed: 43 })).equals(Buffer.from(a))).toBe(false);
    expect(Buffer.from(generateChain(REG, 100, { seed: 42 })).equals(Buffer.from(a.subarray(0, 8000)))).toBe(true);
    expect(Buffer.from(generateChain(REG, 10, { seed: 'abc' })).equals(Buffer.from(generateChain(REG, 10, { seed: 'abc' })))).toBe(true);
  });

  test('carries real proof of work at regtest bits with about two hashes a header', () => {
    const hs = splitHeaders(a);
    let tries = 0;
    for (const raw of hs) {
      const h = decodeHeader(raw);
      expect(h.bits).toBe(0x207fffff);
      expect(h.version).toBe(GENERATED_VERSION);
      expect(checkProofOfWork(sha256d(raw), h.bits, REG.powLimit)).toBe('ok');
      tries += h.nonce + 1;
    }
    expect(tries / hs.length).toBeGreaterThan(1.5);
    expect(tries / hs.length).toBeLessThan(2.5);
  });

  test('links to the regtest genesis, validates, and stays in the past', () => {
    const chain = new HeaderChain(REG);
    const hs = splitHeaders(a);
    for (let i = 0; i < hs.length; i += 2000) expect(chain.acceptHeaders(hs.slice(i, i + 2000), Math.floor(Date.now() / 1000)).error).toBeUndefined();
    expect(chain.height).toBe(3000);
    // A million headers at the default spacing still end before today.
    expect(REG.genesis.time + 1_000_000 * 60).toBeLessThan(Date.now() / 1000);
  });

  test('startTime and spacing are honoured', () => {
    const hs = splitHeaders(generateChain(REG, 3, { startTime: 2_000_000_000, spacing: 7 }));
    expect(hs.map((raw) => decodeHeader(raw).time)).toEqual([2_000_000_000, 2_000_000_007, 2_000_000_014]);
  });
});

describe('mining helpers', () => {
  test('mineHeader finds a valid nonce, or deliberately an invalid one', () => {
    const raw = encodeHeader({ version: 4, prevBlock: new Uint8Array(32), merkleRoot: new Uint8Array(32).fill(9), time: 1, bits: 0x2000ffff, nonce: 0 });
    const hash = mineHeader(raw);
    expect(hash).toEqual(blockHash(raw));
    expect(checkProofOfWork(hash, 0x2000ffff, REG.powLimit)).toBe('ok');
    const bad = mineHeader(raw, 0, false);
    expect(checkProofOfWork(bad, 0x2000ffff, REG.powLimit)).toBe('high_hash');
  });

  test('deriveTestNetwork mines a genesis for its own pow limit', () => {
    const p = deriveTestNetwork(NETWORKS.mainnet, { powLimit: (1n << 250n) - 1n });
    expect(p.powLimitBits).toBe(0x2003ffff);
    expect(new HeaderChain(p).tip.hashHex).toBe(p.genesis.hash);
    expect(p.checkpoints).toEqual({});
  });

  test('ChainBuilder.fork shares the prefix only', () => {
    const b = new ChainBuilder(REG);
    b.extend(5);
    const f = b.fork(3);
    f.next();
    expect(f.hashAt(3)).toEqual(b.hashAt(3));
    expect(f.hashAt(4)).not.toEqual(b.hashAt(4));
    expect(f.height).toBe(4);
    expect(b.height).toBe(5);
  });
});
