// hash -> height for the best chain's headers held in memory, as an open-addressing table of heights (Uint32Array,
// linear probing, backward-shift deletion): 4 bytes per slot, about 8 bytes per header.
// Hashes themselves are not stored here; the table asks its HashSource for them (the chain
// reads them from the next header's prevBlock field), so lookups compare the full 32 bytes.

export interface HashSource {
  /** Little-endian u32 word i (0..7) of the wire-order hash of the best-chain header at `height`. */
  hashWord(height: number, i: number): number;
}

const MAX_LOAD = 0.7; // grow beyond this fill ratio
const MIN_BITS = 10;

export class HeightIndex {
  private table: Uint32Array;
  private bits: number;
  private count = 0;
  // A per-table salt so nobody can pre-compute colliding slots for our tables.
  private readonly salt = (Math.random() * 0x100000000) >>> 0;

  constructor(
    private readonly src: HashSource,
    expected = 0,
  ) {
    this.bits = bitsFor(expected);
    this.table = new Uint32Array(1 << this.bits);
  }

  get size(): number {
    return this.count;
  }
  get byteLength(): number {
    return this.table.byteLength;
  }

  private slot(w0: number, w1: number): number {
    return Math.imul(w0 ^ Math.imul(w1 ^ this.salt, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Height of the best-chain header whose hash words are w[off..off+8), or -1. */
  find(w: ArrayLike<number>, off = 0): number {
    const t = this.table;
    const mask = t.length - 1;
    const src = this.src;
    let i = this.slot(w[off], w[off + 1]);
    for (;;) {
      const v = t[i];
      if (v === 0) return -1;
      const h = v - 1;
      if (src.hashWord(h, 0) === w[off] >>> 0) {
        let k = 1;
        while (k < 8 && src.hashWord(h, k) === w[off + k] >>> 0) k++;
        if (k === 8) return h;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds `height` (whose hash the source already reports). Heights are never inserted twice. */
  insert(height: number): void {
    if (this.count + 1 > this.table.length * MAX_LOAD) this.resize(this.bits + 1);
    this.place(height);
    this.count++;
  }

  private place(height: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.slot(this.src.hashWord(height, 0), this.src.hashWord(height, 1));
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = height + 1;
  }

  /** Removes `height`; the source must still report hashes for every stored height. */
  remove(height: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.slot(this.src.hashWord(height, 0), this.src.hashWord(height, 1));
    while (t[i] !== height + 1) {
      if (t[i] === 0) throw new Error(`height ${height} not in index`);
      i = (i + 1) & mask;
    }
    t[i] = 0;
    this.count--;
    // Backward-shift deletion: move later entries of the probe run into the hole when allowed.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = t[j];
      if (v === 0) return;
      const k = this.slot(this.src.hashWord(v - 1, 0), this.src.hashWord(v - 1, 1));
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!stays) {
        t[i] = v;
        t[j] = 0;
        i = j;
      }
    }
  }

  /** Re-creates the table for heights [first, end) (after a bulk load or when old heights leave memory). */
  rebuild(end: number, first = 0): void {
    const bits = bitsFor(end - first);
    if (bits === this.bits) this.table.fill(0);
    else this.table = new Uint32Array(1 << bits);
    this.bits = bits;
    for (let h = first; h < end; h++) this.place(h);
    this.count = end - first;
  }

  private resize(bits: number): void {
    const old = this.table;
    this.bits = bits;
    this.table = new Uint32Array(1 << bits);
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.place(old[i] - 1);
  }
}

function bitsFor(n: number): number {
  let b = MIN_BITS;
  while ((1 << b) * MAX_LOAD < n + 1) b++;
  return b;
}
