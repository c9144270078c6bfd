// Where HeaderChain keeps what it does not hold in memory: the best chain's older headers
// (an archive of 80-byte headers at height x 80, HeaderStore's headers.dat) and one deep
// side branch (a competing branch that forks below the in-memory window or outgrows the
// in-memory side-branch cap). Interfaces plus the in-memory branch storage used without a datadir.
import { HEADER_SIZE } from './header.js';

/** Append-only storage of one side branch's raw headers, index 0 = the header above the fork. */
export interface BranchStorage {
  readonly count: number;
  append(raw: Uint8Array): void;
  /** Copies headers [index, index + n) into dst (n * 80 bytes). */
  read(dst: Uint8Array, index: number, n: number): void;
  clear(): void;
}

/**
 * The best chain on disk. HeaderChain only drops a header from memory once the archive
 * holds it durably, and reads it back from here when asked for it.
 */
export interface HeaderArchive {
  /** Best-chain headers durably stored: heights 0..storedCount()-1 equal the chain's. */
  storedCount(): number;
  /** Copies stored heights [first, first + n) into dst (n * 80 bytes). */
  read(dst: Uint8Array, first: number, n: number): void;
  /** Make every header the chain holds durable now (HeaderStore.flush). */
  persist(): void;
  /** Storage for the deep side branch. */
  readonly branch: BranchStorage;
}

/** BranchStorage in memory (chains without a datadir: tests, generated chains). */
export class MemoryBranchStorage implements BranchStorage {
  private readonly headers: Uint8Array[] = [];

  get count(): number {
    return this.headers.length;
  }

  append(raw: Uint8Array): void {
    this.headers.push(raw.slice(0, HEADER_SIZE));
  }

  read(dst: Uint8Array, index: number, n: number): void {
    if (index < 0 || index + n > this.headers.length) throw new RangeError(`branch has ${this.headers.length} headers, asked for [${index}, ${index + n})`);
    for (let i = 0; i < n; i++) dst.set(this.headers[index + i], i * HEADER_SIZE);
  }

  clear(): void {
    this.headers.length = 0;
  }
}
