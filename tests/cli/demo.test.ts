// `spv demo` (what `npm start` runs) works offline, end to end, and says so.
import { runCli } from '../helpers/cli.js';

test('spv demo: discovery, handshakes, pings, header sync, watch, toy network; exit 0', async () => {
  const r = await runCli(['demo', '--json'], { timeoutMs: 60000 });
  expect(r.code).toBe(0);
  const steps = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: string; text?: string; ok?: boolean; balanceSats?: string; headers?: number });
  const kinds = new Set(steps.map((s) => s.step));
  for (const k of ['peers', 'discovery', 'handshake', 'ping', 'sync', 'watch', 'toy', 'summary']) expect(kinds).toContain(k);
  expect(steps.some((s) => s.step === 'handshake' && /refused/.test(s.text ?? ''))).toBe(true);
  const summary = steps.find((s) => s.step === 'summary');
  expect(summary).toMatchObject({ ok: true, headers: 3000, balanceSats: '104999000' });
});
