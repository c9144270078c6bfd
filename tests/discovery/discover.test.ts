// discoverPeers: DNS preferred, fixed seeds as fallback, --seeds-file, --no-dns, dedupe,
// shuffle with an injected random, max-peers. DNS answers come from a loopback dns2 server
// answering the real testnet4 seed names (nothing leaves the machine).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { createDnsLookup } from '../../src/discovery/dns.js';
import { discoverPeers, MIN_DNS_CANDIDATES, shuffle, type Candidate } from '../../src/discovery/discover.js';
import type { DnsLookup } from '../../src/discovery/dns-seeds.js';
import { shippedSeedsPath } from '../../src/discovery/fixed-seeds.js';
import { MemoryLog } from '../../src/util/log.js';
import { seededRandom } from '../../src/util/random.js';
import { startDnsServer, type TestDnsServer } from './dns-server.js';

const T4 = NETWORKS.testnet4;
const [SEED_A, SEED_B] = T4.dnsSeeds as [string, string];
const v4 = (n: number): string => `127.0.${n >> 8}.${n & 255}`;
const key = (c: { host: string; port: number }): string => `${c.host}:${c.port}`;

/** A lookup that must never be called. */
const forbidden: DnsLookup = () => Promise.reject(new Error('DNS must not be used here'));

describe('discoverPeers', () => {
  let dir: string;
  const servers: TestDnsServer[] = [];
  const dnsWith = async (zone: Parameters<typeof startDnsServer>[0]): Promise<DnsLookup> => {
    const s = await startDnsServer(zone);
    servers.push(s);
    return createDnsLookup({ server: s.server, timeoutMs: 3_000 });
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spv-discover-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all(servers.map((s) => s.close()));
  });

  test('DNS answers are preferred: enough of them and the fixed seeds are not used', async () => {
    const lookup = await dnsWith({
      [SEED_A]: { a: [v4(1), v4(2), v4(3), v4(4), v4(5)] },
      [SEED_B]: { a: [v4(6), v4(7)], aaaa: ['2001:db8::1', '2001:db8::2'] },
    });
    const { candidates, report } = await discoverPeers({ network: T4, lookup, random: seededRandom(1) });
    expect(candidates).toHaveLength(9);
    expect(candidates.every((c) => c.source.kind === 'dns' && c.port === T4.defaultPort)).toBe(true);
    const fromA = candidates.filter((c) => c.source.kind === 'dns' && c.source.seed === SEED_A).map((c) => c.host);
    expect(fromA.sort()).toEqual([v4(1), v4(2), v4(3), v4(4), v4(5)]);
    expect(report.fixed).toEqual({ file: shippedSeedsPath('testnet4'), use: 'not_needed' });
    expect(report.dns.map((r) => r.seed)).toEqual([SEED_A, SEED_B]);
    expect(report.dnsAddresses).toBe(9);
    expect(report.candidates).toBe(9);
  });

  test('DNS yielding nothing falls back to the shipped fixed seeds', async () => {
    const lookup = await dnsWith({ [SEED_A]: { rcode: 'SERVFAIL' } }); // SEED_B: NXDOMAIN
    const { candidates, report } = await discoverPeers({ network: T4, lookup });
    expect(report.fixed.use).toBe('used_dns_empty');
    expect(report.fixed.addresses).toBe(96);
    expect(candidates).toHaveLength(96);
    expect(candidates.every((c) => c.source.kind === 'fixed' && c.source.file === shippedSeedsPath('testnet4'))).toBe(true);
    expect(report.dns.map((r) => r.error?.code)).toEqual(['dns_servfail', 'dns_nxdomain']);
  });

  test(`fewer than ${MIN_DNS_CANDIDATES} DNS answers adds the fixed seeds after them`, async () => {
    const lookup = await dnsWith({ [SEED_A]: { a: [v4(1), v4(2)] }, [SEED_B]: {} });
    const file = join(dir, 'below.txt');
    writeFileSync(file, `# loopback seeds\n${v4(100)}\n${v4(101)}:18444\n[::1]\n`);
    const { candidates, report } = await discoverPeers({ network: T4, lookup, seedsFile: file, random: seededRandom(2) });
    expect(report.fixed).toEqual({ file, use: 'used_dns_below_threshold', addresses: 3 });
    expect(candidates.map((c) => c.source.kind)).toEqual(['dns', 'dns', 'fixed', 'fixed', 'fixed']);
    expect(candidates.slice(2).map(key).sort()).toEqual(['127.0.0.100:48333', '127.0.0.101:18444', '::1:48333']);
  });

  test('the threshold is an option', async () => {
    const lookup = await dnsWith({ [SEED_A]: { a: [v4(1)] }, [SEED_B]: {} });
    const { report } = await discoverPeers({ network: T4, lookup, minDnsCandidates: 1 });
    expect(report.fixed.use).toBe('not_needed');
  });

  test('--no-dns skips DNS and uses --seeds-file in place of the shipped list', async () => {
    const file = join(dir, 'mine.txt');
    writeFileSync(file, `${v4(20)}:18444\n${v4(21)}:18444\n`);
    const { candidates, report } = await discoverPeers({ network: T4, noDns: true, lookup: forbidden, seedsFile: file });
    expect(report.dnsSkipped).toBe('no_dns_flag');
    expect(report.dns).toEqual([]);
    expect(report.fixed.use).toBe('used_no_dns');
    expect(candidates.map(key).sort()).toEqual(['127.0.0.20:18444', '127.0.0.21:18444']);
    expect(candidates.every((c) => c.source.kind === 'fixed' && c.source.file === file)).toBe(true);
  });

  test('a bad --seeds-file fails with its line number even when DNS would have been enough', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, `${v4(1)}\n\nnot-an-address\n`);
    await expect(discoverPeers({ network: T4, lookup: forbidden, seedsFile: file })).rejects.toMatchObject({
      code: 'seeds_file_syntax',
      message: expect.stringContaining(`${file}:3:`),
    });
  });

  test('deduplicates by host and port across seeds, fixed seeds and manual addresses', async () => {
    const lookup = await dnsWith({
      [SEED_A]: { a: [v4(1), v4(2)], aaaa: ['2001:db8::1'] },
      [SEED_B]: { a: [v4(2), v4(3)], aaaa: ['2001:DB8:0::1', '::ffff:7f00:3'] },
    });
    const file = join(dir, 'dups.txt');
    writeFileSync(file, `${v4(1)}\n${v4(1)}:48333\n${v4(1)}:18444\n[::ffff:127.0.0.9]\n${v4(9)}\n`);
    const { candidates, report } = await discoverPeers({
      network: T4,
      lookup,
      seedsFile: file,
      manual: [{ host: '127.0.0.3', port: 48333 }],
    });
    expect(candidates.map(key)).toHaveLength(new Set(candidates.map(key)).size);
    expect(candidates[0]).toEqual({ host: '127.0.0.3', port: 48333, source: { kind: 'manual' } });
    expect(candidates.map(key).sort()).toEqual(
      ['127.0.0.1:48333', '127.0.0.2:48333', '127.0.0.3:48333', '2001:db8::1:48333', '127.0.0.1:18444', '127.0.0.9:48333'].sort(),
    );
    // Across sources: v4(2) and 2001:db8::1 again from SEED_B; v4(3) from SEED_B (manual has it);
    // fixed: v4(1) twice (DNS has it), v4(9) (= ::ffff:127.0.0.9 a line earlier). SEED_B's own
    // ::ffff:7f00:3 = v4(3) is merged inside the seed's result and not counted here.
    expect(report.duplicates).toBe(6);
    const first = candidates.find((c) => c.host === '127.0.0.2')!;
    expect(first.source).toEqual({ kind: 'dns', seed: SEED_A });
  });

  test('max-peers caps the list, keeping the preferred tiers', async () => {
    const lookup = await dnsWith({ [SEED_A]: { a: [v4(1), v4(2), v4(3)] }, [SEED_B]: {} });
    const { candidates, report } = await discoverPeers({
      network: T4,
      lookup,
      maxPeers: 4,
      manual: [{ host: '127.0.0.50', port: 18444 }],
    });
    expect(candidates).toHaveLength(4);
    expect(candidates.map((c) => c.source.kind)).toEqual(['manual', 'dns', 'dns', 'dns']);
    expect(report.capped).toBe(96);
    expect(report.candidates).toBe(4);
  });

  test('the order is a shuffle driven by the injected random', async () => {
    const many = Array.from({ length: 12 }, (_, i) => v4(i + 1)) // 12 A records stay under the 512-byte UDP limit;
    const lookup = await dnsWith({ [SEED_A]: { a: many }, [SEED_B]: {} });
    const run = async (seed: number): Promise<string[]> =>
      (await discoverPeers({ network: T4, lookup, random: seededRandom(seed) })).candidates.map((c) => c.host);
    const a1 = await run(7);
    expect(await run(7)).toEqual(a1);
    expect(await run(8)).not.toEqual(a1);
    expect([...a1].sort()).toEqual([...many].sort());
    expect(a1).not.toEqual(many);
  });

  test('regtest has no DNS seeds and an empty shipped list: no candidates, no DNS', async () => {
    const { candidates, report } = await discoverPeers({ network: NETWORKS.regtest, lookup: forbidden });
    expect(candidates).toEqual([]);
    expect(report.dnsSkipped).toBe('no_dns_seeds');
    expect(report.fixed.use).toBe('used_no_dns');
  });

  test('asking for DNS without a lookup is a DiscoveryError', async () => {
    await expect(discoverPeers({ network: T4 })).rejects.toMatchObject({ code: 'no_dns_lookup' });
  });

  test('logs one debug line per seed through the injected Log', async () => {
    const lookup = await dnsWith({ [SEED_A]: { a: [v4(1)] } });
    const log = new MemoryLog();
    await discoverPeers({ network: T4, lookup, log, minDnsCandidates: 1 });
    expect(log.has(new RegExp(`dns seed ${SEED_A.replace(/\./g, '\\.')}: 1 addresses`))).toBe(true);
    expect(log.has(/dns_nxdomain/)).toBe(true);
  });

  test('candidates are PeerAddress-compatible values', async () => {
    const { candidates } = await discoverPeers({ network: T4, noDns: true });
    const c: Candidate = candidates[0]!;
    expect(typeof c.host).toBe('string');
    expect(Number.isInteger(c.port)).toBe(true);
  });
});

describe('shuffle', () => {
  test('is a permutation; random()=0 rotates as Fisher-Yates says', () => {
    expect(shuffle([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1]);
    expect(shuffle([1, 2, 3, 4], () => 0.999999)).toEqual([1, 2, 3, 4]);
    const big = Array.from({ length: 100 }, (_, i) => i);
    expect(shuffle([...big], seededRandom(3)).sort((a, b) => a - b)).toEqual(big);
  });

  test('tolerates a random that returns 1', () => {
    expect(shuffle([1, 2, 3], () => 1).sort()).toEqual([1, 2, 3]);
  });
});
