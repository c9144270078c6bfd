// Where `spv watch` keeps its state inside the datadir (under the header store's lock):
// watch.json — watched scripts, scan height, history and unspent outputs — replaced atomically
// (write temp, fsync, rename); filter-headers.dat — BIP157 filter headers, 32 bytes per height
// from `filterBase`, appended and fdatasync'ed, a torn tail cut back on open.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { WalletSnapshot, WatchedScript } from './wallet.js';

export const WATCH_FILE = 'watch.json';
export const FILTER_HEADERS_FILE = 'filter-headers.dat';
const FH = 32;

export interface WatchStateFile {
  readonly version: 1;
  readonly network: string;
  readonly watched: readonly WatchedScript[];
  /** Blocks below this were never scanned (--from-height). */
  readonly fromHeight: number;
  /** Last block whose filter was checked (and, on a match, whose block was applied). */
  readonly scanHeight: number;
  /** Its hash (display), to notice a reorg that happened while we were not running. */
  readonly scanHash: string | null;
  /** Height of the first filter header in filter-headers.dat. */
  readonly filterBase: number;
  readonly wallet: WalletSnapshot;
}

export class WatchStore {
  private fd: number;
  private count: number;
  /** Bytes of a torn last record cut on open. */
  readonly tornBytes: number;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, FILTER_HEADERS_FILE);
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    const size = fs.fstatSync(this.fd).size;
    this.tornBytes = size % FH;
    if (this.tornBytes) {
      fs.ftruncateSync(this.fd, size - this.tornBytes);
      fs.fdatasyncSync(this.fd);
    }
    this.count = Math.floor(size / FH);
  }

  readState(): WatchStateFile | undefined {
    const file = path.join(this.dir, WATCH_FILE);
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as WatchStateFile;
  }

  writeState(state: WatchStateFile): void {
    writeFileAtomic(path.join(this.dir, WATCH_FILE), `${JSON.stringify(state)}\n`);
  }

  /** Stored filter headers (relative to filterBase). */
  get filterHeaderCount(): number {
    return this.count;
  }

  readFilterHeaders(): Uint8Array[] {
    const buf = Buffer.alloc(this.count * FH);
    if (buf.length) fs.readSync(this.fd, buf, 0, buf.length, 0);
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.count; i++) out.push(new Uint8Array(buf.buffer, buf.byteOffset + i * FH, FH));
    return out;
  }

  /** Keep the first `n` records, then append `headers`, durably. */
  writeFilterHeaders(n: number, headers: readonly Uint8Array[]): void {
    if (n < this.count) fs.ftruncateSync(this.fd, n * FH);
    this.count = Math.min(n, this.count);
    if (headers.length) {
      const buf = Buffer.concat(headers.map((h) => Buffer.from(h.buffer, h.byteOffset, h.byteLength)));
      fs.writeSync(this.fd, buf, 0, buf.length, this.count * FH);
      this.count += headers.length;
    }
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
