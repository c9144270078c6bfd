// SVG pieces of the toy network's picture: the topology graph (with one block's spread drawn
// as arrows from sender to receiver), the per-block propagation chart (nodes holding the block
// over time), the printed numbers; and `spv toy-net --svg`'s standalone file made of them.
import type { ToyNetworkReport } from '../../toy/network.js';
import { blockSeries, layoutNodes, type BlockSeries, type Point } from './layout.js';

export const GRAPH_SIZE = 560;
export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 300;
const NODE_RADIUS = 14;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const f1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** The graph: edges, then (for `spread`) arrows along the links each node got the block over, then nodes. */
export function topologySvg(report: ToyNetworkReport, spread?: BlockSeries, size = GRAPH_SIZE): string {
  const pos = layoutNodes(report.topology, report.nodes, size);
  const edges = report.edges
    .map(([a, b]) => `<line class="edge" data-a="${a}" data-b="${b}" x1="${f1(pos[a]!.x)}" y1="${f1(pos[a]!.y)}" x2="${f1(pos[b]!.x)}" y2="${f1(pos[b]!.y)}"/>`)
    .join('');
  const order = new Map(spread?.arrivals.map((a, i) => [a.node, i]) ?? []);
  const arrows = (spread?.arrivals ?? [])
    .filter((a) => a.from !== null)
    .map((a) => arrow(pos[a.from!]!, pos[a.node]!, spread!.colour, a.node))
    .join('');
  const nodes = pos
    .map((p, i) => {
      const got = order.get(i);
      const fill = spread && got !== undefined ? spread.colour : '#ffffff';
      const text = spread && got !== undefined ? '#ffffff' : '#222222';
      const miner = spread?.miner === i ? ' miner' : '';
      return (
        `<g class="node${miner}" data-node="${i}" transform="translate(${f1(p.x)},${f1(p.y)})">` +
        `<circle r="${NODE_RADIUS}" fill="${fill}"${miner ? ' stroke="#000000" stroke-width="3"' : ''}/><text text-anchor="middle" dy="4" stroke="none" fill="${text}">${i}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="toy network topology">` +
    `<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444444"/></marker></defs>` +
    `<g class="edges" stroke="#bbbbbb" stroke-width="2">${edges}</g><g class="arrows">${arrows}</g><g class="nodes" stroke="#333333" stroke-width="1.5" font-family="sans-serif" font-size="12">${nodes}</g></svg>`
  );
}

/** An arrow from a to b that stops at b's circle. */
function arrow(a: Point, b: Point, colour: string, to: number): string {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.max(1, Math.hypot(dx, dy));
  const ex = b.x - (dx / len) * (NODE_RADIUS + 2);
  const ey = b.y - (dy / len) * (NODE_RADIUS + 2);
  return `<line class="hop" data-to="${to}" x1="${f1(a.x)}" y1="${f1(a.y)}" x2="${f1(ex)}" y2="${f1(ey)}" stroke="${colour}" stroke-width="3" marker-end="url(#head)"/>`;
}

/** Nodes holding each block over time (ms after it was mined): one step line per block. */
export function chartSvg(series: readonly BlockSeries[], nodes: number, width = CHART_WIDTH, height = CHART_HEIGHT): string {
  const left = 48;
  const bottom = 36;
  const top = 12;
  const right = 110;
  const w = width - left - right;
  const h = height - top - bottom;
  const maxMs = Math.max(0.001, ...series.flatMap((s) => s.arrivals.map((a) => a.ms)));
  const x = (ms: number): number => left + (ms / maxMs) * w;
  const y = (count: number): number => top + h - (count / Math.max(1, nodes)) * h;
  const lines = series
    .map((s) => {
      let d = `M${f1(x(0))},${f1(y(0))}`;
      s.arrivals.forEach((a, i) => (d += ` H${f1(x(a.ms))} V${f1(y(i + 1))}`));
      d += ` H${f1(x(maxMs))}`;
      return `<path class="series" data-height="${s.height}" d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`;
    })
    .join('');
  const legend = series
    .map((s, k) => `<g transform="translate(${left + w + 14},${top + 8 + k * 18})"><rect width="12" height="12" fill="${s.colour}"/><text x="18" y="10">#${s.height} node ${s.miner}</text></g>`)
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text x="${f1(x(t * maxMs))}" y="${height - bottom + 16}" text-anchor="middle">${(t * maxMs).toFixed(maxMs < 10 ? 2 : 1)}</text>`)
    .join('');
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="propagation per block" font-family="sans-serif" font-size="11">` +
    `<g stroke="#888888"><line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}"/></g>` +
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${nodes}</text><text x="${left - 6}" y="${top + h}" text-anchor="end">0</text>` +
    `<text x="${left + w / 2}" y="${height - 4}" text-anchor="middle">ms after mining</text>` +
    `<text transform="translate(12,${top + h / 2}) rotate(-90)" text-anchor="middle">nodes with the block</text>` +
    `${ticks}${lines}${legend}</svg>`
  );
}

/** The numbers `spv toy-net` prints, as lines. */
export function toyNetLines(report: ToyNetworkReport): string[] {
  const out: string[] = [];
  out.push(`toy network: ${report.nodes} nodes, ${report.topology} topology, ${report.edges.length} connections, difficulty ${report.difficulty}`);
  out.push('');
  out.push('height  hash          miner  all nodes after  messages  forwards  duplicates dropped');
  for (const b of report.blocks)
    out.push(
      `${String(b.height).padStart(6)}  ${b.hash.slice(0, 12)}  ${String(b.miner).padStart(5)}  ` +
        `${(b.spreadMs === undefined ? `${b.reached}/${report.nodes} only` : `${b.spreadMs.toFixed(1)} ms`).padStart(15)}  ` +
        `${String(b.messages).padStart(8)}  ${String(b.forwards).padStart(8)}  ${String(b.duplicates).padStart(18)}`,
    );
  out.push('');
  out.push('node  port   height  tip               peers');
  for (const t of report.tips) out.push(`${String(t.node).padStart(4)}  ${String(t.port).padEnd(5)}  ${String(t.height).padStart(6)}  ${t.hash.slice(0, 16)}  ${String(t.peers).padStart(5)}`);
  out.push('');
  const med = report.medianSpreadMs === undefined ? 'n/a' : `${report.medianSpreadMs.toFixed(1)} ms`;
  out.push(
    `${report.converged ? 'converged' : 'NOT converged'}: median spread ${med}, ${report.messagesPerBlock.toFixed(1)} messages/block, ` +
      `${report.forwardsPerNodePerBlock.toFixed(2)} forwards/node/block, ${report.duplicatesPerBlock.toFixed(1)} duplicates/block`,
  );
  return out;
}

/** `--svg`: graph with the last block's spread, the chart, and the numbers, in one file. */
export function toyNetSvg(report: ToyNetworkReport): string {
  const series = blockSeries(report);
  const last = series.at(-1);
  const lines = toyNetLines(report);
  const textTop = Math.max(GRAPH_SIZE, CHART_HEIGHT) + 30;
  const width = GRAPH_SIZE + CHART_WIDTH + 20;
  const height = textTop + lines.length * 15 + 20;
  const caption = last ? `block #${last.height} from node ${last.miner}: arrows show which link each node got it over` : 'no blocks mined';
  const text = lines.map((l, i) => `<text x="10" y="${textTop + i * 15}" xml:space="preserve">${escapeXml(l)}</text>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>` +
    `<g>${topologySvg(report, last)}</g>` +
    `<g transform="translate(${GRAPH_SIZE + 20},0)">${chartSvg(series, report.nodes)}</g>` +
    `<text x="10" y="${GRAPH_SIZE + 14}" font-size="12">${escapeXml(caption)}</text>` +
    `<g font-family="monospace" font-size="12">${text}</g></svg>\n`
  );
}
