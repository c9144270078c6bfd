// Where a network's data lives: ~/.spv/<network>/ by default (one directory per network,
// like Core's datadir layout), and the names of the files inside it.
import os from 'node:os';
import path from 'node:path';
import type { NetworkParams } from '../params/networks.js';

/** Raw 80-byte headers of the best chain, height order, genesis first. */
export const HEADERS_FILE = 'headers.dat';
/** SHA-256 of each full DIGEST_SEGMENT-header segment of HEADERS_FILE, 32 bytes each. */
export const DIGESTS_FILE = 'headers.sum';
/** Cumulative chain work through the end of each full DIGEST_SEGMENT-header segment, 32 bytes big-endian each. */
export const WORK_FILE = 'headers.work';
/** Headers of the deep side branch being followed (a cache: dropped on open, never fsync'ed). */
export const BRANCH_FILE = 'branch.dat';
/** Holds the pid of the process that has the datadir open for writing (Core uses `.lock` too). */
export const LOCK_FILE = '.lock';

export function defaultDatadir(params: Pick<NetworkParams, 'name'>, home = os.homedir()): string {
  return path.join(home, '.spv', params.name);
}
