// The bounded-memory chain at test size: 200,000 regtest headers synced into a datadir keep
// only the window (2 chunks of 16,384) in memory; everything older is read back from
// headers.dat (hashes, headers, locators, getheaders answers by the hashes we handed out or
// by a scan); a re-open reads only the window; a reorg forking below the window is followed
// through the deep branch on disk and survives a re-open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { ChainBuilder, generateChain, splitHeaders } from '../../src/chain/generate.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { HeaderChain, KEEP_CHUNKS } from '../../src/chain/header-chain.js';
import { BRANCH_FILE, HEADERS_FILE } from '../../src/chain/datadir.js';
import { concatBytes, hashToDisplay } from '../../src/util/bytes.js';
import { locatorHeights } from '../../src/chain/locator.js';
import { FAR_FUTURE } from './helpers.js';

const REG = NETWORKS.regtest;
const N = 200_000;
const CHUNK = 16_384;
const WINDOW_MAX_BYTES = KEEP_CHUNKS * CHUNK * 80 + 4 * 65_536 * 4 + 64 * 80; // chunks + index (<= 2^16 slots at 32k) + page
const BYTES = generateChain(REG, N, { seed: 'window' });
const HEADERS = splitHeaders(BYTES); // HEADERS[i] is height i + 1
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDatadir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'spv-window-'));
  dirs.push(d);
  return path.join(d, 'regtest');
}

function syncInto(store: HeaderStore, headers: Uint8Array[], from = 0): number {
  let maxBytes = 0;
  for (let i = from; i < headers.length; i += 2000) {
    const r = store.chain.acceptHeaders(headers.slice(i, i + 2000), FAR_FUTURE);
    expect(r.error).toBeUndefined();
    store.flush();
    maxBytes = Math.max(maxBytes, store.chain.memoryBytes());
  }
  return maxBytes;
}

const zero = new Uint8Array(32);
/** Same headers, compared as one byte string (jest's toEqual on thousands of arrays is slow). */
const hex = (hs: readonly Uint8Array[]): string => Buffer.from(concatBytes(hs)).toString('hex');
const inMemory = new HeaderChain(REG);
inMemory.acceptHeaders(HEADERS.slice(0, 1000), FAR_FUTURE);

describe('200,000 headers with a 2-chunk window', () => {
  const dir = tmpDatadir();
  let store: HeaderStore;
  beforeAll(() => {
    store = HeaderStore.open({ datadir: dir, params: REG });
  });
  afterAll(() => store.close());

  test('memory stays within the window while the chain grows; old headers come back from disk', () => {
    const maxBytes = syncInto(store, HEADERS);
    const chain = store.chain;
    expect(chain.height).toBe(N);
    expect(maxBytes).toBeLessThanOrEqual(WINDOW_MAX_BYTES);
    expect(chain.memoryWindowStart).toBeGreaterThanOrEqual(N - KEEP_CHUNKS * CHUNK);
    expect(chain.memoryWindowStart).toBeGreaterThan(0);
    for (const h of [0, 1, 999, 50_000, 123_457, chain.memoryWindowStart - 1, chain.memoryWindowStart, N]) {
      expect(chain.headerAt(h)).toEqual(h === 0 ? inMemory.headerAt(0) : HEADERS[h - 1]);
      if (h < N) expect(chain.hashAt(h)).toEqual(HEADERS[h].subarray(4, 36));
    }
    expect(chain.tipWork).toBe(2n * BigInt(N + 1));
    expect(chain.workAt(70_000)).toBe(2n * 70_001n);
    expect(chain.medianTimePast(100)).toBe(inMemory.medianTimePast(100));
    expect(concatBytes(chain.headerBytes(1000, 1005))).toEqual(concatBytes(HEADERS.slice(999, 1004)));
  });

  test('locators are built from heights (disk reads) and their hashes are found again', () => {
    const chain = store.chain;
    const loc = chain.blockLocator();
    expect(loc.map((h) => chain.heightOf(h))).toEqual(locatorHeights(N));
    // An old hash we never handed out is not found without a scan (heightOf never scans).
    expect(locatorHeights(N)).not.toContain(5);
    expect(chain.heightOf(HEADERS[5].subarray(4, 36))).toBe(-1);
  });

  test('getheaders answers: recent locator, the hashes we handed out, and a cold locator (scan)', () => {
    const chain = store.chain;
    expect(hex(chain.headersAfterLocator([chain.hashAt(N - 10)], zero))).toBe(hex(HEADERS.slice(N - 10, N)));
    // A peer syncing from us: genesis, then the last header of each answer.
    let loc = [chain.hashAt(0)];
    for (let k = 0; k < 3; k++) {
      const got = chain.headersAfterLocator(loc, zero);
      expect(hex(got)).toBe(hex(HEADERS.slice(k * 2000, (k + 1) * 2000)));
      loc = [HEADERS[(k + 1) * 2000].subarray(4, 36)]; // the hash of the last header sent
      expect(chain.heightOf(loc[0])).toBe((k + 1) * 2000);
    }
    // A locator of old hashes we never handed out: found by one scan of headers.dat.
    const cold = [HEADERS[77_777].subarray(4, 36), HEADERS[77_000].subarray(4, 36)].map((h) => new Uint8Array(h));
    expect(chain.heightOf(cold[0])).toBe(-1);
    expect(hex(chain.headersAfterLocator(cold, zero, 3))).toBe(hex(HEADERS.slice(77_777, 77_780)));
  });

  test('a fork below the window is followed on disk (branch.dat) and wins with more work; the file follows', () => {
    const chain = store.chain;
    const forkAt = 150_000;
    expect(forkAt).toBeLessThan(chain.memoryWindowStart);
    const fork = new ChainBuilder(REG, { seed: 'deep-fork', spacing: 60 }, concatBytes([inMemory.headerAt(0), BYTES.subarray(0, forkAt * 80)]));
    fork.extend(N - forkAt + 1);
    // The peer answers our locator from the last entry it shares with us: below the fork.
    const start = Math.max(...locatorHeights(N).filter((h) => h <= forkAt));
    chain.blockLocator();
    const branch = splitHeaders(fork.bytes(start + 1));
    let reorgSeen = false;
    let duplicates = 0;
    for (let i = 0; i < branch.length; i += 2000) {
      const r = chain.acceptHeaders(branch.slice(i, i + 2000), FAR_FUTURE);
      expect(r.error).toBeUndefined();
      duplicates += r.duplicates;
      if (start + i + 2000 <= N) {
        expect(r.tipChanged).toBe(false);
        expect(chain.deepBranchSize).toBe(Math.max(0, start + i + 2000 - forkAt));
        if (chain.deepBranchSize > 0) expect(fs.statSync(path.join(dir, BRANCH_FILE)).size).toBe(chain.deepBranchSize * 80);
      }
      if (r.reorg) {
        expect(r.reorg).toMatchObject({ forkHeight: forkAt, depth: N - forkAt, newTip: { height: N + 1, hashHex: fork.hashHexAt(N + 1) } });
        reorgSeen = true;
      }
      store.flush();
      expect(chain.memoryBytes()).toBeLessThanOrEqual(WINDOW_MAX_BYTES);
      expect(chain.sideHeaderCount).toBe(0);
    }
    expect(duplicates).toBe(forkAt - start);
    expect(reorgSeen).toBe(true);
    expect(chain.height).toBe(N + 1);
    expect(chain.deepBranchSize).toBe(0);
    expect(chain.hashAt(forkAt + 1)).toEqual(fork.hashAt(forkAt + 1));
    expect(chain.headerAt(forkAt)).toEqual(HEADERS[forkAt - 1]);
    expect(fs.statSync(path.join(dir, HEADERS_FILE)).size).toBe((N + 2) * 80);
    expect(fs.statSync(path.join(dir, BRANCH_FILE)).size).toBe(0);
    expect(chain.tipWork).toBe(2n * BigInt(N + 2));
  });

  test('re-open reads only the window: same tip, work and old headers; integrity check passes', () => {
    const tip = store.chain.tip.hashHex;
    const work = store.chain.tipWork;
    store.close();
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.tip.hashHex).toBe(tip);
    expect(store.chain.tipWork).toBe(work);
    expect(store.recovery.revalidated).toBeLessThan(2016);
    expect(store.chain.memoryBytes()).toBeLessThanOrEqual(WINDOW_MAX_BYTES);
    expect(hashToDisplay(store.chain.hashAt(1000))).toBe(hashToDisplay(HEADERS[1000].subarray(4, 36)));
    expect(store.chain.verifyIntegrity()).toBe(-1);
  });
});

describe('a serving chain (indexOldHashes, as `spv serve --datadir`): every old hash is found without a scan', () => {
  const dir = tmpDatadir();
  let store: HeaderStore;
  beforeAll(() => {
    store = HeaderStore.open({ datadir: dir, params: REG, indexOldHashes: true });
    syncInto(store, HEADERS);
  });
  afterAll(() => store.close());
  const hashOf = (h: number): Uint8Array => new Uint8Array(HEADERS[h].subarray(4, 36)); // hash of height h

  test('hashes never handed out, below the window, are found; the memory used is the window plus the index', () => {
    const chain = store.chain;
    expect(chain.memoryWindowStart).toBeGreaterThan(100_000);
    for (const h of [1, 2, 77_777, 123_456, chain.memoryWindowStart - 1]) expect(chain.heightOf(hashOf(h))).toBe(h);
    expect(hex(chain.headersAfterLocator([hashOf(77_777)], hashOf(77_780)))).toBe(hex(HEADERS.slice(77_777, 77_780)));
    expect(chain.heightOf(new Uint8Array(32).fill(7))).toBe(-1);
    // 8 B per slot, at most half full: <= 16 B per indexed header, and more than the window alone.
    expect(chain.memoryBytes()).toBeGreaterThan(WINDOW_MAX_BYTES);
    expect(chain.memoryBytes()).toBeLessThanOrEqual(WINDOW_MAX_BYTES + 4 * 16 * chain.memoryWindowStart);
  });

  test('after a reorg below the window, the old branch\'s hashes are not found and the new ones are', () => {
    const chain = store.chain;
    const forkAt = 150_000;
    const fork = new ChainBuilder(REG, { seed: 'serving-fork', spacing: 60 }, concatBytes([inMemory.headerAt(0), BYTES.subarray(0, forkAt * 80)]));
    fork.extend(N - forkAt + 40_000);
    const branch = splitHeaders(fork.bytes(forkAt + 1));
    for (let i = 0; i < branch.length; i += 2000) {
      const r = chain.acceptHeaders(branch.slice(i, i + 2000), FAR_FUTURE);
      expect(r.error).toBeUndefined();
      store.flush();
    }
    expect(chain.tip.hashHex).toBe(fork.hashHexAt(N + 40_000));
    expect(chain.memoryWindowStart).toBeGreaterThan(forkAt + 10_000);
    expect(chain.heightOf(hashOf(forkAt + 5_000))).toBe(-1); // the old chain's: stale entry, not matched
    expect(chain.heightOf(fork.hashAt(forkAt + 5_000))).toBe(forkAt + 5_000);
    expect(chain.heightOf(hashOf(forkAt - 5_000))).toBe(forkAt - 5_000);
  });

  test('re-opened, it indexes again', () => {
    const tip = store.chain.tip.hashHex;
    store.close();
    store = HeaderStore.open({ datadir: dir, params: REG, indexOldHashes: true });
    expect(store.chain.tip.hashHex).toBe(tip);
    expect(store.chain.heightOf(hashOf(4_321))).toBe(4_321);
  });
});
