// Small bounded containers for the gossip logic: a capped orphan pool indexed by missing
// parent, and a token bucket for flood control (the recently-seen set is util/bounded-set.ts).
import type { ToyBlock } from './block.js';

export interface Orphan {
  readonly block: ToyBlock;
  readonly from: number;
  /** Arrived unsolicited (to be relayed once connected), rather than in a chain reply. */
  readonly gossip: boolean;
}

/** Valid-PoW blocks whose parent we lack, until the parent arrives. Oldest evicted first. */
export class OrphanPool {
  private readonly byHash = new Map<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();
  constructor(readonly capacity: number) {}
  get size(): number {
    return this.byHash.size;
  }
  has(hash: string): boolean {
    return this.byHash.has(hash);
  }
  add(o: Orphan): void {
    if (this.byHash.has(o.block.hash)) return;
    this.byHash.set(o.block.hash, o);
    let kids = this.byParent.get(o.block.prev_hash);
    if (!kids) this.byParent.set(o.block.prev_hash, (kids = new Set()));
    kids.add(o.block.hash);
    if (this.byHash.size > this.capacity) this.remove(this.byHash.keys().next().value as string);
  }
  /** Remove and return the orphans waiting for this parent. */
  takeChildren(parentHash: string): Orphan[] {
    const kids = this.byParent.get(parentHash);
    if (!kids) return [];
    const out: Orphan[] = [];
    for (const h of [...kids]) {
      const o = this.byHash.get(h);
      if (o) out.push(o);
      this.remove(h);
    }
    return out;
  }
  private remove(hash: string): void {
    const o = this.byHash.get(hash);
    if (!o) return;
    this.byHash.delete(hash);
    const kids = this.byParent.get(o.block.prev_hash);
    kids?.delete(hash);
    if (kids && kids.size === 0) this.byParent.delete(o.block.prev_hash);
  }
}

/** Allows bursts of `burst` and a sustained `perSecond`; `take` says whether there was room. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  take(now: number, cost = 1): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
