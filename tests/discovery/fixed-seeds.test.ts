// Seeds file parsing (strict, with line numbers), the shipped seeds/ files, and locating them.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NETWORK_NAMES, NETWORKS } from '../../src/params/networks.js';
import { DiscoveryError } from '../../src/discovery/errors.js';
import { packageRoot, parseSeedsFile, readSeedsFile, shippedSeedsPath } from '../../src/discovery/fixed-seeds.js';

function syntaxError(text: string): DiscoveryError {
  try {
    parseSeedsFile(text, 'my.txt', 18444);
  } catch (err) {
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as DiscoveryError).code).toBe('seeds_file_syntax');
    return err as DiscoveryError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('parseSeedsFile', () => {
  test('comments, blank lines, CRLF, trailing notes, brackets and default port', () => {
    const text = '# header\r\n\r\n1.2.3.4:18333 # AS1\r\n  [2001:DB8::0:1]:8333\n5.6.7.8\n[::ffff:9.9.9.9]:1\n[2001:db8::2]\n';
    expect(parseSeedsFile(text, 'x', 18444)).toEqual([
      { host: '1.2.3.4', port: 18333 },
      { host: '2001:db8::1', port: 8333 },
      { host: '5.6.7.8', port: 18444 },
      { host: '9.9.9.9', port: 1 },
      { host: '2001:db8::2', port: 18444 },
    ]);
  });

  test('an empty or comment-only file is an empty list', () => {
    expect(parseSeedsFile('', 'x', 1)).toEqual([]);
    expect(parseSeedsFile('# nothing\n\n   # still nothing\n', 'x', 1)).toEqual([]);
  });

  test.each([
    ['abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzab.onion:18333', /Tor and I2P/],
    ['a7jpzmbtvn5qgvnxez2zc4nvabso4xmllbrqmuoavxz537ttbdtq.b32.i2p:0', /Tor and I2P/],
    ['[fc10:efa7:ca6:1548:f8c:6bb9:1cc4:63ae]:48333', /CJDNS/],
    ['seed.example.test:18333', /host names are not allowed/],
    ['2001:db8::1', /in brackets/],
    ['2001:db8::1:18333', /in brackets/],
    ['[1.2.3.4]:18333', /not an IPv6 address|IPv6 addresses only/],
    ['[2001:db8::1]x', /\[IPv6\]:port/],
    ['1.2.3.4:0', /between 1 and 65535/],
    ['1.2.3.4:65536', /between 1 and 65535/],
    ['1.2.3.4:', /port must be a number/],
    ['1.2.3.4:12ab', /port must be a number/],
    ['1.2.3.4:1 5.6.7.8:2', /one address per line/],
    ['1.2.3', /not an IPv4 address/],
    ['[fe80::1%eth0]:8333', /not an IPv6 address/],
  ])('rejects %s', (line, why) => {
    const err = syntaxError(`# ok\n1.1.1.1:1\n\n${line}\n`);
    expect(err.message).toMatch(why);
    expect(err.message.startsWith('my.txt:4: ')).toBe(true);
  });

  test('the line number counts comments and blank lines', () => {
    expect(syntaxError('\n\n# c\n\n\nbogus\n').message).toMatch(/^my\.txt:6: /);
    expect(syntaxError('1.1.1.1:1\r\n2.2.2.2:x\r\n').message).toMatch(/^my\.txt:2: .*"2\.2\.2\.2:x"/);
  });
});

describe('readSeedsFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spv-seeds-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file and names it in errors', async () => {
    const good = join(dir, 'good.txt');
    writeFileSync(good, '127.0.0.2\n[::1]:18445\n');
    expect(await readSeedsFile(good, 18444)).toEqual([
      { host: '127.0.0.2', port: 18444 },
      { host: '::1', port: 18445 },
    ]);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '127.0.0.2\nlocalhost\n');
    await expect(readSeedsFile(bad, 18444)).rejects.toThrow(`${bad}:2: `);
  });

  test('a missing file is seeds_file_unreadable', async () => {
    await expect(readSeedsFile(join(dir, 'nope.txt'), 1)).rejects.toMatchObject({ code: 'seeds_file_unreadable' });
  });
});

describe('shipped seeds files', () => {
  test.each(NETWORK_NAMES)('%s: exists, parses strictly, uses only IPv4/IPv6', (name) => {
    const path = shippedSeedsPath(name);
    const text = readFileSync(path, 'utf8');
    const list = parseSeedsFile(text, path, NETWORKS[name].defaultPort);
    expect(text.startsWith('# ')).toBe(true);
    for (const a of list) expect(a.host).not.toMatch(/^fc|onion|i2p/);
  });

  test('testnet4 and testnet3 headers state the counts the files hold', () => {
    for (const name of ['testnet4', 'testnet3'] as const) {
      const text = readFileSync(shippedSeedsPath(name), 'utf8');
      const list = parseSeedsFile(text, name, NETWORKS[name].defaultPort);
      const m = /Kept: (\d+) IPv4 \+ (\d+) IPv6 = (\d+)/.exec(text);
      expect(m).not.toBeNull();
      const v4 = list.filter((a) => !a.host.includes(':')).length;
      expect([Number(m![1]), Number(m![2]), Number(m![3])]).toEqual([v4, list.length - v4, list.length]);
      expect(new Set(list.map((a) => `${a.host}|${a.port}`)).size).toBe(list.length);
    }
  });

  test('testnet4 keeps the 96 IPv4/IPv6 nodes of Core nodes_testnet4.txt, all on port 48333', () => {
    const list = parseSeedsFile(readFileSync(shippedSeedsPath('testnet4'), 'utf8'), 't4', 48333);
    expect(list).toHaveLength(96);
    expect(list.every((a) => a.port === 48333)).toBe(true);
    expect(readFileSync(shippedSeedsPath('testnet4'), 'utf8')).toMatch(/60 Tor v3 .*6 I2P[\s\S]*2 CJDNS/);
  });

  test('mainnet, signet and regtest ship empty lists that say why', () => {
    for (const name of ['mainnet', 'signet', 'regtest'] as const) {
      const text = readFileSync(shippedSeedsPath(name), 'utf8');
      expect(parseSeedsFile(text, name, 1)).toEqual([]);
      expect(text).toMatch(/intentionally empty/);
    }
  });
});

describe('packageRoot', () => {
  test('is the folder with package.json named "spv", holding seeds/', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('spv');
    expect(shippedSeedsPath('testnet4')).toBe(join(root, 'seeds', 'testnet4.txt'));
  });

  test('walks up from a compiled-looking location (dist/src/discovery) to the package.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spv-root-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{}');
      mkdirSync(join(dir, 'dist', 'src', 'discovery'), { recursive: true });
      const url = pathToFileURL(join(dir, 'dist', 'src', 'discovery', 'fixed-seeds.js')).href;
      expect(packageRoot(url)).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
