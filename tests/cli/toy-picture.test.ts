// `spv toy-net --html/--svg` without a browser: the files are self-contained (nothing fetched),
// draw every node and edge, and the propagation they draw is consistent with the report: each
// block reaches every node once, over a real link, and the duplicates add up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

interface Series {
  height: number;
  miner: number;
  arrivals: { node: number; from: number | null; ms: number }[];
  duplicates: { node: number; from: number | null; ms: number }[];
}

const dir = mkdtempSync(join(tmpdir(), 'spv-toy-picture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('toy-net --html and --svg: self-contained pictures of the same run the report describes', async () => {
  const html = join(dir, 'net.html');
  const svg = join(dir, 'net.svg');
  const r = await runCli(['toy-net', '--nodes', '7', '--topology', 'random', '--blocks', '3', '--seed', '11', '--html', html, '--svg', svg, '--json'], { timeoutMs: 60000 });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { nodes: number; edges: [number, number][]; blocks: { height: number; hash: string; miner: number; duplicates: number }[]; propagation: unknown[] };
  const page = readFileSync(html, 'utf8');
  const picture = readFileSync(svg, 'utf8');

  // Nothing outside the file: no src/href attributes, no URLs but the SVG namespace name.
  for (const text of [page, picture]) {
    expect(text).not.toMatch(/\s(src|href)=/i);
    expect(text.match(/https?:\/\/[^\s"'<)]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? []).toEqual([]);
  }
  expect(page).toMatch(/^<!doctype html>/);
  expect(page.match(/<g class="node[^"]*" data-node=/g)).toHaveLength(report.nodes);
  expect(page.match(/<line class="edge"/g)).toHaveLength(report.edges.length);
  expect(picture.match(/<line class="edge"/g)).toHaveLength(report.edges.length);
  expect(picture).toContain(`block #${report.blocks.at(-1)!.height} from node ${report.blocks.at(-1)!.miner}`);

  const data = JSON.parse(/<script id="toy-data" type="application\/json">(.*?)<\/script>/s.exec(page)![1]!) as { series: Series[] };
  const linked = new Set(report.edges.flatMap(([a, b]) => [`${a}-${b}`, `${b}-${a}`]));
  expect(data.series.map((s) => s.height)).toEqual(report.blocks.map((b) => b.height));
  data.series.forEach((s, k) => {
    const nodes = s.arrivals.map((a) => a.node);
    expect(new Set(nodes).size).toBe(report.nodes); // every node, once
    expect(s.arrivals[0]).toEqual({ node: s.miner, from: null, ms: 0 });
    for (const a of s.arrivals.slice(1)) {
      expect(a.from).not.toBeNull();
      expect(linked.has(`${a.from}-${a.node}`)).toBe(true); // only over a real connection
      expect(nodes.indexOf(a.from!)).toBeLessThan(nodes.indexOf(a.node)); // from a node that had it
    }
    expect(s.duplicates).toHaveLength(report.blocks[k]!.duplicates);
  });
}, 90000);
