// HeaderStore: the best chain on disk under a datadir lock (headers.dat: raw headers in
// height order; headers.sum: a SHA-256 per 2016-header segment), crash-safe appends and
// reorg truncation, fast re-open with torn-tail and tamper detection; StoredHeaders reads a
// datadir without the lock.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fromHex, hashToDisplay } from '../util/bytes.js';
import { fsyncDir } from '../util/atomic-file.js';
import { silentLog, type Log } from '../util/log.js';
import { DIGESTS_FILE, HEADERS_FILE } from './datadir.js';
import { StoreError } from './errors.js';
import { MEDIAN_TIME_SPAN, type NetworkParams } from '../params/networks.js';
import { blockHash, decodeHeader, HEADER_SIZE, headerBits, headerTime, MAX_HEADERS_PER_MSG } from './header.js';
import { cachedWork } from './pow.js';
import { HeaderChain, type HeaderChainOptions } from './header-chain.js';
import { DatadirLock } from './lock.js';

/** Headers per digest in headers.sum (one difficulty period). */
export const DIGEST_SEGMENT = 2016;
const DIGEST_SIZE = 32;

export interface OpenStoreOptions extends Omit<HeaderChainOptions, 'expectedHeaders'> {
  readonly datadir: string;
  readonly params: NetworkParams;
}

/** What opening the store had to repair. */
export interface StoreRecovery {
  /** Bytes of a torn last header that were cut off (a write interrupted by a crash). */
  readonly tornBytes: number;
  /** Headers re-validated on open (those not covered by a matching digest). */
  readonly revalidated: number;
  /** First digest segment whose bytes did not match its digest (corruption or tampering). */
  readonly digestMismatchSegment?: number;
  /** Height of the first stored header that failed validation; the file was cut back to it. */
  readonly invalidFrom?: number;
  /** The rule it broke. */
  readonly invalidReason?: string;
}

function sha256Parts(parts: readonly Uint8Array[]): Buffer {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function openRw(file: string): number {
  return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
}

function readExactly(fd: number, dst: Uint8Array, pos: number): void {
  let off = 0;
  while (off < dst.length) {
    const n = fs.readSync(fd, dst, off, dst.length - off, pos + off);
    if (n === 0) throw new Error(`unexpected end of file at byte ${pos + off}`);
    off += n;
  }
}

function writeAll(fd: number, src: Uint8Array, pos: number): void {
  let off = 0;
  while (off < src.length) off += fs.writeSync(fd, src, off, src.length - off, pos + off);
}


function readDigests(dfd: number, count: number): Uint8Array {
  const b = new Uint8Array(count * DIGEST_SIZE);
  if (count) readExactly(dfd, b, 0);
  return b;
}

interface Loaded {
  readonly chain: HeaderChain;
  readonly revalidated: number;
  readonly mismatch?: number;
  readonly invalidFrom?: number;
  readonly invalidReason?: string;
}

/**
 * Loads `count` stored headers: the prefix whose segments match their digests is adopted
 * without re-hashing; every header after it is validated like a header from a peer (except
 * the future-time limit: it was checked on arrival) and must extend the chain in file order.
 * Stops at the first invalid one.
 */
function loadChain(params: NetworkParams, datadir: string, hfd: number, count: number, digests: Uint8Array, opts: HeaderChainOptions & { log: Log }): Loaded {
  const { log } = opts;
  let mismatch: number | undefined;
  let restored: ReturnType<typeof HeaderChain.restore>;
  try {
    restored = HeaderChain.restore(
      params,
      count,
      (dst, first) => readExactly(hfd, dst, first * HEADER_SIZE),
      (chain) => {
        const full = Math.min(digests.length / DIGEST_SIZE, Math.floor(count / DIGEST_SEGMENT));
        for (let k = 0; k < full; k++) {
          const d = sha256Parts(chain.headerBytes(k * DIGEST_SEGMENT, (k + 1) * DIGEST_SEGMENT));
          if (!d.equals(digests.subarray(k * DIGEST_SIZE, (k + 1) * DIGEST_SIZE))) {
            mismatch = k;
            return k * DIGEST_SEGMENT;
          }
        }
        return full * DIGEST_SEGMENT;
      },
      opts,
    );
  } catch (err) {
    if (err instanceof Error && /genesis/.test(err.message))
      throw new StoreError('wrong_network', `datadir ${datadir} holds headers of another network than ${params.name} (${err.message})`);
    throw err;
  }
  const { chain, untrusted } = restored;
  if (mismatch !== undefined)
    log.warn(`headers file does not match its digest at segment ${mismatch}: re-validating from height ${mismatch * DIGEST_SEGMENT}`, { datadir });
  const trusted = chain.height + 1;
  const tail = untrusted.length / HEADER_SIZE;
  let invalidFrom: number | undefined;
  let invalidReason: string | undefined;
  for (let i = 0; i < tail && invalidFrom === undefined; i += MAX_HEADERS_PER_MSG) {
    const batch: Uint8Array[] = [];
    for (let j = i; j < Math.min(tail, i + MAX_HEADERS_PER_MSG); j++) batch.push(untrusted.subarray(j * HEADER_SIZE, (j + 1) * HEADER_SIZE));
    // Position k in the file must be height k: each batch has to extend the tip.
    if (!Buffer.from(batch[0].subarray(4, 36)).equals(chain.tip.hash)) {
      invalidFrom = trusted + i;
      invalidReason = 'prev_not_found';
      break;
    }
    const r = chain.acceptHeaders(batch, Number.MAX_SAFE_INTEGER);
    if (r.error) {
      invalidFrom = trusted + i + r.error.index;
      invalidReason = r.error.error.code;
    }
  }
  chain.takeRewind();
  if (invalidFrom !== undefined) log.warn(`stored header ${invalidFrom} is invalid (${invalidReason})`, { datadir });
  return {
    chain,
    revalidated: tail,
    ...(mismatch !== undefined ? { mismatch } : {}),
    ...(invalidFrom !== undefined ? { invalidFrom, invalidReason } : {}),
  };
}

/**
 * Appends are fdatasync'ed and a segment's digest is written only after the segment is
 * durable; a reorg truncates the digests, then the headers, then appends. Opening trusts
 * digest-verified segments (native SHA-256 over the bytes: ~0.1 s per million headers, where
 * re-hashing every header takes ~1 s) and fully re-validates everything after them; a torn
 * tail is cut back to the last whole header; a corrupted or edited headers.dat fails its
 * digest, is re-validated from that segment and cut back to its last valid header.
 * Trade-off: whoever also rewrites headers.sum to match an edited headers.dat passes the fast
 * open; HeaderChain.verifyIntegrity() (full re-hash and link check) still finds it.
 */
export class HeaderStore {
  readonly datadir: string;
  readonly chain: HeaderChain;
  readonly recovery: StoreRecovery;
  private readonly log: Log;
  private hfd: number;
  private dfd: number;
  private stored: number;
  private digests: number;
  private closed = false;

  private constructor(
    datadir: string,
    chain: HeaderChain,
    recovery: StoreRecovery,
    log: Log,
    private readonly lock: DatadirLock,
    hfd: number,
    dfd: number,
    stored: number,
    digests: number,
  ) {
    this.datadir = datadir;
    this.chain = chain;
    this.recovery = recovery;
    this.log = log;
    this.hfd = hfd;
    this.dfd = dfd;
    this.stored = stored;
    this.digests = digests;
  }

  /**
   * Opens (creating if needed) the datadir for writing: takes the lock, loads and checks the
   * stored best chain. Throws StoreError 'datadir_locked' when another process has it and
   * 'wrong_network' when the stored genesis is another network's.
   */
  static open(opts: OpenStoreOptions): HeaderStore {
    const { datadir, params } = opts;
    const log = opts.log ?? silentLog;
    fs.mkdirSync(datadir, { recursive: true });
    const lock = DatadirLock.acquire(datadir);
    let hfd = -1;
    let dfd = -1;
    try {
      const hpath = path.join(datadir, HEADERS_FILE);
      const dpath = path.join(datadir, DIGESTS_FILE);
      const existed = fs.existsSync(hpath);
      hfd = openRw(hpath);
      dfd = openRw(dpath);
      if (!existed) fsyncDir(datadir);
      // 1. Cut a torn tail back to the last whole header.
      let size = fs.fstatSync(hfd).size;
      const tornBytes = size % HEADER_SIZE;
      if (tornBytes) {
        size -= tornBytes;
        fs.ftruncateSync(hfd, size);
        fs.fdatasyncSync(hfd);
        log.warn(`headers file had a torn last header: cut ${tornBytes} bytes`, { datadir, tornBytes });
      }
      let count = size / HEADER_SIZE;
      if (count === 0) {
        writeAll(hfd, fromHex(params.genesis.headerHex), 0);
        fs.fdatasyncSync(hfd);
        count = 1;
      }
      // 2. Digests (a torn one is dropped).
      const dsize = fs.fstatSync(dfd).size;
      let digestCount = Math.floor(dsize / DIGEST_SIZE);
      if (dsize % DIGEST_SIZE) fs.ftruncateSync(dfd, digestCount * DIGEST_SIZE);
      // 3. Load: trust the digest-verified prefix, re-validate the rest.
      const loaded = loadChain(params, datadir, hfd, count, readDigests(dfd, digestCount), { log, maxSideHeaders: opts.maxSideHeaders });
      const { chain, mismatch, invalidFrom, invalidReason } = loaded;
      if (mismatch !== undefined) {
        digestCount = mismatch;
        fs.ftruncateSync(dfd, digestCount * DIGEST_SIZE);
        fs.fdatasyncSync(dfd);
      }
      const stored = chain.height + 1;
      if (invalidFrom !== undefined) {
        log.warn(`cutting the headers file back to height ${invalidFrom - 1}`, { datadir });
        fs.ftruncateSync(hfd, stored * HEADER_SIZE);
        fs.fdatasyncSync(hfd);
      }
      const tail = loaded.revalidated;
      const store = new HeaderStore(datadir, chain, {
        tornBytes,
        revalidated: tail,
        ...(mismatch !== undefined ? { digestMismatchSegment: mismatch } : {}),
        ...(invalidFrom !== undefined ? { invalidFrom, invalidReason } : {}),
      }, log, lock, hfd, dfd, stored, Math.min(digestCount, Math.floor(stored / DIGEST_SEGMENT)));
      if (store.digests < digestCount) {
        fs.ftruncateSync(dfd, store.digests * DIGEST_SIZE);
        fs.fdatasyncSync(dfd);
      }
      store.writeDigests();
      return store;
    } catch (err) {
      if (hfd >= 0) fs.closeSync(hfd);
      if (dfd >= 0) fs.closeSync(dfd);
      lock.release();
      throw err;
    }
  }

  /**
   * The stored best chain as a HeaderChain, read-only and without the lock (e.g. for
   * `spv serve --datadir` while another process syncs into it). Nothing is written: a torn
   * tail or an invalid header simply ends what is loaded.
   */
  static loadReadOnly(opts: OpenStoreOptions): HeaderChain {
    const { datadir, params } = opts;
    const open = (name: string): number => {
      try {
        return fs.openSync(path.join(datadir, name), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
        throw err;
      }
    };
    const hfd = open(HEADERS_FILE);
    if (hfd < 0) throw new StoreError('bad_datadir', `no headers stored in ${datadir} (missing ${HEADERS_FILE})`);
    const dfd = open(DIGESTS_FILE);
    try {
      const count = Math.floor(fs.fstatSync(hfd).size / HEADER_SIZE);
      if (count === 0) return new HeaderChain(params, opts);
      const digests = dfd < 0 ? new Uint8Array(0) : readDigests(dfd, Math.floor(fs.fstatSync(dfd).size / DIGEST_SIZE));
      return loadChain(params, datadir, hfd, count, digests, { ...opts, log: opts.log ?? silentLog }).chain;
    } finally {
      fs.closeSync(hfd);
      if (dfd >= 0) fs.closeSync(dfd);
    }
  }

  /** Height of the last header durably stored. */
  get storedHeight(): number {
    return this.stored - 1;
  }

  /**
   * Makes the file match the chain's best chain: truncates what a reorg replaced, appends
   * new headers, fdatasync, then records digests of newly completed segments. Call after
   * each accepted batch. Synchronous (a 2000-header batch is 160 kB and one fdatasync).
   */
  flush(): void {
    if (this.closed) throw new StoreError('store_closed', 'header store is closed');
    const chain = this.chain;
    let dirty = false;
    const rewind = chain.takeRewind();
    if (rewind !== undefined && rewind + 1 < this.stored) {
      // Digests first, so a crash never leaves a digest over headers that were replaced.
      const keep = Math.floor((rewind + 1) / DIGEST_SEGMENT);
      if (keep < this.digests) {
        this.digests = keep;
        fs.ftruncateSync(this.dfd, keep * DIGEST_SIZE);
        fs.fdatasyncSync(this.dfd);
      }
      this.stored = rewind + 1;
      fs.ftruncateSync(this.hfd, this.stored * HEADER_SIZE);
      dirty = true;
    }
    const target = chain.height + 1;
    if (target > this.stored) {
      let pos = this.stored * HEADER_SIZE;
      for (const part of chain.headerBytes(this.stored, target)) {
        writeAll(this.hfd, part, pos);
        pos += part.length;
      }
      dirty = true;
    }
    if (dirty) fs.fdatasyncSync(this.hfd);
    this.stored = target;
    this.writeDigests();
  }

  private writeDigests(): void {
    const full = Math.floor(this.stored / DIGEST_SEGMENT);
    if (full <= this.digests) return;
    for (let k = this.digests; k < full; k++) writeAll(this.dfd, sha256Parts(this.chain.headerBytes(k * DIGEST_SEGMENT, (k + 1) * DIGEST_SEGMENT)), k * DIGEST_SIZE);
    fs.fdatasyncSync(this.dfd);
    this.digests = full;
  }

  /** Flushes, closes the files and releases the datadir lock. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      fs.closeSync(this.hfd);
      fs.closeSync(this.dfd);
      this.lock.release();
    }
  }
}

/** A stored header as `spv headers` prints it. */
export interface StoredHeaderInfo {
  readonly height: number;
  readonly hash: string;
  readonly version: number;
  readonly prevBlock: string;
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  readonly raw: Uint8Array;
}

/**
 * Read-only access to a datadir's headers file without taking the lock (a running sync may
 * hold it): sees whole headers only, ignores a torn tail. Cheap to open: nothing is loaded.
 */
export class StoredHeaders {
  private constructor(
    private readonly fd: number,
    readonly file: string,
  ) {}

  static open(datadir: string): StoredHeaders {
    const file = path.join(datadir, HEADERS_FILE);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError('bad_datadir', `no headers stored in ${datadir} (missing ${HEADERS_FILE})`);
      throw err;
    }
    return new StoredHeaders(fd, file);
  }

  /** Number of whole headers in the file now. */
  get count(): number {
    return Math.floor(fs.fstatSync(this.fd).size / HEADER_SIZE);
  }

  get height(): number {
    return this.count - 1;
  }

  rawAt(height: number): Uint8Array {
    if (!Number.isInteger(height) || height < 0 || height >= this.count) throw new RangeError(`no stored header at height ${height} (tip is ${this.height})`);
    const b = new Uint8Array(HEADER_SIZE);
    readExactly(this.fd, b, height * HEADER_SIZE);
    return b;
  }

  at(height: number): StoredHeaderInfo {
    const raw = this.rawAt(height);
    const h = decodeHeader(raw);
    return {
      height,
      hash: hashToDisplay(blockHash(raw)),
      version: h.version,
      prevBlock: hashToDisplay(h.prevBlock),
      merkleRoot: hashToDisplay(h.merkleRoot),
      time: h.time,
      bits: h.bits,
      nonce: h.nonce,
      raw,
    };
  }

  /** Core GetMedianTimePast of the stored header at `height`. */
  medianTimePast(height: number): number {
    const times: number[] = [];
    for (let h = height; h >= 0 && times.length < MEDIAN_TIME_SPAN; h--) times.push(headerTime(this.rawAt(h)));
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }

  /** Cumulative work of stored heights 0..height (reads the file once, bits only). */
  chainWork(height = this.height): bigint {
    let total = 0n;
    let runBits = -1;
    let run = 0;
    const per = 16_384;
    const buf = new Uint8Array(per * HEADER_SIZE);
    for (let first = 0; first <= height; first += per) {
      const n = Math.min(per, height + 1 - first);
      readExactly(this.fd, buf.subarray(0, n * HEADER_SIZE), first * HEADER_SIZE);
      for (let i = 0; i < n; i++) {
        const b = headerBits(buf, i * HEADER_SIZE);
        if (b === runBits) run++;
        else {
          if (run) total += cachedWork(runBits) * BigInt(run);
          runBits = b;
          run = 1;
        }
      }
    }
    return run ? total + cachedWork(runBits) * BigInt(run) : total;
  }

  /** Height of the header with this wire-order hash, or -1 (scans the prevBlock fields). */
  heightOf(hash: Uint8Array): number {
    const count = this.count;
    if (count === 0 || hash.length !== 32) return -1;
    if (Buffer.from(blockHash(this.rawAt(count - 1))).equals(hash)) return count - 1;
    const want = Buffer.from(hash);
    const per = 16_384;
    const buf = Buffer.alloc(per * HEADER_SIZE);
    for (let first = 1; first < count; first += per) {
      const n = Math.min(per, count - first);
      readExactly(this.fd, buf.subarray(0, n * HEADER_SIZE), first * HEADER_SIZE);
      for (let i = 0; i < n; i++) {
        const o = i * HEADER_SIZE + 4;
        if (buf[o] === want[0] && buf.subarray(o, o + 32).equals(want)) return first + i - 1;
      }
    }
    return -1;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
