// `spv demo` (what `npm start` runs) works offline, end to end, and says so.
import { runCli } from '../helpers/cli.js';

test('spv demo: discovery, handshakes, pings, header sync, watch, toy network; exit 0', async () => {
  const r = await runCli(['demo', '--json'], { timeoutMs: 60000 });
  expect(r.code).toBe(0);
  const steps = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: string; text?: string; ok?: boolean; balanceSats?: string; headers?: number; transport?: string; sessionId?: string | null });
  const kinds = new Set(steps.map((s) => s.step));
  for (const k of ['peers', 'discovery', 'handshake', 'ping', 'sync', 'watch', 'toy', 'summary']) expect(kinds).toContain(k);
  expect(steps.some((s) => s.step === 'handshake' && /refused/.test(s.text ?? ''))).toBe(true);
  // One BIP324 v2 handshake (the peer offering NODE_P2P_V2) with its session id, one v1.
  const v2 = steps.filter((s) => s.step === 'handshake' && s.transport === 'v2');
  expect(v2).toHaveLength(1);
  expect(v2[0]!.sessionId).toMatch(/^[0-9a-f]{64}$/);
  expect(v2[0]!.text).toContain(`v2 session ${v2[0]!.sessionId}`);
  expect(steps.filter((s) => s.step === 'handshake' && s.transport === 'v1')).toHaveLength(1);
  const summary = steps.find((s) => s.step === 'summary');
  expect(summary).toMatchObject({ ok: true, headers: 3000, balanceSats: '104999000' });
}, 90000);
