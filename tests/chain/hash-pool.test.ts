// HeaderHashPool (worker threads) against the single-threaded hash, and its hashes fed to
// HeaderChain.acceptHeaders. Workers load compiled JS, so this uses dist/ (built by the
// jest global setup).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { generateChain, splitHeaders } from '../../src/chain/generate.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { hashHeader } from '../../src/chain/sha256d-header.js';
import type { HeaderHashPool as Pool } from '../../src/chain/hash-pool.js';
import { ROOT } from '../helpers/cli.js';
import { FAR_FUTURE } from './helpers.js';

const { HeaderHashPool } = (await import(pathToFileURL(path.join(ROOT, 'dist/src/chain/hash-pool.js')).href)) as { HeaderHashPool: typeof Pool };

describe('HeaderHashPool', () => {
  const bytes = generateChain(NETWORKS.regtest, 3000, { seed: 'pool' });
  let pool: Pool;
  beforeAll(() => {
    pool = new HeaderHashPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test('hashes equal the single-threaded ones, split over workers or not', async () => {
    for (const n of [1, 100, 3000]) {
      const words = await pool.hash(bytes.subarray(0, n * 80));
      expect(words.length).toBe(n * 8);
      for (const i of [0, n >> 1, n - 1]) expect(new Uint8Array(words.buffer, words.byteOffset + i * 32, 32)).toEqual(hashHeader(bytes, i * 80));
    }
  });

  test('precomputed hashes feed HeaderChain.acceptHeaders', async () => {
    const hs = splitHeaders(bytes);
    const chain = new HeaderChain(NETWORKS.regtest);
    for (let i = 0; i < hs.length; i += 2000) {
      const batch = hs.slice(i, i + 2000);
      const hashes = await pool.hash(bytes.subarray(i * 80, (i + batch.length) * 80));
      expect(chain.acceptHeaders(batch, FAR_FUTURE, { hashes }).error).toBeUndefined();
    }
    expect(chain.height).toBe(3000);
    expect(chain.tip.hash).toEqual(hashHeader(bytes, 2999 * 80));
  });
});
