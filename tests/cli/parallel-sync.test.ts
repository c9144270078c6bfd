// Parallel header download with hints as a user runs it: `spv headers hints` writes a hints
// file from a synced datadir, `spv sync --hints FILE` fetches ranges from several peers at once
// (local `spv serve` peers behind loopback delay proxies), survives `kill -9` mid-way, and the
// stored chain ends byte-identical to a sequential sync's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';

const dirs: string[] = [];
function datadir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-parallel-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const HEIGHT = 60_000;
let served: Awaited<ReturnType<typeof startCli>>;
let port: string;
let sequentialDir: string;
const proxies: DelayProxy[] = [];

beforeAll(async () => {
  served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', String(HEIGHT), '--seed', 'parallel-cli'], /listening on 127\.0\.0\.1:(\d+)/, 60000);
  port = served.match[1] as string;
  // The reference: a sequential sync from one peer, no hints.
  sequentialDir = datadir();
  const r = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', sequentialDir, '--hints', 'none'], { timeoutMs: 60000 });
  expect(r.code).toBe(0);
  // Three peers 100 ms away (one serve process behind three delay proxies).
  for (let i = 0; i < 3; i++) proxies.push(await startDelayProxy({ port: Number(port) }, 100));
}, 120000);

afterAll(async () => {
  for (const p of proxies) await p.close();
  await stop(served.child);
});

function hintsFile(every: number): Promise<string> {
  return runCli(['headers', 'hints', '--regtest', '--datadir', sequentialDir, '--every', String(every)]).then((r) => {
    expect(r.code).toBe(0);
    const file = join(datadir(), 'hints.txt');
    writeFileSync(file, r.stdout);
    return file;
  });
}

const connectArgs = (): string[] => proxies.flatMap((p) => ['--connect', `127.0.0.1:${p.port}`]);

test('headers hints prints "height hash" lines every N heights of the stored chain', async () => {
  const r = await runCli(['headers', 'hints', '--regtest', '--datadir', sequentialDir, '--every', '14000']);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
  expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual([14000, 28000, 42000, 56000]);
  const at = await runCli(['headers', 'get', '42000', '--regtest', '--datadir', sequentialDir, '--json']);
  expect(lines[2]).toBe(`42000 ${(JSON.parse(at.stdout) as { hash: string }).hash}`);
  const bad = await runCli(['headers', 'hints', '--regtest', '--datadir', sequentialDir, '--every', '0']);
  expect(bad.code).toBe(2);
});

test('sync --hints: ranges from all three peers; kill -9 mid-way, resume; headers.dat byte-identical to a sequential sync', async () => {
  const file = await hintsFile(500);
  const dir = datadir();
  const args = ['sync', '--regtest', ...connectArgs(), '--max-peers', '3', '--datadir', dir, '--hints', file, '--json'];
  // Killed once ranges are validated and made durable: they are fsynced every 20,000 headers
  // (RANGE_PERSIST_EVERY_HEADERS), so wait for progress between 21,000 and 59,999.
  const first = await startCli(args, /"event":"progress","height":(2[1-9]\d{3}|[3-5]\d{4})\b/, 60000);
  first.child.kill('SIGKILL');
  await stop(first.child);
  const stored = await runCli(['headers', 'tip', '--regtest', '--datadir', dir, '--json']);
  expect((JSON.parse(stored.stdout) as { height: number }).height).toBeGreaterThanOrEqual(20_000);
  const resumed = await runCli(args, { timeoutMs: 60000 });
  expect(resumed.code).toBe(0);
  const done = resumed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'synced');
  expect(done).toMatchObject({ height: HEIGHT });
  expect(done?.hintRanges as number).toBeGreaterThan(0);
  expect((done?.peersUsed as string[]).length).toBeGreaterThan(1);
  expect(done?.headersReceived as number).toBeLessThan(HEIGHT); // it resumed, not restarted
  expect(readFileSync(join(dir, 'headers.dat')).equals(readFileSync(join(sequentialDir, 'headers.dat')))).toBe(true);
}, 150000);

test('sync --hints with a file that is not hints: exit 2 with the line', async () => {
  const file = join(datadir(), 'bad.txt');
  writeFileSync(file, '1000 not-a-hash\n');
  const r = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', datadir(), '--hints', file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/bad\.txt:1: expected "height hash"/);
});

test('connect --hints: the initial sync uses the ranges too, then follows', async () => {
  const file = await hintsFile(2000);
  const client = await startCli(['connect', '--regtest', ...connectArgs(), '--max-peers', '3', '--datadir', datadir(), '--hints', file, '--json'], /"event":"synced".*\n/, 60000);
  try {
    const synced = client
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{"event":"synced"'))
      .map((l) => JSON.parse(l) as { height: number; hintRanges: number })[0];
    expect(synced).toMatchObject({ height: HEIGHT, hintRanges: HEIGHT / 2000 });
  } finally {
    expect(await stop(client.child)).toBe(0);
  }
}, 150000);
