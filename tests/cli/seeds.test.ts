// `spv seeds`: the handler called directly (output captured) and the compiled CLI spawned
// (dist/, built by the jest global setup) for exit codes. DNS answers come from a dns2 server
// on loopback that answers the real seed names; nothing leaves the machine.
import { execFile } from 'node:child_process';
import { SPV } from '../helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSeeds, seedsToProbe, type SeedsArgs, type SeedsReport } from '../../src/cli/commands/seeds.js';
import { shippedSeedsPath } from '../../src/discovery/fixed-seeds.js';
import { NETWORKS } from '../../src/params/networks.js';
import { UsageError } from '../../src/util/errors.js';
import { startDnsServer, type TestDnsServer } from '../discovery/dns-server.js';

const T4 = NETWORKS.testnet4;
const [SEED_A, SEED_B] = T4.dnsSeeds as [string, string];

interface Captured {
  out: string;
  err: string;
  report: SeedsReport;
  exitCode: number;
}

async function seeds(args: SeedsArgs): Promise<Captured> {
  let out = '';
  let err = '';
  const { report, exitCode } = await runSeeds(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { out, err, report, exitCode };
}

/** Run the compiled CLI without blocking this process (the DNS server lives here). */
function spv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SPV, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('spv seeds', () => {
  let dns: TestDnsServer;
  let silent: TestDnsServer;
  let dir: string;
  beforeAll(async () => {
    dns = await startDnsServer({
      [SEED_A]: { a: ['127.0.0.2', '127.0.0.3'], aaaa: ['::1'] },
      // SEED_B: not in the zone → NXDOMAIN
    });
    silent = await startDnsServer({ [SEED_A]: { hang: true }, [SEED_B]: { hang: true } });
    dir = mkdtempSync(join(tmpdir(), 'spv-seeds-cli-'));
  });
  afterAll(async () => {
    await Promise.all([dns.close(), silent.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('--testnet4 lists the DNS seeds with the names asked and the 96 fixed nodes', async () => {
    const { out, err, report, exitCode } = await seeds({ testnet4: true });
    expect(exitCode).toBe(0);
    expect(err).toBe('');
    expect(report.dnsSeeds).toEqual([
      { host: SEED_A, names: [SEED_A], filters: null },
      { host: SEED_B, names: [SEED_B], filters: null },
    ]);
    expect(report.fixedSeeds).toMatchObject({ file: shippedSeedsPath('testnet4'), replacesShipped: false, count: 96 });
    expect(report.fixedSeeds.addresses).toContain('2.59.134.244:48333');
    expect(report.resolve).toBeUndefined();
    expect(out).toMatch(/^testnet4 \(default port 48333\)/);
    expect(out).toContain(SEED_A);
    expect(out).toMatch(/Fixed seeds: 96 nodes in .*testnet4\.txt/);
    expect(out).toContain('[2001:1ab0:7e1e:d150:be24:11ff:fe03:6b30]:48333');
  });

  test('--testnet prints Core\'s deprecation note on stderr and shows the x9 filter for documented seeds', async () => {
    const { err, report } = await seeds({ testnet: true });
    expect(err).toBe(`Warning: ${NETWORKS.testnet3.deprecation}\n`);
    expect(report.dnsSeeds.find((s) => s.host === 'testnet-seed.bluematt.me')!.names).toEqual(['x9.testnet-seed.bluematt.me', 'testnet-seed.bluematt.me']);
  });

  test('--regtest --json prints one JSON document: no DNS seeds, an empty list', async () => {
    const { out, report } = await seeds({ regtest: true, json: true });
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(out)).toEqual(report);
    expect(report).toMatchObject({ network: 'regtest', defaultPort: 18444, dnsSeeds: [], fixedSeeds: { count: 0, addresses: [] } });
  });

  test('--resolve against a loopback DNS server: answers, counts, errors and times per seed', async () => {
    const { out, report, exitCode } = await seeds({ testnet4: true, resolve: true, 'dns-server': dns.server, json: true, timeout: 5_000 });
    expect(exitCode).toBe(0);
    expect(JSON.parse(out)).toEqual(report);
    const res = report.resolve!;
    expect(res.server).toBe(dns.server);
    expect(res.distinctAddresses).toBe(3);
    const [a, b] = res.seeds;
    expect(a).toMatchObject({ seed: SEED_A, answeredBy: SEED_A, count: 3 });
    expect([...a!.addresses].sort()).toEqual(['127.0.0.2:48333', '127.0.0.3:48333', '[::1]:48333']);
    expect(a!.queries.map((q) => `${q.type}:${q.count}`)).toEqual(['A:2', 'AAAA:1']);
    expect(typeof a!.durationMs).toBe('number');
    expect(b).toMatchObject({ seed: SEED_B, answeredBy: null, count: 0, error: { code: 'dns_nxdomain' } });
    expect(dns.asked(SEED_A) && dns.asked(SEED_B)).toBe(true);
    expect(seedsToProbe(report).slice(0, 3).sort()).toEqual(['127.0.0.2:48333', '127.0.0.3:48333', '[::1]:48333']);
    expect(seedsToProbe(report)).toHaveLength(99);
  });

  test('--resolve human output is a table with the per-seed result', async () => {
    const { out } = await seeds({ testnet4: true, resolve: true, 'dns-server': dns.server });
    expect(out).toContain(`DNS answers (server ${dns.server}`);
    expect(out).toMatch(new RegExp(`${SEED_B.replace(/\./g, '\\.')}\\s+-\\s+0\\s+.*dns_nxdomain`));
    expect(out).toMatch(/3 distinct addresses from 2 seeds/);
  });

  test('--resolve with seeds that never answer: dns_timeout per seed, bounded by --timeout, exit 1', async () => {
    const { report, exitCode } = await seeds({ testnet4: true, resolve: true, 'dns-server': silent.server, timeout: 300 });
    expect(exitCode).toBe(1);
    expect(report.resolve!.seeds.map((s) => s.error?.code)).toEqual(['dns_timeout', 'dns_timeout']);
    expect(report.resolve!.timeoutMs).toBe(300);
  });

  test('--resolve --no-dns skips DNS; --seeds-file replaces the shipped list', async () => {
    const file = join(dir, 'loop.txt');
    writeFileSync(file, '# my nodes\n127.0.0.2:18444\n[::1]\n');
    const { report, out, exitCode } = await seeds({ regtest: true, resolve: true, dns: false, 'seeds-file': file });
    expect(exitCode).toBe(0);
    expect(report.resolve).toMatchObject({ skipped: 'no_dns_flag', seeds: [] });
    expect(report.fixedSeeds).toEqual({ file, replacesShipped: true, count: 2, addresses: ['127.0.0.2:18444', '[::1]:18444'] });
    expect(out).toMatch(/Seeds file: 2 nodes in /);
  });

  test('a bad --seeds-file is a usage error naming the line', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '127.0.0.2:18444\nexample.test:18444\n');
    const err = await seeds({ regtest: true, 'seeds-file': file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`--seeds-file: ${file}:2: `);
    await expect(seeds({ regtest: true, 'seeds-file': join(dir, 'missing.txt') })).rejects.toBeInstanceOf(UsageError);
  });

  test.each([['localhost:53'], ['127.0.0.1:99999'], ['[127.0.0.1]:53']])('--dns-server %s is a usage error', async (server) => {
    await expect(seeds({ testnet4: true, resolve: true, 'dns-server': server })).rejects.toThrow(UsageError);
  });

  test('--timeout must be positive; two networks at once are a usage error', async () => {
    await expect(seeds({ testnet4: true, timeout: 0 })).rejects.toThrow(/--timeout/);
    await expect(seeds({ testnet4: true, regtest: true })).rejects.toThrow(UsageError);
  });

  describe('compiled CLI (dist/spv.js)', () => {
    test('bad --dns-server → exit 2 with a clear message', async () => {
      const r = await spv(['seeds', '--testnet4', '--resolve', '--dns-server', 'not-an-ip']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^spv: --dns-server "not-an-ip": not an IP address \(expected IP\[:port\]/);
      expect(r.stdout).toBe('');
    });

    test('seeds --testnet4 --resolve --json --dns-server 127.0.0.1:PORT', async () => {
      const r = await spv(['seeds', '--testnet4', '--resolve', '--json', '--dns-server', dns.server]);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as SeedsReport;
      expect(doc.resolve!.seeds[0]!.count).toBe(3);
      expect(doc.resolve!.seeds[1]!.error!.code).toBe('dns_nxdomain');
      expect(doc.fixedSeeds.count).toBe(96);
    });

    test('seeds --regtest --no-dns --seeds-file FILE lists the file', async () => {
      const file = join(dir, 'cli.txt');
      writeFileSync(file, '127.0.0.5:18444\n');
      const r = await spv(['seeds', '--regtest', '--no-dns', '--seeds-file', file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('127.0.0.5:18444');
      expect(r.stdout).toContain('DNS seeds: none for this network');
    });
  });
});
