// Block hashes pinned when a scan request is sent. Replies are checked against what was asked
// for (not against the chain of the moment), and a reply for blocks the best chain no longer
// holds is stale: a reorg happened meanwhile, the peer did not lie.
import { bytesEqual } from '../util/bytes.js';
import { SpvError } from '../util/errors.js';
import type { HeaderChain } from '../chain/header-chain.js';

/** A scan step's blocks left the best chain while it waited: redo it after the reorg. */
export class StaleScanError extends SpvError {
  constructor(message: string) {
    super('stale_scan', message);
  }
}

/** The block with `hash` is still the best chain's block at `height`. */
export function onBestChain(chain: HeaderChain, height: number, hash: Uint8Array): boolean {
  return height >= 0 && height <= chain.height && bytesEqual(chain.hashAt(height), hash);
}

/** The best chain's hashes of heights start..stop at the time of the request. */
export class PinnedRange {
  private readonly hashes: Uint8Array[] = [];

  constructor(
    private readonly chain: HeaderChain,
    readonly start: number,
    readonly stop: number,
  ) {
    for (let h = start; h <= stop; h++) this.hashes.push(chain.hashAt(h));
  }

  hashAt(height: number): Uint8Array {
    const h = this.hashes[height - this.start];
    if (!h) throw new RangeError(`height ${height} outside the pinned range ${this.start}..${this.stop}`);
    return h;
  }

  /** Every pinned block is still on the best chain (the top one is, so its ancestors are). */
  get isCurrent(): boolean {
    return onBestChain(this.chain, this.stop, this.hashAt(this.stop));
  }

  /** Throws StaleScanError when a reorg replaced any pinned block. */
  assertCurrent(what: string): void {
    if (!this.isCurrent) throw new StaleScanError(`${what}: blocks ${this.start}..${this.stop} left the best chain (reorg)`);
  }
}
