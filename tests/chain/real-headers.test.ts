// Real headers from the reference pack through HeaderChain: mainnet 0..1111 and testnet3
// 0..546 (ending at Core's old checkpoint) validate; flipping any single bit is rejected;
// Core's valid-PoW testnet3 fork off genesis is a side branch before the checkpoint and a
// fork_before_checkpoint after it.
import fc from 'fast-check';
import { NETWORKS } from '../../src/params/networks.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { fromHex } from '../../src/util/bytes.js';
import { readHeaderFile, readVector } from './helpers.js';

const mainnet = readHeaderFile('headers-mainnet-0-1111.txt');
const testnet3 = readHeaderFile('headers-testnet3-0-546.txt');
const NOW = Math.floor(Date.now() / 1000);
const MAINNET_TIP_1111 = '00000000ca59764b4ff11d88ea67e641dba94a17520ebd10f1631b21a18d5805';
const REJECTIONS = ['high_hash', 'bad_pow_limit', 'bad_diffbits', 'prev_not_found', 'headers_not_continuous', 'time_too_old', 'checkpoint_mismatch'];

function flip(raw: Uint8Array, bit: number): Uint8Array {
  const c = raw.slice();
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}

describe('mainnet headers 0..1111', () => {
  test('validate in one batch; tip and chain work as expected', () => {
    const chain = new HeaderChain(NETWORKS.mainnet);
    const r = chain.acceptHeaders(mainnet.slice(1), NOW);
    expect(r.error).toBeUndefined();
    expect(r.added).toBe(1111);
    expect(chain.height).toBe(1111);
    expect(chain.tip.hashHex).toBe(MAINNET_TIP_1111);
    expect(chain.tipWork).toBe(1112n * 0x100010001n);
    expect(chain.isBelowMinimumWork()).toBe(true);
  });

  test('one flipped bit anywhere in a header is rejected at that header; those before stay', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1111 }), fc.integer({ min: 0, max: 639 }), (h, bit) => {
        const chain = new HeaderChain(NETWORKS.mainnet);
        const batch = mainnet.slice(1);
        batch[h - 1] = flip(batch[h - 1], bit);
        const r = chain.acceptHeaders(batch, NOW);
        expect(r.error?.index).toBe(h - 1);
        expect(REJECTIONS).toContain(r.error?.error.code);
        expect(r.error?.error.banWorthy || r.error?.error.code === 'prev_not_found').toBe(true);
        expect(chain.height).toBe(h - 1);
      }),
      { numRuns: 150 },
    );
  });

  test('every one of the 640 bits of header 1000 matters', () => {
    const chain = new HeaderChain(NETWORKS.mainnet);
    expect(chain.acceptHeaders(mainnet.slice(1, 1000), NOW).error).toBeUndefined();
    const codes = new Set<string>();
    for (let bit = 0; bit < 640; bit++) {
      const r = chain.acceptHeaders([flip(mainnet[1000], bit)], NOW);
      expect(r.error).toBeDefined();
      codes.add(r.error!.error.code);
      expect(chain.height).toBe(999);
    }
    expect(chain.acceptHeaders([mainnet[1000]], NOW).added).toBe(1);
    expect([...codes].sort()).toEqual(['bad_pow_limit', 'high_hash', 'prev_not_found']);
  });

  test('headers arrive in 2000-header messages or one at a time alike', () => {
    const chain = new HeaderChain(NETWORKS.mainnet);
    for (let h = 1; h <= 1111; h++) expect(chain.acceptHeaders([mainnet[h]], NOW).added).toBe(1);
    expect(chain.tip.hashHex).toBe(MAINNET_TIP_1111);
  });
});

describe('testnet3 headers 0..546', () => {
  test('validate and end exactly at the checkpoint', () => {
    const chain = new HeaderChain(NETWORKS.testnet3);
    const r = chain.acceptHeaders(testnet3.slice(1), NOW);
    expect(r.error).toBeUndefined();
    expect(chain.height).toBe(546);
    expect(chain.tip.hashHex).toBe(NETWORKS.testnet3.checkpoints[546]);
  });

  test('any bit flipped in the checkpoint header is rejected', () => {
    const chain = new HeaderChain(NETWORKS.testnet3);
    chain.acceptHeaders(testnet3.slice(1, 546), NOW);
    for (let bit = 0; bit < 640; bit++) expect(chain.acceptHeaders([flip(testnet3[546], bit)], NOW).error).toBeDefined();
    expect(chain.height).toBe(545);
  });

  test("Core's two-block fork off genesis: side branch before the checkpoint, rejected after it", () => {
    const fork = readVector('blockheader_testnet3.hex')
      .split('\n')
      .filter((l) => l.startsWith('fork:'))
      .map((l) => fromHex(l.slice(5).trim()));
    expect(fork).toHaveLength(2);

    const early = new HeaderChain(NETWORKS.testnet3);
    early.acceptHeaders(testnet3.slice(1, 100), NOW);
    const r1 = early.acceptHeaders(fork, NOW);
    expect(r1.error).toBeUndefined();
    expect(r1.added).toBe(2);
    expect(r1.tipChanged).toBe(false);
    expect(early.sideHeaderCount).toBe(2);
    expect(early.height).toBe(99);

    const late = new HeaderChain(NETWORKS.testnet3);
    late.acceptHeaders(testnet3.slice(1), NOW);
    const r2 = late.acceptHeaders(fork, NOW);
    expect(r2.error?.error.code).toBe('fork_before_checkpoint');
    expect(r2.error?.error.banWorthy).toBe(true);
    expect(late.sideHeaderCount).toBe(0);
  });
});
