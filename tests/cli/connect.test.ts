// `spv connect`, `spv handshake` and `spv serve` as a user runs them: real processes, real TCP
// and a real DNS server, all on loopback.
import { closedPort } from '../../src/net/closed-port.js';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { startDnsServer, type TestDnsServer } from '../discovery/dns-server.js';


function jsonEvents(stdout: string): { event: string; [k: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string });
}

describe('spv handshake', () => {
  test('success prints what the peer said and exits 0; --json is machine-readable', async () => {
    const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
    try {
      const port = served.match[1] as string;
      const human = await runCli(['handshake', '--regtest', `127.0.0.1:${port}`]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/protocol version\s+70016/);
      expect(human.stdout).toMatch(/user agent\s+\/spv:0\.1\.0\//);
      expect(human.stdout).toMatch(/ping round trip\s+[\d.]+ ms/);
      const json = await runCli(['handshake', '--chain=regtest', `127.0.0.1:${port}`, '--json']);
      expect(json.code).toBe(0);
      const r = JSON.parse(json.stdout) as { ok: boolean; protocolVersion: number; network: string };
      expect(r).toMatchObject({ ok: true, protocolVersion: 70016, network: 'regtest' });
    } finally {
      expect(await stop(served.child)).toBe(0);
    }
  });

  test('refused: one-line reason, exit 1', async () => {
    const r = await runCli(['handshake', '--regtest', `127.0.0.1:${await closedPort()}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('wrong network is named', async () => {
    const served = await startCli(['serve', '--testnet4', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
    try {
      const r = await runCli(['handshake', '--regtest', `127.0.0.1:${served.match[1]}`, '--timeout', '3000']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is it a regtest node|wrong network/);
    } finally {
      await stop(served.child);
    }
  });

  test('--testnet prints Core\'s deprecation note', async () => {
    const r = await runCli(['handshake', '--testnet', `127.0.0.1:${await closedPort()}`]);
    expect(r.stderr).toMatch(/testnet3 is deprecated/);
  });

  test.each([
    [['handshake', 'not a port:x']],
    [['handshake', '--regtest', '--testnet4', '127.0.0.1:1']],
    [['handshake', '--chain=nosuchnet', '127.0.0.1:1']],
    [['connect', '--max-peers', '0']],
  ])('bad usage %j exits 2 with a clear message', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spv: /m);
  });
});

describe('spv connect', () => {
  let dns: TestDnsServer | undefined;
  afterEach(async () => {
    await dns?.close();
    dns = undefined;
  });

  test('nothing reachable: ends with a "no reachable peers" summary and exit 1', async () => {
    // testnet4 seeds answer with loopback addresses where nothing listens on 48333,
    // and the seeds file lists closed loopback ports.
    dns = await startDnsServer({
      'seed.testnet4.bitcoin.sprovoost.nl': { a: ['127.0.0.2', '127.0.0.3'] },
      'seed.testnet4.wiz.biz': { rcode: 'NXDOMAIN' },
    });
    const closed = [await closedPort(), await closedPort()];
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'spv-seeds-')), 'seeds.txt');
    writeFileSync(file, closed.map((p) => `127.0.0.1:${p}`).join('\n') + '\n');
    const started = Date.now();
    const r = await runCli(['connect', '--testnet4', '--no-sync', '--dns-server', dns.server, '--seeds-file', file, '--timeout', '2000'], { timeoutMs: 30000 });
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(25000);
    expect(r.stderr).toMatch(/no reachable peers on testnet4/);
    expect(r.stderr).toMatch(/127\.0\.0\.2:48333 \[dns seed\.testnet4\.bitcoin\.sprovoost\.nl\]: .*refused/);
    expect(r.stderr).toMatch(/seed\.testnet4\.wiz\.biz: .*(NXDOMAIN|not found|ENOTFOUND)/i);
    for (const p of closed) expect(r.stderr).toContain(`127.0.0.1:${p} [fixed seed]`);
  });

  test('connects to several peers, shows them, and replaces one that drops', async () => {
    const a = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
    const b = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
    const c = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
    const ports = [a, b, c].map((s) => s.match[1] as string);
    try {
      const client = await startCli(
        ['connect', '--regtest', '--no-sync', '--max-peers', '2', '--json', '--status-interval', '300', ...ports.flatMap((p) => ['--connect', `127.0.0.1:${p}`])],
        /"event":"peer_connected".*\n(.*\n)*.*"event":"peer_connected"/,
      );
      const connectedPorts = (): string[] =>
        jsonEvents(client.output())
          .filter((e) => e.event === 'peer_connected')
          .map((e) => String(e.address).split(':')[1] as string);
      const first = connectedPorts();
      expect(first).toHaveLength(2);
      // Stop one of the connected peers: the client must dial the third.
      const victim = [a, b, c][ports.indexOf(first[0] as string)]!;
      await stop(victim.child);
      const deadline = Date.now() + 15000;
      while (connectedPorts().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(new Set(connectedPorts())).toEqual(new Set(ports));
      expect(jsonEvents(client.output()).some((e) => e.event === 'peer_disconnected')).toBe(true);
      expect(await stop(client.child)).toBe(0);
      const status = jsonEvents(client.output()).filter((e) => e.event === 'status');
      expect(status.length).toBeGreaterThan(0);
    } finally {
      for (const s of [a, b, c]) await stop(s.child);
    }
  });

  test('peers found through a DNS seed on loopback', async () => {
    // A testnet4 peer must sit on the default port 48333 for a DNS answer to reach it.
    const host = `127.0.0.${100 + Math.floor(Math.random() * 100)}`;
    const served = await startCli(['serve', '--testnet4', '--listen', `${host}:48333`], /listening on/);
    dns = await startDnsServer({ 'seed.testnet4.bitcoin.sprovoost.nl': { a: [host] }, 'seed.testnet4.wiz.biz': { a: [host] } });
    try {
      const r = await runCli(['connect', '--testnet4', '--no-sync', '--dns-server', dns.server, '--seeds-file', '/dev/null', '--duration', '1500', '--json'], { timeoutMs: 20000 });
      expect(r.code).toBe(0);
      const events = jsonEvents(r.stdout);
      const discovery = events.find((e) => e.event === 'discovery') as { report: { dnsAddresses: number } } | undefined;
      expect(discovery?.report.dnsAddresses).toBe(1);
      expect(events.filter((e) => e.event === 'peer_connected').map((e) => e.address)).toEqual([`${host}:48333`]);
    } finally {
      await stop(served.child);
    }
  });
});

test('addresses learned from a peer (getaddr/addr) become new connections', async () => {
  const b = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on 127\.0\.0\.1:(\d+)/);
  const a = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--addr', `127.0.0.1:${b.match[1]}`], /listening on 127\.0\.0\.1:(\d+)/);
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'spv-seeds-')), 'seeds.txt');
  writeFileSync(file, `127.0.0.1:${a.match[1]}\n`);
  try {
    const client = await startCli(
      ['connect', '--regtest', '--no-sync', '--max-peers', '2', '--seeds-file', file, '--json', '--status-interval', '300'],
      /"event":"peer_connected".*\n(.*\n)*.*"event":"peer_connected"/,
    );
    const connected = jsonEvents(client.output())
      .filter((e) => e.event === 'peer_connected')
      .map((e) => e.address);
    expect(new Set(connected)).toEqual(new Set([`127.0.0.1:${a.match[1]}`, `127.0.0.1:${b.match[1]}`]));
    expect(await stop(client.child)).toBe(0);
  } finally {
    await stop(a.child);
    await stop(b.child);
  }
});
