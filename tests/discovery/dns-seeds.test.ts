// DNS seed queries against a real DNS server on loopback (dns2) through the real c-ares
// lookup, plus injected lookups for the cases a server cannot produce. No real DNS is used.
import { createDnsLookup, parseDnsServer } from '../../src/discovery/dns.js';
import {
  MAX_IPS_PER_SEED,
  queryDnsSeed,
  queryDnsSeeds,
  seedQueryNames,
  type DnsLookup,
  type SeedNetwork,
} from '../../src/discovery/dns-seeds.js';
import { DiscoveryError } from '../../src/discovery/errors.js';
import { UsageError } from '../../src/util/errors.js';
import { startDnsServer, type TestDnsServer } from './dns-server.js';

const PORT = 18444;

function network(seeds: Record<string, readonly string[] | null>): SeedNetwork {
  return { dnsSeeds: Object.keys(seeds), dnsSeedFilters: seeds, defaultPort: PORT };
}

describe('seedQueryNames', () => {
  test('x9 first only when the seed documents it, bare name always last', () => {
    expect(seedQueryNames('s.test', ['x1', 'x5', 'x9', 'xd'])).toEqual(['x9.s.test', 's.test']);
    expect(seedQueryNames('s.test', ['x1', 'x5'])).toEqual(['s.test']);
    expect(seedQueryNames('s.test', null)).toEqual(['s.test']);
    expect(seedQueryNames('s.test', undefined)).toEqual(['s.test']);
  });
});

describe('DNS seeds against a loopback DNS server', () => {
  let dns: TestDnsServer;
  let lookup: DnsLookup;
  beforeAll(async () => {
    dns = await startDnsServer({
      'both.seed.test': { a: ['127.0.0.2', '127.0.0.3'], aaaa: ['2001:db8::2', '2001:DB8::3'] },
      'v4only.seed.test': { a: ['127.0.0.4'] },
      'x9.filtered.seed.test': { a: ['127.0.0.9'] },
      'filtered.seed.test': { a: ['127.0.0.10'] },
      'x9.emptyfilter.seed.test': {},
      'emptyfilter.seed.test': { a: ['127.0.0.11'] },
      'nxfilter.seed.test': { aaaa: ['2001:db8::11'] },
      'failing.seed.test': { rcode: 'SERVFAIL' },
      'refusing.seed.test': { rcode: 'REFUSED' },
      'empty.seed.test': {},
      'hang.seed.test': { hang: true },
      'dup.seed.test': { a: ['127.0.0.5', '127.0.0.5'] },
    });
    lookup = createDnsLookup({ server: dns.server, timeoutMs: 2_000 });
  });
  afterAll(() => dns.close());

  test('A and AAAA answers, canonical, tagged with their seed, on the default port', async () => {
    const [r] = await queryDnsSeeds(network({ 'both.seed.test': null }), { lookup, timeoutMs: 10_000 });
    expect(r!.seed).toBe('both.seed.test');
    expect(r!.answeredBy).toBe('both.seed.test');
    expect(r!.filter).toBeUndefined();
    expect(r!.error).toBeUndefined();
    expect([...r!.addresses].sort((a, b) => a.host.localeCompare(b.host))).toEqual([
      { host: '127.0.0.2', port: PORT },
      { host: '127.0.0.3', port: PORT },
      { host: '2001:db8::2', port: PORT },
      { host: '2001:db8::3', port: PORT },
    ]);
    expect(r!.queries.map((q) => `${q.name}/${q.family}:${q.addresses.length}`).sort()).toEqual([
      'both.seed.test/4:2',
      'both.seed.test/6:2',
    ]);
    expect(r!.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('NODATA for one family is an empty answer, not an error', async () => {
    const r = await queryDnsSeed('v4only.seed.test', network({ 'v4only.seed.test': null }), { lookup });
    expect(r.addresses).toEqual([{ host: '127.0.0.4', port: PORT }]);
    expect(r.queries.every((q) => q.error === undefined)).toBe(true);
  });

  test('x9.<seed> is asked first when documented, and the bare name is then not asked', async () => {
    const r = await queryDnsSeed('filtered.seed.test', network({ 'filtered.seed.test': ['x1', 'x9'] }), { lookup });
    expect(r.filter).toBe('x9');
    expect(r.answeredBy).toBe('x9.filtered.seed.test');
    expect(r.addresses).toEqual([{ host: '127.0.0.9', port: PORT }]);
    expect(dns.asked('x9.filtered.seed.test')).toBe(true);
    expect(dns.asked('filtered.seed.test')).toBe(false);
  });

  test('an undocumented seed is asked by its bare name only', async () => {
    const r = await queryDnsSeed('v4only.seed.test', network({ 'v4only.seed.test': null }), { lookup });
    expect(r.answeredBy).toBe('v4only.seed.test');
    expect(dns.asked('x9.v4only.seed.test')).toBe(false);
  });

  test('an empty filtered answer falls back to the bare name', async () => {
    const r = await queryDnsSeed('emptyfilter.seed.test', network({ 'emptyfilter.seed.test': ['x9'] }), { lookup });
    expect(r.answeredBy).toBe('emptyfilter.seed.test');
    expect(r.addresses).toEqual([{ host: '127.0.0.11', port: PORT }]);
    expect(r.queries.map((q) => q.name)).toEqual([
      'x9.emptyfilter.seed.test',
      'x9.emptyfilter.seed.test',
      'emptyfilter.seed.test',
      'emptyfilter.seed.test',
    ]);
    expect(r.error).toBeUndefined();
  });

  test('an NXDOMAIN filtered name falls back to the bare name', async () => {
    const r = await queryDnsSeed('nxfilter.seed.test', network({ 'nxfilter.seed.test': ['x9'] }), { lookup });
    expect(r.queries.filter((q) => q.name === 'x9.nxfilter.seed.test').map((q) => q.error?.code)).toEqual(['dns_nxdomain', 'dns_nxdomain']);
    expect(r.answeredBy).toBe('nxfilter.seed.test');
    expect(r.addresses).toEqual([{ host: '2001:db8::11', port: PORT }]);
    expect(r.error).toBeUndefined();
  });

  test('NXDOMAIN, SERVFAIL and REFUSED are recorded per seed; the other seeds still answer', async () => {
    const results = await queryDnsSeeds(
      network({ 'missing.seed.test': null, 'failing.seed.test': null, 'refusing.seed.test': null, 'both.seed.test': null, 'empty.seed.test': null }),
      { lookup },
    );
    const bySeed = new Map(results.map((r) => [r.seed, r]));
    expect(bySeed.get('missing.seed.test')!.error?.code).toBe('dns_nxdomain');
    expect(bySeed.get('failing.seed.test')!.error?.code).toBe('dns_servfail');
    expect(bySeed.get('refusing.seed.test')!.error?.code).toBe('dns_refused');
    expect(bySeed.get('both.seed.test')!.addresses).toHaveLength(4);
    const empty = bySeed.get('empty.seed.test')!;
    expect(empty.addresses).toEqual([]);
    expect(empty.error).toBeUndefined();
    expect(bySeed.get('missing.seed.test')!.error?.message).toMatch(/missing\.seed\.test/);
  });

  test('a seed that never answers times out at its deadline without holding up the others', async () => {
    const timeoutMs = 400;
    const results = await queryDnsSeeds(network({ 'hang.seed.test': null, 'both.seed.test': null }), {
      lookup: createDnsLookup({ server: dns.server, timeoutMs }),
      timeoutMs,
    });
    const hang = results.find((r) => r.seed === 'hang.seed.test')!;
    expect(hang.error?.code).toBe('dns_timeout');
    expect(hang.addresses).toEqual([]);
    expect(hang.queries.map((q) => `${q.name}/${q.family}:${q.error?.code}`)).toEqual(['hang.seed.test/4:dns_timeout', 'hang.seed.test/6:dns_timeout']);
    expect(hang.durationMs).toBeGreaterThanOrEqual(timeoutMs * 0.9); // it waited for the deadline, not less
    expect(results.find((r) => r.seed === 'both.seed.test')!.addresses).toHaveLength(4);
  });

  test('identical answers are kept once', async () => {
    const r = await queryDnsSeed('dup.seed.test', network({ 'dup.seed.test': null }), { lookup });
    expect(r.addresses).toEqual([{ host: '127.0.0.5', port: PORT }]);
  });

  test('an IPv6 loopback DNS server works too ([::1]:port)', async () => {
    const dns6 = await startDnsServer({ 'six.seed.test': { a: ['127.0.0.6'] } }, '::1');
    try {
      const r = await queryDnsSeed('six.seed.test', network({ 'six.seed.test': null }), {
        lookup: createDnsLookup({ server: dns6.server }),
      });
      expect(r.addresses).toEqual([{ host: '127.0.0.6', port: PORT }]);
    } finally {
      await dns6.close();
    }
  });
});

describe('DNS seeds with injected lookups', () => {
  test('a lookup that ignores the abort signal is still bounded by the deadline', async () => {
    const never: DnsLookup = () => new Promise<string[]>(() => {});
    const r = await queryDnsSeed('s.test', network({ 's.test': ['x9'] }), { lookup: never, timeoutMs: 50 });
    expect(r.error?.code).toBe('dns_timeout');
    // The deadline covers the seed as a whole: no time is left for the fallback name.
    expect(r.queries.map((q) => q.name)).toEqual(['x9.s.test', 'x9.s.test']);
  });

  test('the signal is aborted at the deadline', async () => {
    const signals: AbortSignal[] = [];
    const waits: DnsLookup = (_n, _f, signal) =>
      new Promise((_resolve, reject) => {
        signals.push(signal!);
        signal!.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const r = await queryDnsSeed('s.test', network({ 's.test': null }), { lookup: waits, timeoutMs: 30 });
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(r.queries.map((q) => q.error?.code)).toEqual(['dns_timeout', 'dns_timeout']);
  });

  test('answers that are not dialable IP addresses are dropped and counted', async () => {
    const junk: DnsLookup = async (_name, family) =>
      family === 4 ? ['127.0.0.7', 'not-an-ip', '::1', '::ffff:127.0.0.8'] : ['fc00::1', '2001:db8::7', '1.2.3.4'];
    const r = await queryDnsSeed('s.test', network({ 's.test': null }), { lookup: junk });
    expect(r.addresses.map((a) => a.host)).toEqual(['127.0.0.7', '::1', '127.0.0.8', '2001:db8::7', '1.2.3.4']);
    expect(r.queries.map((q) => q.dropped)).toEqual([1, 1]);
  });

  test(`at most MAX_IPS_PER_SEED (${MAX_IPS_PER_SEED}) addresses are kept from one seed`, async () => {
    const many: DnsLookup = async (_name, family) =>
      family === 4 ? Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) : [];
    const r = await queryDnsSeed('s.test', network({ 's.test': null }), { lookup: many });
    expect(r.addresses).toHaveLength(MAX_IPS_PER_SEED);
  });

  test('raw node:dns errors and thrown DiscoveryErrors are classified; anything else is dns_failed', async () => {
    const codes: Record<string, unknown> = {
      'nx.test': Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }),
      'sf.test': Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' }),
      'own.test': new DiscoveryError('dns_refused', 'refused'),
      'odd.test': 'a string',
    };
    const throwing: DnsLookup = (name) => {
      if (name === 'sync.test') throw new Error('synchronous');
      return Promise.reject(codes[name]);
    };
    const results = await queryDnsSeeds(network({ 'nx.test': null, 'sf.test': null, 'own.test': null, 'odd.test': null, 'sync.test': null }), {
      lookup: throwing,
    });
    expect(results.map((r) => r.error?.code)).toEqual(['dns_nxdomain', 'dns_servfail', 'dns_refused', 'dns_failed', 'dns_failed']);
  });

  test('durations come from the injected clock', async () => {
    let t = 1000;
    const r = await queryDnsSeed('s.test', network({ 's.test': null }), {
      lookup: async () => ['127.0.0.1'],
      now: () => (t += 10),
    });
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.queries.every((q) => q.durationMs > 0)).toBe(true);
  });
});

describe('parseDnsServer', () => {
  test.each([
    ['127.0.0.1:5353', '127.0.0.1:5353'],
    ['127.0.0.1', '127.0.0.1:53'],
    ['[::1]:5353', '[::1]:5353'],
    ['[::1]', '[::1]:53'],
    ['::1', '[::1]:53'],
    [' 127.0.0.2:1 ', '127.0.0.2:1'],
  ])('%s → %s', (input, out) => {
    expect(parseDnsServer(input)).toBe(out);
  });

  test.each(['localhost:53', 'dns.example.test', '127.0.0.1:0', '127.0.0.1:70000', '127.0.0.1:x', '[127.0.0.1]:53', '', '1.2.3:53'])(
    'rejects %j with a UsageError naming the flag',
    (input) => {
      expect(() => parseDnsServer(input)).toThrow(UsageError);
      expect(() => parseDnsServer(input)).toThrow(/--dns-server/);
    },
  );
});
