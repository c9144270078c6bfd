// Headers that are valid but not on the best chain: competing branches kept (bounded) until
// they win (reorg) or lose (evicted when the cap is reached, least work first). Only the
// best chain is ever persisted, so a peer feeding low-work forks costs us bounded memory.

export interface SideHeader {
  /** The 80 raw bytes (own copy). */
  readonly raw: Uint8Array;
  /** Block hash as 8 little-endian u32 words. */
  readonly hash: Uint32Array;
  readonly height: number;
  /** Cumulative chain work through this header. */
  readonly work: bigint;
  /** Insertion order, for stable tie-breaking. */
  readonly seq: number;
}

/** Side headers keyed by hash (bucketed on the hash's first word; full compare inside). */
export class SideBranches {
  private readonly buckets = new Map<number, SideHeader[]>();
  private count = 0;
  private nextSeq = 0;

  get size(): number {
    return this.count;
  }

  sequence(): number {
    return this.nextSeq++;
  }

  find(w: ArrayLike<number>, off = 0): SideHeader | undefined {
    if (this.count === 0) return undefined;
    const b = this.buckets.get(w[off] >>> 0);
    if (!b) return undefined;
    for (const s of b) {
      let k = 0;
      while (k < 8 && s.hash[k] === w[off + k] >>> 0) k++;
      if (k === 8) return s;
    }
    return undefined;
  }

  add(s: SideHeader): void {
    const key = s.hash[0];
    const b = this.buckets.get(key);
    if (b) b.push(s);
    else this.buckets.set(key, [s]);
    this.count++;
  }

  remove(s: SideHeader): boolean {
    const key = s.hash[0];
    const b = this.buckets.get(key);
    if (!b) return false;
    const i = b.indexOf(s);
    if (i < 0) return false;
    b.splice(i, 1);
    if (b.length === 0) this.buckets.delete(key);
    this.count--;
    return true;
  }

  *all(): IterableIterator<SideHeader> {
    for (const b of this.buckets.values()) yield* b;
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }
}
