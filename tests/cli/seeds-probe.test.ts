// `spv seeds --probe`: a handshake with every listed address, reported per address.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { runCli, startCli, stop } from '../helpers/cli.js';

test('--probe handshakes with each seed: live peers answer, closed ports are named', async () => {
  const peer = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const closed = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  const dir = mkdtempSync(join(tmpdir(), 'spv-probe-'));
  const file = join(dir, 'seeds.txt');
  writeFileSync(file, `127.0.0.1:${peer.match[1]}\n127.0.0.1:${closed}\n`);
  try {
    const json = await runCli(['seeds', '--regtest', '--seeds-file', file, '--probe', '--json', '--timeout', '3000']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { probes: { address: string; ok: boolean; userAgent?: string; error?: string }[] };
    const byAddr = new Map(report.probes.map((p) => [p.address, p]));
    expect(byAddr.get(`127.0.0.1:${peer.match[1]}`)).toMatchObject({ ok: true, userAgent: '/spv:0.1.0/' });
    expect(byAddr.get(`127.0.0.1:${closed}`)?.ok).toBe(false);
    expect(byAddr.get(`127.0.0.1:${closed}`)?.error).toMatch(/refused/);
    const human = await runCli(['seeds', '--regtest', '--seeds-file', file, '--probe']);
    expect(human.stdout).toMatch(/Probes \(1\/2 answered\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stop(peer.child);
  }
});
