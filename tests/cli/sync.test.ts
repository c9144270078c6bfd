// `spv sync`, `spv connect` (syncing by default), `spv serve --generate/--mine-every` and
// `spv headers` as a user runs them: real processes on loopback, real datadirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { runCli, startCli, stop, SPV, ROOT } from '../helpers/cli.js';

const dirs: string[] = [];
function datadir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-sync-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(extra: string[] = []): Promise<{ stop: () => Promise<number | null>; port: string; tip: string; output: () => string }> {
  const s = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', ...extra], /listening on 127\.0\.0\.1:(\d+), serving \d+ headers \(tip ([0-9a-f]{64})\)/, 60000);
  return { stop: () => stop(s.child), port: s.match[1] as string, tip: s.match[2] as string, output: s.output };
}

test('sync: fetches the peer\'s chain into a datadir, prints a summary; headers reads it back', async () => {
  const peer = await serve(['--generate', '3000', '--seed', 'cli']);
  const dir = datadir();
  try {
    const r = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir], { timeoutMs: 30000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/height\s+3000/);
    expect(r.stdout).toContain(peer.tip);
    expect(r.stderr).toMatch(/headers 2000\/3000/); // plain progress lines when stdout is not a TTY
    const tip = await runCli(['headers', 'tip', '--regtest', '--datadir', dir, '--json']);
    expect(tip.code).toBe(0);
    expect(JSON.parse(tip.stdout)).toMatchObject({ height: 3000, hash: peer.tip });
    const again = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir, '--json'], { timeoutMs: 30000 });
    expect(again.code).toBe(0);
    const done = again.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; headersReceived?: number }).find((e) => e.event === 'synced');
    expect(done?.headersReceived).toBe(0);
  } finally {
    await peer.stop();
  }
}, 90000);

test('a second sync against a peer that is silent when up to date (bcoin-like) exits 0 at once, not "stalled"', async () => {
  const peer = await serve(['--generate', '500', '--seed', 'quiet', '--silent-up-to-date']);
  const dir = datadir();
  // A stall would take the whole --stall-timeout (10 min); runCli kills the child after 20 s.
  const args = ['sync', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir, '--stall-timeout', '600000'];
  try {
    const first = await runCli(args, { timeoutMs: 20000 });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/height\s+500/);
    const again = await runCli([...args, '--json'], { timeoutMs: 20000 });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/headers_stalled|no reachable peers/);
    const done = again.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; height?: number; headersReceived?: number }).find((e) => e.event === 'synced');
    expect(done).toMatchObject({ height: 500, headersReceived: 0 });
  } finally {
    await peer.stop();
  }
});

test('sync on a terminal draws a progress bar with height, rate and ETA', async () => {
  const peer = await serve(['--generate', '4000', '--seed', 'tty']);
  const dir = datadir();
  try {
    // `script` gives the child a pseudo-terminal, as a person's shell would.
    const cmd = `${process.execPath} ${SPV} sync --regtest --connect 127.0.0.1:${peer.port} --datadir ${dir} --log-level warn`;
    const out = await new Promise<string>((resolve) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT });
      let buf = '';
      child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
      child.on('close', () => resolve(buf));
    });
    expect(out).toMatch(/\[#+-*\] \d+\/4000 headers\s+\d+\/s\s+ETA/);
    expect(out).toMatch(/height\s+4000/);
  } finally {
    await peer.stop();
  }
});

test('two processes on one datadir: the second refuses with a clear error', async () => {
  const peer = await serve(['--generate', '100']);
  const dir = datadir();
  const first = await startCli(['connect', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir, '--json'], /"event":"synced"/);
  try {
    const second = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/lock|in use|another/i);
    expect(second.stderr).toMatch(new RegExp(String(first.child.pid)));
  } finally {
    expect(await stop(first.child)).toBe(0);
    await peer.stop();
  }
});

test('connect syncs by default and follows new tips', async () => {
  const peer = await serve(['--generate', '200', '--mine-every', '300']);
  const dir = datadir();
  const client = await startCli(['connect', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', dir, '--json'], /"event":"tip".*\n(.*\n)*.*"event":"tip"/, 20000);
  try {
    const events = client
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; height?: number });
    const synced = events.find((e) => e.event === 'synced');
    expect(synced?.height).toBeGreaterThanOrEqual(200);
    const tips = events.filter((e) => e.event === 'tip').map((e) => e.height as number);
    expect(tips.length).toBeGreaterThanOrEqual(2);
    expect(tips[1]).toBeGreaterThan(tips[0] as number);
  } finally {
    expect(await stop(client.child)).toBe(0);
    await peer.stop();
  }
});

test('sync with nothing reachable: exit 1 with the reason', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  const r = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', datadir()]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/no reachable peers on regtest/);
  expect(r.stderr).toMatch(/connection refused/);
});

test('serve --generate refuses networks where mining is impractical', async () => {
  const r = await runCli(['serve', '--testnet4', '--generate', '10', '--listen', '127.0.0.1:0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--regtest/);
});

test('a deep fork with more work wins over the chain synced first (60,000 then 130,000 forked at genesis, issue 13)', async () => {
  const short = await serve(['--generate', '60000', '--seed', 'low-work']);
  const long = await serve(['--generate', '130000', '--seed', 'more-work']);
  const dir = datadir();
  try {
    const first = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${short.port}`, '--datadir', dir], { timeoutMs: 90000 });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(short.tip);
    // Both peers: the one already at our tip must not end the sync before the deeper chain is proven and taken.
    const second = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${short.port}`, '--connect', `127.0.0.1:${long.port}`, '--datadir', dir, '--log-level', 'info'], { timeoutMs: 150000 });
    expect(second.stderr).not.toMatch(/side_branch_limit/);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/height\s+130000/);
    expect(second.stdout).toContain(long.tip);
    expect(second.stderr).toMatch(/presync/);
    expect(second.stderr).toMatch(/reorg of depth 60000/);
    const tip = await runCli(['headers', 'tip', '--regtest', '--datadir', dir, '--json']);
    expect(JSON.parse(tip.stdout)).toMatchObject({ height: 130000, hash: long.tip });
    // Both peers now: the low-work chain is never taken back.
    const third = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${short.port}`, '--connect', `127.0.0.1:${long.port}`, '--datadir', dir], { timeoutMs: 90000 });
    expect(third.code).toBe(0);
    expect(third.stdout).toContain(long.tip);
  } finally {
    await short.stop();
    await long.stop();
  }
}, 300_000);
