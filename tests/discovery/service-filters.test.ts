// Asking DNS seeds for peers with the services a mode needs (networks.md 6.1): the preferred
// service-filter prefixes first, where Core documents the seed as supporting them.
import { seedQueryNames, queryDnsSeeds } from '../../src/discovery/dns-seeds.js';
import { NETWORKS } from '../../src/params/networks.js';
import { startDnsServer } from './dns-server.js';
import { createDnsLookup } from '../../src/discovery/dns.js';

const main = NETWORKS.mainnet;

test('compact-filter wallets ask x49 first where documented, then x9, then the bare name', () => {
  const achow = 'seed.mainnet.achownodes.xyz';
  const sipa = 'seed.bitcoin.sipa.be';
  expect(seedQueryNames(achow, main.dnsSeedFilters[achow], ['x49', 'x9'])).toEqual([`x49.${achow}`, `x9.${achow}`, achow]);
  expect(seedQueryNames(sipa, main.dnsSeedFilters[sipa], ['x49', 'x9'])).toEqual([`x9.${sipa}`, sipa]);
  expect(seedQueryNames('seed.bitcoin.sprovoost.nl', null, ['x49', 'x9'])).toEqual(['seed.bitcoin.sprovoost.nl']);
  expect(seedQueryNames(sipa, main.dnsSeedFilters[sipa], ['xd', 'x9'])).toEqual([`xd.${sipa}`, `x9.${sipa}`, sipa]);
});

test('a real DNS server on loopback: the x49 answer is used when it has addresses', async () => {
  const dns = await startDnsServer({
    'x49.seed.mainnet.achownodes.xyz': { a: ['127.0.0.49'] },
    'x9.seed.mainnet.achownodes.xyz': { a: ['127.0.0.9'] },
  });
  try {
    const achowOnly = { ...main, dnsSeeds: ['seed.mainnet.achownodes.xyz'] };
    const [r] = await queryDnsSeeds(achowOnly, { lookup: createDnsLookup({ server: dns.server, timeoutMs: 2000 }), timeoutMs: 2000, serviceFilters: ['x49', 'x9'] });
    expect(r?.answeredBy).toBe('x49.seed.mainnet.achownodes.xyz');
    expect(r?.filter).toBe('x49');
    expect(r?.addresses.map((a) => a.host)).toEqual(['127.0.0.49']);
    expect(dns.asked('x9.seed.mainnet.achownodes.xyz')).toBe(false);
  } finally {
    await dns.close();
  }
});
