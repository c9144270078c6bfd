// The extra browser suite: `spv toy-net --html` opened in headless Chromium (Debian's
// `chromium`, driven by puppeteer-core; nothing is downloaded). Checks that the page draws
// every node and edge, animates, makes no request beyond itself and logs no error, and saves
// a screenshot. Without Chromium (CHROMIUM_PATH or /usr/bin/chromium) the suite is skipped
// with a one-line notice; .ci/run installs it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { commandWorks, describeIfAvailable } from '../helpers/extra-suite.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// It must run, not merely exist (a file there that is not a working browser skips the suite too).
const HAVE_CHROMIUM = commandWorks(CHROMIUM, ['--version']);
/** Where the screenshot goes (kept after the run, for a person to look at). */
export const SCREENSHOT = join(tmpdir(), 'spv-toy-net.png');

// One plain line on stderr (jest's console.log would add a stack frame and indentation).
const suite = describeIfAvailable(HAVE_CHROMIUM, 'browser suite', `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

suite('spv toy-net --html in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spv-browser-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renders every node and edge, animates each block, no errors, no requests; screenshot saved', async () => {
    const html = join(dir, 'net.html');
    const r = await runCli(['toy-net', '--nodes', '6', '--topology', 'ring', '--blocks', '2', '--seed', '5', '--html', html, '--log-level', 'warn'], { timeoutMs: 60000 });
    expect(r.code).toBe(0);
    const { default: puppeteer } = await import('puppeteer-core');
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (q) => requests.push(q.url()));
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(`file://${html}`, { waitUntil: 'load' });
      await page.waitForFunction(() => ((globalThis as unknown as { __toyNet?: { frames: number } }).__toyNet?.frames ?? 0) > 20, { timeout: 20000 });

      // Nodes and edges are drawn, with real size on the page.
      const boxes = await page.$$eval('g.node', (gs) => gs.map((g) => g.getBoundingClientRect()).map((b) => [b.width, b.height]));
      expect(boxes).toHaveLength(6);
      for (const [w, h] of boxes) expect(w! > 10 && h! > 10).toBe(true);
      const edges = await page.$$eval('line.edge', (ls) => ls.map((l) => l.getBoundingClientRect().width + l.getBoundingClientRect().height));
      expect(edges).toHaveLength(6);
      for (const size of edges) expect(size).toBeGreaterThan(10);
      expect(await page.$$eval('svg.chart path.series', (ps) => ps.length)).toBe(2);

      // Block #2 scrubbed to its end: every node holds it (filled with its colour).
      await page.click('button.block[data-k="1"]');
      await page.click('#play'); // pause
      await page.$eval('#time', (el) => {
        (el as unknown as { value: string }).value = '1000';
        el.dispatchEvent(new Event('input'));
      });
      expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^block #2 [0-9a-f]{12}… mined at node \d: 6\/6 nodes after [\d.]+ ms, \d+ duplicate\(s\) dropped$/);
      const fills = await page.$$eval('g.node circle', (cs) => cs.map((c) => c.getAttribute('fill')));
      expect(new Set(fills).size).toBe(1);
      expect(fills[0]).not.toBe('#ffffff');
      // At the start only the miner has it.
      await page.$eval('#time', (el) => {
        (el as unknown as { value: string }).value = '0';
        el.dispatchEvent(new Event('input'));
      });
      expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/: 1\/6 nodes after 0\.00 ms/);

      await page.click('#play');
      await new Promise((res) => setTimeout(res, 800));
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      const png = readFileSync(SCREENSHOT);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${html}`]);
    } finally {
      await browser.close();
    }
  }, 90000);

  test('the --svg picture renders as an SVG document: real size, every node, edge and block series', async () => {
    const svg = join(dir, 'net.svg');
    const r = await runCli(['toy-net', '--nodes', '7', '--topology', 'random', '--blocks', '3', '--seed', '11', '--svg', svg, '--json', '--log-level', 'warn'], { timeoutMs: 60000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { nodes: number; edges: [number, number][]; blocks: unknown[] };
    const { default: puppeteer } = await import('puppeteer-core');
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setViewport({ width: 1400, height: 1000 });
      // Chromium parses a .svg file as XML: a well-formedness error would give a <parsererror> page.
      await page.goto(`file://${svg}`, { waitUntil: 'load' });
      const root = await page.$eval(':root', (el) => {
        const box = el.getBoundingClientRect();
        const isRoot = el.ownerDocument.documentElement === el;
        return { isRoot, name: el.localName, ns: el.namespaceURI, width: box.width, height: box.height, parseErrors: el.ownerDocument.getElementsByTagName('parsererror').length };
      });
      expect(root).toMatchObject({ isRoot: true, name: 'svg', ns: 'http://www.w3.org/2000/svg', parseErrors: 0 });
      expect(root.width).toBeGreaterThan(100);
      expect(root.height).toBeGreaterThan(100);

      const edges = await page.$$eval('line.edge', (ls) => ls.map((l) => l.getBoundingClientRect().width + l.getBoundingClientRect().height));
      expect(edges).toHaveLength(report.edges.length);
      for (const size of edges) expect(size).toBeGreaterThan(10);
      const nodes = await page.$$eval('g.node', (gs) => gs.map((g) => g.getBoundingClientRect()).map((b) => [b.width, b.height]));
      expect(nodes).toHaveLength(report.nodes);
      for (const [w, h] of nodes) expect(w! > 10 && h! > 10).toBe(true);
      expect(await page.$$eval('svg.chart path.series', (ps) => ps.length)).toBe(report.blocks.length);
      // The numbers are drawn as text too (the first line of what toy-net prints).
      expect(await page.$eval(':root', (el) => el.textContent)).toContain(`toy network: ${report.nodes} nodes, random topology, ${report.edges.length} connections`);

      const shot = await page.screenshot({ fullPage: true });
      expect(Buffer.from(shot).subarray(1, 4).toString()).toBe('PNG');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90000);
});
