// The `spv toy` and `spv toy-net` commands, run as the real compiled CLI on loopback.
import { runCli, startCli, stop } from '../helpers/cli.js';
import { LineClient, closeAll, until } from './helpers.js';

afterEach(closeAll);

describe('spv toy / spv toy-net', () => {
  test('toy-net runs a ring, reports each block and converges (--json)', async () => {
    const r = await runCli(['toy-net', '--nodes', '4', '--topology', 'ring', '--blocks', '2', '--difficulty', '1', '--seed', '7', '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.trim()) as { converged: boolean; blocks: { reached: number; forwards: number }[]; tips: { height: number }[] };
    expect(report.converged).toBe(true);
    expect(report.blocks).toHaveLength(2);
    for (const b of report.blocks) expect(b).toMatchObject({ reached: 4, forwards: 4 });
    expect(report.tips.map((t) => t.height)).toEqual([2, 2, 2, 2]);
  }, 90_000);

  test('toy-net prints a human table', async () => {
    const r = await runCli(['toy-net', '--nodes', '3', '--topology', 'star', '--blocks', '1', '--difficulty', '1'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/converged: median spread/);
    expect(r.stdout).toMatch(/height +hash +miner/);
  }, 90_000);

  test('tutorial forms: `spv toy PORT`, then `--listen PORT --connect host:port --mine`, then GET_CHAIN', async () => {
    const first = await startCli(['toy', '0', '--difficulty', '1', '--json'], /"event":"listening","address":"127\.0\.0\.1:(\d+)"/);
    try {
      const port = Number(first.match[1]);
      const miner = await runCli(['toy', '--listen', '0', '--connect', `127.0.0.1:${port}`, '--difficulty', '1', '--mine', 'typed text'], { timeoutMs: 60_000 });
      expect(miner.code).toBe(0);
      expect(miner.stderr).toMatch(/mined block #1/);
      const nc = await LineClient.connect(port);
      nc.write('GET_CHAIN\n');
      await until(() => nc.lines.length >= 2, 'chain of two lines');
      expect(nc.blocks().map((b) => b.data)).toEqual(['Genesis block of the spv toy chain', 'typed text']);
    } finally {
      await stop(first.child);
    }
  }, 90_000);

  test('bad arguments are usage errors (exit 2)', async () => {
    expect((await runCli(['toy', '--difficulty', '99', '--mine', 'x'])).code).toBe(2);
    expect((await runCli(['toy', '--listen', 'nope:port', '--mine', 'x'])).code).toBe(2);
    expect((await runCli(['toy-net', '--nodes', '0'])).code).toBe(2);
  }, 60_000);
});
