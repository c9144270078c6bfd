// Where the toy network's nodes go in a picture, and the per-block propagation series both
// pictures draw (`spv toy-net --svg` / `--html`). Pure: a report in, coordinates and series out.
import type { ToyNetworkReport, ToyTopology } from '../../toy/network.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Block colours, one per mined block in turn (distinguishable, readable on white). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'] as const;

export function blockColour(k: number): string {
  return PALETTE[k % PALETTE.length]!;
}

/** Node positions inside a `size` x `size` square: a line, a star around node 0, or a circle. */
export function layoutNodes(topology: ToyTopology, n: number, size: number): Point[] {
  const c = size / 2;
  const r = size / 2 - 40;
  const onCircle = (k: number, of: number, phase = -Math.PI / 2): Point => ({ x: c + r * Math.cos(phase + (2 * Math.PI * k) / of), y: c + r * Math.sin(phase + (2 * Math.PI * k) / of) });
  if (n === 1) return [{ x: c, y: c }];
  switch (topology) {
    case 'line': {
      // A snake of rows, so long lines stay readable.
      const perRow = Math.min(n, 8);
      const rows = Math.ceil(n / perRow);
      const dx = (size - 80) / Math.max(1, perRow - 1);
      const dy = rows === 1 ? 0 : (size - 80) / (rows - 1);
      return Array.from({ length: n }, (_, i) => {
        const row = Math.floor(i / perRow);
        const col = row % 2 === 0 ? i % perRow : perRow - 1 - (i % perRow);
        return { x: 40 + col * dx, y: rows === 1 ? c : 40 + row * dy };
      });
    }
    case 'star':
      return Array.from({ length: n }, (_, i) => (i === 0 ? { x: c, y: c } : onCircle(i - 1, n - 1)));
    case 'ring':
    case 'random':
      return Array.from({ length: n }, (_, i) => onCircle(i, n));
    default: {
      const never: never = topology;
      throw new Error(`no layout for ${String(never)}`);
    }
  }
}

/** One block's spread: when each node accepted it (ms after the miner did) and from whom. */
export interface BlockSeries {
  readonly height: number;
  readonly hash: string;
  readonly miner: number;
  readonly colour: string;
  /** Accepted copies in time order; the miner's own is first at 0 ms. */
  readonly arrivals: readonly { readonly node: number; readonly from: number | null; readonly ms: number }[];
  readonly duplicates: readonly { readonly node: number; readonly from: number | null; readonly ms: number }[];
}

export function blockSeries(report: ToyNetworkReport): BlockSeries[] {
  return report.blocks.map((b, k) => {
    const events = report.propagation.filter((p) => p.hash === b.hash);
    const own = events.find((p) => p.kind === 'accepted' && p.node === b.miner);
    const t0 = own?.atMs ?? events[0]?.atMs ?? 0;
    const arrivals = events.filter((p) => p.kind === 'accepted').map((p) => ({ node: p.node, from: p.node === b.miner ? null : p.from, ms: Math.max(0, p.atMs - t0) }));
    const duplicates = events.filter((p) => p.kind === 'duplicate').map((p) => ({ node: p.node, from: p.from, ms: Math.max(0, p.atMs - t0) }));
    return { height: b.height, hash: b.hash, miner: b.miner, colour: blockColour(k), arrivals, duplicates };
  });
}
