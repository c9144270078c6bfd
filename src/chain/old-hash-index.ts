// Hash -> height of best-chain headers that left the memory window, for a chain that serves
// many peers (`spv serve --datadir`, standing in for a full node, which indexes every header
// as Core's block index does). Open addressing over (first hash word, height + 1) pairs,
// 8 B per slot, at most half full: ~16 MB per million headers. It holds candidates only:
// every hit is checked against the chain (a reorg leaves stale entries behind, which then
// simply do not match). The light client does not use it (its memory must not grow with the
// chain); it finds old hashes among the ones it handed out, or by a scan.

const EMPTY = 0;
const MIN_SLOTS = 1 << 16;

export class OldHashIndex {
  private slots = new Uint32Array(2 * MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private used = 0;

  /** Entries held (stale ones included). */
  get size(): number {
    return this.used;
  }

  /** Bytes of the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Records that the best-chain header at `height` has a hash whose first LE word is `word0`. */
  add(word0: number, height: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    this.put(word0 >>> 0, height + 1);
  }

  /** Heights whose hash may start with `word0`, for the caller to check. */
  candidates(word0: number, visit: (height: number) => boolean): number {
    const w = word0 >>> 0;
    for (let i = this.slotOf(w); ; i = (i + 1) & this.mask) {
      const v = this.slots[2 * i + 1];
      if (v === EMPTY) return -1;
      if (this.slots[2 * i] === w && visit(v - 1)) return v - 1;
    }
  }

  private slotOf(w: number): number {
    return Math.imul(w, 0x9e3779b1) >>> 0 & this.mask;
  }

  private put(w: number, v: number): void {
    let i = this.slotOf(w);
    while (this.slots[2 * i + 1] !== EMPTY) {
      if (this.slots[2 * i] === w && this.slots[2 * i + 1] === v) return;
      i = (i + 1) & this.mask;
    }
    this.slots[2 * i] = w;
    this.slots[2 * i + 1] = v;
    this.used++;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Uint32Array(2 * (this.mask + 1));
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== EMPTY) this.put(old[i], old[i + 1]);
  }
}
