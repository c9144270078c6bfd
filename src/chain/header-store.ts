// HeaderStore: the best chain on disk under a datadir lock (headers.dat: raw headers in
// height order; headers.sum: a SHA-256 per 2016-header segment; headers.work: the chain work
// through each segment), crash-safe appends and reorg truncation, re-open in time independent
// of the chain's length (only the window loaded into memory is digest-checked), torn-tail and
// tamper detection; it is the HeaderChain's archive, so old headers are read back from disk.
// StoredHeaders reads a datadir without the lock.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fromHex, hashToDisplay } from '../util/bytes.js';
import { fsyncDir } from '../util/atomic-file.js';
import { silentLog, type Log } from '../util/log.js';
import { BRANCH_FILE, DIGESTS_FILE, HEADERS_FILE, WORK_FILE } from './datadir.js';
import { StoreError } from './errors.js';
import { MEDIAN_TIME_SPAN, type NetworkParams } from '../params/networks.js';
import { blockHash, decodeHeader, HEADER_SIZE, headerBits, headerTime, MAX_HEADERS_PER_MSG } from './header.js';
import { cachedWork } from './pow.js';
import { HeaderChain, KEEP_CHUNKS, type HeaderChainOptions } from './header-chain.js';
import { MemoryBranchStorage, type BranchStorage, type HeaderArchive } from './archive.js';
import { DatadirLock } from './lock.js';

/** Headers per digest in headers.sum (one difficulty period). */
export const DIGEST_SEGMENT = 2016;
const DIGEST_SIZE = 32;
const WORK_SIZE = 32;
/** HeaderChain's chunk size (16,384 headers): the loaded window is KEEP_CHUNKS of them. */
const CHUNK_HEADERS = 1 << 14;

export interface OpenStoreOptions extends Omit<HeaderChainOptions, 'expectedHeaders' | 'archive'> {
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

function readRecords(fd: number, size: number): Uint8Array {
  const count = Math.floor(fs.fstatSync(fd).size / size);
  const b = new Uint8Array(count * size);
  if (count) readExactly(fd, b, 0);
  return b;
}

function workToBytes(work: bigint): Uint8Array {
  const out = new Uint8Array(WORK_SIZE);
  for (let i = WORK_SIZE - 1; i >= 0; i--) {
    out[i] = Number(work & 0xffn);
    work >>= 8n;
  }
  return out;
}

function workFromBytes(b: Uint8Array, off: number): bigint {
  let x = 0n;
  for (let i = 0; i < WORK_SIZE; i++) x = (x << 8n) | BigInt(b[off + i]);
  return x;
}

function segmentWork(bytes: readonly Uint8Array[]): bigint {
  let total = 0n;
  for (const part of bytes) for (let o = 0; o < part.length; o += HEADER_SIZE) total += cachedWork(headerBits(part, o));
  return total;
}

/** branch.dat: the deep side branch's headers, appended without fsync (a cache, dropped on open). */
class FileBranchStorage implements BranchStorage {
  count = 0;
  constructor(private readonly fd: number) {}
  append(raw: Uint8Array): void {
    writeAll(this.fd, raw.subarray(0, HEADER_SIZE), this.count * HEADER_SIZE);
    this.count++;
  }
  read(dst: Uint8Array, index: number, n: number): void {
    if (index < 0 || index + n > this.count) throw new RangeError(`branch has ${this.count} headers, asked for [${index}, ${index + n})`);
    readExactly(this.fd, dst.subarray(0, n * HEADER_SIZE), index * HEADER_SIZE);
  }
  clear(): void {
    this.count = 0;
    fs.ftruncateSync(this.fd, 0);
  }
}

/** headers.dat as the chain's archive: `stored` headers are durable and equal the chain's. */
class FileArchive implements HeaderArchive {
  stored = 0;
  onPersist: () => void = () => {};
  constructor(
    private readonly fd: number,
    readonly branch: BranchStorage,
  ) {}
  storedCount(): number {
    return this.stored;
  }
  read(dst: Uint8Array, first: number, n: number): void {
    if (first + n > this.stored) throw new RangeError(`headers [${first}, ${first + n}) are not stored (have ${this.stored})`);
    readExactly(this.fd, dst.subarray(0, n * HEADER_SIZE), first * HEADER_SIZE);
  }
  persist(): void {
    this.onPersist();
  }
}

interface Loaded {
  readonly chain: HeaderChain;
  readonly revalidated: number;
  /** Full segments whose digest and work records stay valid. */
  readonly segments: number;
  readonly mismatch?: number;
  readonly invalidFrom?: number;
  readonly invalidReason?: string;
}

/**
 * Loads `count` stored headers. The prefix covered by digest and work records is adopted
 * without reading it: only the segments inside the window HeaderChain loads are checked
 * (digest of the bytes, and the work record against the bits), so the cost does not grow
 * with the chain. Every header after that prefix is validated like a header from a peer
 * (except the future-time limit: it was checked on arrival) and must extend the chain in
 * file order. Stops at the first invalid one.
 */
function loadChain(
  params: NetworkParams,
  datadir: string,
  archive: FileArchive,
  hfd: number,
  count: number,
  digests: Uint8Array,
  works: Uint8Array,
  opts: Omit<HeaderChainOptions, 'archive'> & { log: Log },
): Loaded {
  const { log } = opts;
  let segments = Math.min(digests.length / DIGEST_SIZE, works.length / WORK_SIZE, Math.floor(count / DIGEST_SEGMENT));
  let mismatch: number | undefined;
  const windowStart = (trusted: number): number => Math.max(0, ((trusted - 1) >>> 14) - (KEEP_CHUNKS - 1)) * CHUNK_HEADERS;
  const buf = new Uint8Array(DIGEST_SEGMENT * HEADER_SIZE);
  for (let k = segments - 1; k >= 0 && (k + 1) * DIGEST_SEGMENT > windowStart(segments * DIGEST_SEGMENT); k--) {
    readExactly(hfd, buf, k * DIGEST_SEGMENT * HEADER_SIZE);
    const before = k === 0 ? 0n : workFromBytes(works, (k - 1) * WORK_SIZE);
    const digestOk = sha256Parts([buf]).equals(digests.subarray(k * DIGEST_SIZE, (k + 1) * DIGEST_SIZE));
    if (!digestOk || workFromBytes(works, k * WORK_SIZE) !== before + segmentWork([buf])) {
      mismatch = k;
      segments = k;
    }
  }
  const trusted = Math.max(1, segments * DIGEST_SEGMENT);
  const kept = segments;
  const workBefore = (k: number): bigint => {
    if (k > kept) throw new RangeError(`no work record for segment ${k - 1}`);
    return k === 0 ? 0n : workFromBytes(works, (k - 1) * WORK_SIZE);
  };
  archive.stored = trusted;
  let chain: HeaderChain;
  try {
    chain = HeaderChain.restore(params, archive, trusted, workBefore, opts);
  } catch (err) {
    if (err instanceof Error && /genesis/.test(err.message))
      throw new StoreError('wrong_network', `datadir ${datadir} holds headers of another network than ${params.name} (${err.message})`);
    throw err;
  }
  if (mismatch !== undefined)
    log.warn(`headers file does not match its digest at segment ${mismatch}: re-validating from height ${mismatch * DIGEST_SEGMENT}`, { datadir });
  let invalidFrom: number | undefined;
  let invalidReason: string | undefined;
  const batchBytes = new Uint8Array(MAX_HEADERS_PER_MSG * HEADER_SIZE);
  for (let h = trusted; h < count && invalidFrom === undefined; h += MAX_HEADERS_PER_MSG) {
    const k = Math.min(MAX_HEADERS_PER_MSG, count - h);
    readExactly(hfd, batchBytes.subarray(0, k * HEADER_SIZE), h * HEADER_SIZE);
    const batch: Uint8Array[] = [];
    for (let j = 0; j < k; j++) batch.push(batchBytes.subarray(j * HEADER_SIZE, (j + 1) * HEADER_SIZE));
    // Position k in the file must be height k: each batch has to extend the tip.
    if (!Buffer.from(batch[0].subarray(4, 36)).equals(chain.tip.hash)) {
      invalidFrom = h;
      invalidReason = 'prev_not_found';
      break;
    }
    const r = chain.acceptHeaders(batch, Number.MAX_SAFE_INTEGER);
    archive.stored = chain.height + 1; // these bytes are already in the file
    if (r.error) {
      invalidFrom = h + r.error.index;
      invalidReason = r.error.error.code;
    }
  }
  chain.takeRewind();
  if (invalidFrom !== undefined) log.warn(`stored header ${invalidFrom} is invalid (${invalidReason})`, { datadir });
  return {
    chain,
    revalidated: Math.max(0, count - trusted),
    segments: Math.min(segments, Math.floor((chain.height + 1) / DIGEST_SEGMENT)),
    ...(mismatch !== undefined ? { mismatch } : {}),
    ...(invalidFrom !== undefined ? { invalidFrom, invalidReason } : {}),
  };
}

/**
 * Appends are fdatasync'ed; a segment's digest and work records are written only after the
 * segment is durable; a reorg truncates the records, then the headers, then appends.
 * Opening trusts the records and checks only the segments of the window it loads (the last
 * 16,384-32,768 headers): re-open time does not grow with the chain. Everything after the
 * records is re-validated; a torn tail is cut back to the last whole header; a corrupted or
 * edited header in the loaded window fails its digest and is re-validated from that segment.
 * Trade-off: an edit to an older segment (or one matched by rewritten records) passes the
 * open; HeaderChain.verifyIntegrity() (full re-hash and link check, reading the whole file)
 * still finds it.
 */
export class HeaderStore {
  readonly datadir: string;
  readonly chain: HeaderChain;
  readonly recovery: StoreRecovery;
  private readonly log: Log;
  private readonly archive: FileArchive;
  private digests: number;
  private closed = false;

  private constructor(
    datadir: string,
    chain: HeaderChain,
    recovery: StoreRecovery,
    log: Log,
    private readonly lock: DatadirLock,
    private readonly hfd: number,
    private readonly dfd: number,
    private readonly wfd: number,
    private readonly bfd: number,
    archive: FileArchive,
    digests: number,
  ) {
    this.datadir = datadir;
    this.chain = chain;
    this.recovery = recovery;
    this.log = log;
    this.archive = archive;
    this.digests = digests;
    archive.onPersist = () => {
      if (!this.closed) this.flush();
    };
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
    const fds: number[] = [];
    try {
      const hpath = path.join(datadir, HEADERS_FILE);
      const existed = fs.existsSync(hpath);
      const [hfd, dfd, wfd, bfd] = [HEADERS_FILE, DIGESTS_FILE, WORK_FILE, BRANCH_FILE].map((name) => {
        const fd = openRw(path.join(datadir, name));
        fds.push(fd);
        return fd;
      }) as [number, number, number, number];
      if (!existed) fsyncDir(datadir);
      fs.ftruncateSync(bfd, 0); // a deep branch of a previous run: peers offer it again
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
      // 2. Digest and work records (torn ones are dropped below, with everything not kept).
      const archive = new FileArchive(hfd, new FileBranchStorage(bfd));
      // 3. Load: trust the records, check the loaded window, re-validate the rest.
      const loaded = loadChain(params, datadir, archive, hfd, count, readRecords(dfd, DIGEST_SIZE), readRecords(wfd, WORK_SIZE), { log, maxSideHeaders: opts.maxSideHeaders, indexOldHashes: opts.indexOldHashes });
      const { chain, mismatch, invalidFrom, invalidReason } = loaded;
      const stored = chain.height + 1;
      if (invalidFrom !== undefined) {
        log.warn(`cutting the headers file back to height ${invalidFrom - 1}`, { datadir });
        fs.ftruncateSync(hfd, stored * HEADER_SIZE);
        fs.fdatasyncSync(hfd);
      }
      archive.stored = stored;
      for (const [fd, size] of [
        [dfd, DIGEST_SIZE],
        [wfd, WORK_SIZE],
      ] as const) {
        if (fs.fstatSync(fd).size !== loaded.segments * size) {
          fs.ftruncateSync(fd, loaded.segments * size);
          fs.fdatasyncSync(fd);
        }
      }
      const store = new HeaderStore(
        datadir,
        chain,
        {
          tornBytes,
          revalidated: loaded.revalidated,
          ...(mismatch !== undefined ? { digestMismatchSegment: mismatch } : {}),
          ...(invalidFrom !== undefined ? { invalidFrom, invalidReason } : {}),
        },
        log,
        lock,
        hfd,
        dfd,
        wfd,
        bfd,
        archive,
        loaded.segments,
      );
      store.writeDigests();
      return store;
    } catch (err) {
      for (const fd of fds) fs.closeSync(fd);
      lock.release();
      throw err;
    }
  }

  /**
   * The stored best chain as a HeaderChain, read-only and without the lock (e.g. for
   * `spv serve --datadir` while another process syncs into it). Nothing is written: a torn
   * tail or an invalid header simply ends what is loaded. The headers file stays open for
   * the chain's reads of old headers.
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
    const wfd = open(WORK_FILE);
    try {
      const count = Math.floor(fs.fstatSync(hfd).size / HEADER_SIZE);
      if (count === 0) {
        fs.closeSync(hfd);
        return new HeaderChain(params, opts);
      }
      const digests = dfd < 0 ? new Uint8Array(0) : readRecords(dfd, DIGEST_SIZE);
      const works = wfd < 0 ? new Uint8Array(0) : readRecords(wfd, WORK_SIZE);
      const archive = new FileArchive(hfd, new MemoryBranchStorage());
      return loadChain(params, datadir, archive, hfd, count, digests, works, { ...opts, log: opts.log ?? silentLog }).chain;
    } catch (err) {
      fs.closeSync(hfd);
      throw err;
    } finally {
      if (dfd >= 0) fs.closeSync(dfd);
      if (wfd >= 0) fs.closeSync(wfd);
    }
  }

  /** Height of the last header durably stored. */
  get storedHeight(): number {
    return this.archive.stored - 1;
  }

  /**
   * Makes the file match the chain's best chain: truncates what a reorg replaced, appends
   * new headers, fdatasync, then records digests and work of newly completed segments. Call
   * after each accepted batch (the chain also calls it before old headers leave memory).
   * Synchronous (a 2000-header batch is 160 kB and one fdatasync).
   */
  flush(): void {
    if (this.closed) throw new StoreError('store_closed', 'header store is closed');
    const chain = this.chain;
    const archive = this.archive;
    let dirty = false;
    const rewind = chain.takeRewind();
    if (rewind !== undefined && rewind + 1 < archive.stored) {
      // Records first, so a crash never leaves a digest over headers that were replaced.
      const keep = Math.floor((rewind + 1) / DIGEST_SEGMENT);
      if (keep < this.digests) {
        this.digests = keep;
        for (const [fd, size] of [
          [this.dfd, DIGEST_SIZE],
          [this.wfd, WORK_SIZE],
        ] as const) {
          fs.ftruncateSync(fd, keep * size);
          fs.fdatasyncSync(fd);
        }
      }
      archive.stored = rewind + 1;
      fs.ftruncateSync(this.hfd, archive.stored * HEADER_SIZE);
      dirty = true;
    }
    const target = chain.height + 1;
    if (target > archive.stored) {
      let pos = archive.stored * HEADER_SIZE;
      for (const part of chain.headerBytes(archive.stored, target)) {
        writeAll(this.hfd, part, pos);
        pos += part.length;
      }
      dirty = true;
    }
    if (dirty) fs.fdatasyncSync(this.hfd);
    archive.stored = target;
    this.writeDigests();
  }

  private writeDigests(): void {
    const full = Math.floor(this.archive.stored / DIGEST_SEGMENT);
    if (full <= this.digests) return;
    for (let k = this.digests; k < full; k++) {
      writeAll(this.wfd, workToBytes(this.chain.workAt((k + 1) * DIGEST_SEGMENT - 1)), k * WORK_SIZE);
      writeAll(this.dfd, sha256Parts(this.chain.headerBytes(k * DIGEST_SEGMENT, (k + 1) * DIGEST_SEGMENT)), k * DIGEST_SIZE);
    }
    fs.fdatasyncSync(this.wfd);
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
      for (const fd of [this.hfd, this.dfd, this.wfd, this.bfd]) fs.closeSync(fd);
      fs.rmSync(path.join(this.datadir, BRANCH_FILE), { force: true });
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

  /**
   * Cumulative work of stored heights 0..height: the work record of the last full segment
   * below it (headers.work, written by the store) plus the bits after it, so at most 2,015
   * headers are read; without records, the whole file's bits.
   */
  chainWork(height = this.height): bigint {
    let total = 0n;
    let first = 0;
    const records = this.workRecords(Math.floor((height + 1) / DIGEST_SEGMENT));
    if (records.length > 0) {
      const k = records.length / WORK_SIZE;
      total = workFromBytes(records, (k - 1) * WORK_SIZE);
      first = k * DIGEST_SEGMENT;
    }
    const per = 16_384;
    const buf = new Uint8Array(per * HEADER_SIZE);
    for (; first <= height; first += per) {
      const n = Math.min(per, height + 1 - first);
      readExactly(this.fd, buf.subarray(0, n * HEADER_SIZE), first * HEADER_SIZE);
      for (let i = 0; i < n; i++) total += cachedWork(headerBits(buf, i * HEADER_SIZE));
    }
    return total;
  }

  /** The first `segments` work records (fewer if the file has fewer), or none. */
  private workRecords(segments: number): Uint8Array {
    let fd: number;
    try {
      fd = fs.openSync(path.join(path.dirname(this.file), WORK_FILE), 'r');
    } catch {
      return new Uint8Array(0);
    }
    try {
      const k = Math.min(segments, Math.floor(fs.fstatSync(fd).size / WORK_SIZE));
      const b = new Uint8Array(k * WORK_SIZE);
      if (k) readExactly(fd, b, 0);
      return b;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Height of the header with this wire-order hash, or -1: the tip, else a scan of the
   * prevBlock fields (a sequential read of 80 B per header; see README for the cost at 5 M).
   */
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
