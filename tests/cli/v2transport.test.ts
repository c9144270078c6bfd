// BIP324 as a user sees it: `spv handshake` names the transport and the session id (text and
// --json), `--no-v2transport` stays on v1, a v1-only `spv serve` gives "v1 (fallback)", and
// `spv connect` shows the transport in its peer table and its --json events.
import { runCli, startCli, stop } from '../helpers/cli.js';

const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;

test('spv handshake against spv serve: v2 with a session id; --no-v2transport: v1; --json carries both', async () => {
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], LISTENING);
  try {
    const at = `127.0.0.1:${served.match[1]}`;
    const v2 = await runCli(['handshake', '--regtest', at]);
    expect(v2.code).toBe(0);
    expect(v2.stdout).toMatch(/transport\s+v2\n/);
    expect(v2.stdout).toMatch(/session id\s+[0-9a-f]{64}\n/);
    expect(v2.stdout).toMatch(/services\s+0x800 P2P_V2/);

    const v1 = await runCli(['handshake', '--regtest', at, '--no-v2transport']);
    expect(v1.code).toBe(0);
    expect(v1.stdout).toMatch(/transport\s+v1\n/);
    expect(v1.stdout).not.toMatch(/session id/);

    const json = await runCli(['handshake', '--regtest', at, '--json']);
    const r = JSON.parse(json.stdout) as { ok: boolean; transport: string; sessionId: string | null; transportFallback: boolean };
    expect(r).toMatchObject({ ok: true, transport: 'v2', transportFallback: false });
    expect(r.sessionId).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    expect(await stop(served.child)).toBe(0);
  }
});

test('spv handshake against a v1-only spv serve: "v1 (fallback)"; the server does not advertise NODE_P2P_V2', async () => {
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--no-v2transport'], LISTENING);
  try {
    const r = await runCli(['handshake', '--regtest', `127.0.0.1:${served.match[1]}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/transport\s+v1 \(fallback\)\n/);
    expect(r.stdout).toMatch(/services\s+0x0 NONE/);
    const json = JSON.parse((await runCli(['handshake', '--regtest', `127.0.0.1:${served.match[1]}`, '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ transport: 'v1', transportFallback: true, sessionId: null });
  } finally {
    await stop(served.child);
  }
});

test('spv connect: a transport column and transport in --json events', async () => {
  const a = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], LISTENING);
  const b = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--no-v2transport'], LISTENING);
  try {
    const targets = [a, b].flatMap((s) => ['--connect', `127.0.0.1:${s.match[1]}`]);
    const human = await runCli(['connect', '--regtest', '--no-sync', '--max-peers', '2', '--status-interval', '300', '--duration', '2500', ...targets], { timeoutMs: 20000 });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/peer\s+transport\s+agent/);
    expect(human.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${a.match[1]}\\s+v2\\s`));
    expect(human.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${b.match[1]}\\s+v1 \\(fallback\\)\\s`));
    const json = await runCli(['connect', '--regtest', '--no-sync', '--max-peers', '2', '--json', '--status-interval', '300', '--duration', '2500', ...targets], { timeoutMs: 20000 });
    const events = json.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; address?: string; transport?: string; sessionId?: string | null; transportFallback?: boolean });
    const connected = events.filter((e) => e.event === 'peer_connected');
    expect(connected).toHaveLength(2);
    const byPort = new Map(connected.map((e) => [String(e.address).split(':')[1], e]));
    expect(byPort.get(a.match[1])).toMatchObject({ transport: 'v2', transportFallback: false });
    expect(byPort.get(a.match[1])?.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(byPort.get(b.match[1])).toMatchObject({ transport: 'v1', transportFallback: true, sessionId: null });
    // Pongs (the first ping goes out right after each handshake) and status lines carry it too.
    const pongs = new Map(events.filter((e) => e.event === 'pong').map((e) => [String(e.address).split(':')[1], e.transport]));
    expect(pongs.get(a.match[1])).toBe('v2');
    expect(pongs.get(b.match[1])).toBe('v1');
    const status = events.filter((e) => e.event === 'status').at(-1) as unknown as { peers: { address: string; transport: string }[] };
    expect(status.peers.map((p) => p.transport).sort()).toEqual(['v1', 'v2']);
  } finally {
    await stop(a.child);
    await stop(b.child);
  }
});
