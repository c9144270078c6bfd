// HeaderStore on a real datadir: persist and reopen, torn-tail recovery and resume (also
// after a real SIGKILL mid-sync), digest-detected tampering, reorgs rewriting the file,
// the datadir lock (same process, another live process, a stale lock), wrong network,
// and read-only access while a writer holds the lock.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { ChainBuilder, generateChain, splitHeaders } from '../../src/chain/generate.js';
import { HeaderStore, StoredHeaders, DIGEST_SEGMENT } from '../../src/chain/header-store.js';
import { defaultDatadir, DIGESTS_FILE, HEADERS_FILE, LOCK_FILE } from '../../src/chain/datadir.js';
import { StoreError } from '../../src/chain/errors.js';
import { fromHex, hashToDisplay } from '../../src/util/bytes.js';
import { blockHash } from '../../src/chain/header.js';
import { MemoryLog } from '../../src/util/log.js';
import { ROOT } from '../helpers/cli.js';
import { FAR_FUTURE } from './helpers.js';

const REG = NETWORKS.regtest;
const dirs: string[] = [];
function tmpDatadir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'spv-store-'));
  dirs.push(d);
  return path.join(d, 'regtest');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const CHAIN = generateChain(REG, 6000, { seed: 'store' });
const HEADERS = splitHeaders(CHAIN); // HEADERS[i] is height i + 1

function sync(store: HeaderStore, from: number, to: number): void {
  for (let h = from; h <= to; h += 2000) {
    const r = store.chain.acceptHeaders(HEADERS.slice(h - 1, Math.min(to, h + 1999)), FAR_FUTURE);
    expect(r.error).toBeUndefined();
    store.flush();
  }
}

const fileSize = (dir: string, name: string): number => fs.statSync(path.join(dir, name)).size;

describe('persist and reopen', () => {
  test('a new datadir holds genesis; headers survive a restart; digests cover full segments', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(0);
    expect(fileSize(dir, HEADERS_FILE)).toBe(80);
    sync(store, 1, 5000);
    expect(store.storedHeight).toBe(5000);
    store.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(fileSize(dir, HEADERS_FILE)).toBe(5001 * 80);
    expect(fileSize(dir, DIGESTS_FILE)).toBe(Math.floor(5001 / DIGEST_SEGMENT) * 32);

    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(5000);
    expect(store.chain.tip.hashHex).toBe(hashToDisplay(store.chain.hashAt(5000)));
    expect(store.chain.heightOf(store.chain.hashAt(1234))).toBe(1234);
    expect(store.chain.tipWork).toBe(2n * 5001n);
    expect(store.recovery).toEqual({ tornBytes: 0, revalidated: 5001 - 2 * DIGEST_SEGMENT });
    sync(store, 5001, 6000);
    store.close();
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(6000);
    store.close();
  });

  test('torn tail: cut back to the last whole header, then resume', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 3000);
    store.close();
    const file = path.join(dir, HEADERS_FILE);
    fs.truncateSync(file, 3001 * 80 - 37); // a write of header 3000 interrupted after 43 bytes
    const log = new MemoryLog();
    store = HeaderStore.open({ datadir: dir, params: REG, log });
    expect(store.recovery.tornBytes).toBe(43);
    expect(store.chain.height).toBe(2999);
    expect(log.has(/torn/)).toBe(true);
    expect(fileSize(dir, HEADERS_FILE)).toBe(3000 * 80);
    sync(store, 3000, 3500);
    store.close();
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(3500);
    expect(store.recovery.tornBytes).toBe(0);
    store.close();
  });

  test('a torn digest file is cut back and rewritten', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 4500);
    store.close();
    fs.truncateSync(path.join(dir, DIGESTS_FILE), 32 + 7);
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(4500);
    expect(store.recovery.revalidated).toBe(4501 - DIGEST_SEGMENT);
    store.close();
    expect(fileSize(dir, DIGESTS_FILE)).toBe(64);
  });
});

describe('tampering is detected', () => {
  test('a changed byte inside a digested segment: mismatch found, file cut back to the last valid header', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 4500);
    store.close();
    const fd = fs.openSync(path.join(dir, HEADERS_FILE), 'r+');
    fs.writeSync(fd, Buffer.from([0x5a]), 0, 1, 1000 * 80 + 40); // merkle root of header 1000
    fs.closeSync(fd);
    const log = new MemoryLog();
    store = HeaderStore.open({ datadir: dir, params: REG, log });
    const rec = store.recovery;
    expect(rec.digestMismatchSegment).toBe(0);
    // Header 1000 itself may still meet regtest's easy target; then 1001 no longer links to it.
    expect([1000, 1001]).toContain(rec.invalidFrom);
    expect(['high_hash', 'headers_not_continuous']).toContain(rec.invalidReason);
    expect(store.chain.height).toBe(rec.invalidFrom! - 1);
    expect(fileSize(dir, HEADERS_FILE)).toBe(rec.invalidFrom! * 80);
    expect(fileSize(dir, DIGESTS_FILE)).toBe(0);
    expect(log.has(/digest/)).toBe(true);
    // Resync from the point of damage.
    const r = store.chain.acceptHeaders(HEADERS.slice(999, 2999), FAR_FUTURE);
    expect(r.error).toBeUndefined();
    store.flush();
    expect(store.chain.height).toBe(2999);
    expect(store.chain.headerAt(1000)).toEqual(HEADERS[999]);
    store.close();
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.chain.height).toBe(2999);
    expect(store.recovery.digestMismatchSegment).toBeUndefined();
    store.close();
  });

  test('a changed byte after the last digest is caught by re-validation', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 2500);
    store.close();
    const fd = fs.openSync(path.join(dir, HEADERS_FILE), 'r+');
    fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0x7f]), 0, 4, 2300 * 80 + 68); // time of 2300: far future is fine, but PoW/link break
    fs.closeSync(fd);
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.recovery.digestMismatchSegment).toBeUndefined();
    expect([2300, 2301]).toContain(store.recovery.invalidFrom);
    store.close();
  });

  test('rewriting headers.sum to match a tampered file defeats the fast open, not verifyIntegrity', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 4500);
    expect(store.chain.verifyIntegrity()).toBe(-1);
    store.close();
    const file = path.join(dir, HEADERS_FILE);
    const bytes = fs.readFileSync(file);
    bytes[1000 * 80 + 40] ^= 1;
    fs.writeFileSync(file, bytes);
    const sums = Buffer.concat([0, 1].map((k) => crypto.createHash('sha256').update(bytes.subarray(k * 2016 * 80, (k + 1) * 2016 * 80)).digest()));
    fs.writeFileSync(path.join(dir, DIGESTS_FILE), sums);
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.recovery.digestMismatchSegment).toBeUndefined();
    expect([1000, 1001]).toContain(store.chain.verifyIntegrity());
    store.close();
  });

  test('a missing digest file means a full re-validation, then digests are rewritten', () => {
    const dir = tmpDatadir();
    let store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 4500);
    store.close();
    fs.rmSync(path.join(dir, DIGESTS_FILE));
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.recovery.revalidated).toBe(4500);
    expect(store.chain.height).toBe(4500);
    store.close();
    expect(fileSize(dir, DIGESTS_FILE)).toBe(64);
  });
});

describe('reorgs on disk', () => {
  test.each([
    ['inside the digest-free tail', 4400],
    ['across a digest boundary', 1000],
  ])('a reorg %s truncates and appends; the reopened store has the new chain', (_name, forkAt) => {
    const dir = tmpDatadir();
    const main = new ChainBuilder(REG, { seed: 'disk-main' });
    main.extend(4500);
    const fork = main.fork(forkAt, { seed: 'disk-fork' });
    fork.extend(4600 - forkAt);
    let store = HeaderStore.open({ datadir: dir, params: REG });
    const put = (hs: Uint8Array[]) => {
      for (let i = 0; i < hs.length; i += 2000) {
        const r = store.chain.acceptHeaders(hs.slice(i, i + 2000), FAR_FUTURE);
        expect(r.error).toBeUndefined();
        store.flush();
      }
    };
    put(main.headers());
    put(fork.headers(forkAt + 1));
    expect(store.chain.tip.hashHex).toBe(fork.hashHexAt(4600));
    store.close();
    expect(fileSize(dir, HEADERS_FILE)).toBe(4601 * 80);
    store = HeaderStore.open({ datadir: dir, params: REG });
    expect(store.recovery.digestMismatchSegment).toBeUndefined();
    expect(store.recovery.invalidFrom).toBeUndefined();
    expect(store.chain.height).toBe(4600);
    expect(store.chain.tip.hashHex).toBe(fork.hashHexAt(4600));
    expect(hashToDisplay(store.chain.hashAt(forkAt + 1))).toBe(fork.hashHexAt(forkAt + 1));
    store.close();
  });
});

describe('the datadir lock', () => {
  const DIST_CHAIN = path.join(ROOT, 'dist/src/chain/index.js');
  const DIST_PARAMS = path.join(ROOT, 'dist/src/params/networks.js');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  /** A child process running `body` with { HeaderStore, generateChain, splitHeaders, REG, datadir } in scope. */
  function child(datadir: string, body: string): { proc: ChildProcess; waitFor: (re: RegExp) => Promise<RegExpMatchArray>; exited: Promise<number | null> } {
    const script = `
      const { HeaderStore, generateChain, splitHeaders } = await import(${JSON.stringify(DIST_CHAIN)});
      const { NETWORKS } = await import(${JSON.stringify(DIST_PARAMS)});
      const REG = NETWORKS.regtest; const datadir = ${JSON.stringify(datadir)};
      ${body}`;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
    const waitFor = (re: RegExp) =>
      new Promise<RegExpMatchArray>((res, rej) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            proc.stdout!.off('data', check);
            res(m);
          }
        };
        proc.stdout!.on('data', check);
        void exited.then((code) => rej(new Error(`child exited ${code} before ${re}: ${out} ${err}`)));
        check();
      });
    return { proc, waitFor, exited };
  }

  test('a second open in the same process refuses with a clear error', () => {
    const dir = tmpDatadir();
    const a = HeaderStore.open({ datadir: dir, params: REG });
    let err: unknown;
    try {
      HeaderStore.open({ datadir: dir, params: REG });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('datadir_locked');
    expect((err as StoreError).message).toMatch(new RegExp(`in use by process ${process.pid}`));
    a.close();
    HeaderStore.open({ datadir: dir, params: REG }).close();
  });

  test('another live process holds it: refused; once that process is killed (-9) the stale lock is taken over', async () => {
    const dir = tmpDatadir();
    const c = child(dir, `const s = HeaderStore.open({ datadir, params: REG }); console.log('locked ' + process.pid); setInterval(() => {}, 1000);`);
    const [, pid] = await c.waitFor(/locked (\d+)/);
    expect(() => HeaderStore.open({ datadir: dir, params: REG })).toThrow(new RegExp(`in use by process ${pid}`));
    c.proc.kill('SIGKILL');
    await c.exited;
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(pid);
    const s = HeaderStore.open({ datadir: dir, params: REG });
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    s.close();
  });

  test('killed with SIGKILL in the middle of a sync: the next open recovers and resumes', async () => {
    // Small batches, each flushed (write + fdatasync): SIGKILL lands at an arbitrary point,
    // often inside a write. Whatever it hit, the reopened store must be a valid prefix.
    const dir = tmpDatadir();
    const total = 20_000;
    const c = child(
      dir,
      `const s = HeaderStore.open({ datadir, params: REG });
       const hs = splitHeaders(generateChain(REG, ${total}, { seed: 'kill' }));
       for (let h = s.chain.height + 1; h <= ${total}; h += 50) {
         s.chain.acceptHeaders(hs.slice(h - 1, h + 49), 4e9); s.flush(); console.log('flushed ' + s.storedHeight);
       }
       setInterval(() => {}, 1000);`,
    );
    const [, flushed] = await c.waitFor(/flushed (\d{4,})/);
    c.proc.kill('SIGKILL');
    await c.exited;
    const all = splitHeaders(generateChain(REG, total, { seed: 'kill' }));
    const store = HeaderStore.open({ datadir: dir, params: REG });
    const h = store.chain.height;
    expect(h).toBeGreaterThanOrEqual(Number(flushed));
    expect(store.recovery.invalidFrom).toBeUndefined();
    expect(store.chain.headerAt(h)).toEqual(all[h - 1]);
    expect(store.chain.verifyIntegrity()).toBe(-1);
    for (let k = h + 1; k <= total; k += 2000) expect(store.chain.acceptHeaders(all.slice(k - 1, k + 1999), FAR_FUTURE).error).toBeUndefined();
    store.flush();
    expect(store.chain.height).toBe(total);
    store.close();
  });
});

describe('other networks and read-only access', () => {
  test('a datadir of another network is refused', () => {
    const dir = tmpDatadir();
    HeaderStore.open({ datadir: dir, params: REG }).close();
    expect(() => HeaderStore.open({ datadir: dir, params: NETWORKS.testnet3 })).toThrow(expect.objectContaining({ code: 'wrong_network' }));
    // The refusal released the lock.
    HeaderStore.open({ datadir: dir, params: REG }).close();
  });

  test('StoredHeaders reads while a writer holds the lock, and ignores a torn tail', () => {
    const dir = tmpDatadir();
    const store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 2100);
    const ro = StoredHeaders.open(dir);
    expect(ro.height).toBe(2100);
    expect(ro.at(2100).hash).toBe(store.chain.tip.hashHex);
    expect(ro.at(7).raw).toEqual(HEADERS[6]);
    expect(ro.heightOf(store.chain.hashAt(1500))).toBe(1500);
    expect(ro.heightOf(store.chain.hashAt(2100))).toBe(2100);
    expect(ro.heightOf(store.chain.hashAt(0))).toBe(0);
    expect(ro.heightOf(new Uint8Array(32).fill(3))).toBe(-1);
    expect(ro.chainWork()).toBe(store.chain.tipWork);
    expect(ro.medianTimePast(2100)).toBe(store.chain.medianTimePast(2100));
    fs.appendFileSync(path.join(dir, HEADERS_FILE), Buffer.alloc(30));
    expect(ro.height).toBe(2100);
    ro.close();
    store.close();
    expect(() => StoredHeaders.open(path.join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'bad_datadir' }));
  });

  test('StoredHeaders.heightOf scans headers.dat in 16,384-header reads: hits at every read boundary, in a partial last read, and misses', () => {
    // `spv headers get <hash>` below the memory window: the hash of height h is the prevBlock
    // field of header h + 1, found by a sequential scan (three reads for 40,001 headers).
    const n = 40_000;
    const bytes = generateChain(REG, n, { seed: 'heightOf-scan' });
    const dir = tmpDatadir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, HEADERS_FILE), Buffer.concat([fromHex(REG.genesis.headerHex), bytes]));
    const rawAt = (h: number): Uint8Array => (h === 0 ? fromHex(REG.genesis.headerHex) : bytes.subarray((h - 1) * 80, h * 80));
    const ro = StoredHeaders.open(dir);
    try {
      expect(ro.height).toBe(n);
      // 16,383 / 16,384: the last hash in the first read and the first in the second; 32,767 /
      // 32,768 the same for the second and third; 39,999: the partial last read; 40,000: the tip.
      for (const h of [0, 1, 9_999, 16_382, 16_383, 16_384, 16_385, 32_767, 32_768, 39_998, 39_999, 40_000]) {
        expect({ h, found: ro.heightOf(blockHash(rawAt(h))) }).toEqual({ h, found: h });
      }
      // Not stored: a hash that shares its first byte with a stored one, a made-up one, a bad length.
      const near = Uint8Array.from(blockHash(rawAt(20_000)));
      near[31] ^= 1;
      expect(ro.heightOf(near)).toBe(-1);
      expect(ro.heightOf(new Uint8Array(32).fill(7))).toBe(-1);
      expect(ro.heightOf(new Uint8Array(31))).toBe(-1);
    } finally {
      ro.close();
    }
  });

  test('loadReadOnly: the stored chain without the lock and without writing', () => {
    const dir = tmpDatadir();
    const store = HeaderStore.open({ datadir: dir, params: REG });
    sync(store, 1, 4100);
    const chain = HeaderStore.loadReadOnly({ datadir: dir, params: REG });
    expect(chain.height).toBe(4100);
    expect(chain.tip.hashHex).toBe(store.chain.tip.hashHex);
    fs.appendFileSync(path.join(dir, HEADERS_FILE), HEADERS[4100].subarray(0, 50)); // a writer mid-append
    const sizeBefore = fileSize(dir, HEADERS_FILE);
    expect(HeaderStore.loadReadOnly({ datadir: dir, params: REG }).height).toBe(4100);
    expect(fileSize(dir, HEADERS_FILE)).toBe(sizeBefore);
    store.close();
    expect(() => HeaderStore.loadReadOnly({ datadir: path.join(dir, 'nope'), params: REG })).toThrow(expect.objectContaining({ code: 'bad_datadir' }));
  });

  test('default datadir is ~/.spv/<network>', () => {
    expect(defaultDatadir(NETWORKS.testnet4, '/home/x')).toBe('/home/x/.spv/testnet4');
    expect(defaultDatadir(REG)).toBe(path.join(os.homedir(), '.spv', 'regtest'));
  });
});
