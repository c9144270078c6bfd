// `spv watch` as a user runs it: addresses checked before any traffic, a scan against
// `spv serve --pay/--spend`, a second run that resumes from the datadir, and (seen with
// `--trace`) the whole watch running over BIP324 v2 against `spv serve`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tripwire } from '../helpers/tripwire.js';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2trScript, p2wpkhScript } from '../../src/tx/builder.js';
import { NETWORKS } from '../../src/params/networks.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function datadir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-watch-'));
  dirs.push(d);
  return d;
}

/** A port where a connection attempt would be noticed: the test fails if anything dials it. */
test.each([
  ['a mainnet address on regtest', encodeAddress(p2wpkhScript(new Uint8Array(20).fill(1)), NETWORKS.mainnet), /for mainnet, not regtest/],
  ['a bad checksum', 'bcrt1qqurswpc8qurswpc8qurswpc8qurswpc8dxm0gq', /checksum/],
  ['garbage', 'not-an-address', /not-an-address/],
])('%s: exit 2 with a clear error, before any network traffic', async (_what, address, message) => {
  const wire = await tripwire();
  try {
    const r = await runCli(['watch', '--regtest', '--connect', `127.0.0.1:${wire.port}`, '--datadir', datadir(), '--address', address]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(wire.dialed()).toBe(false);
  } finally {
    await wire.close();
  }
});

test('finds payments and spends, prints the balance; a second run resumes', async () => {
  const wpkh = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x33)), NETWORKS.regtest);
  const tr = encodeAddress(p2trScript(new Uint8Array(32).fill(0x44)), NETWORKS.regtest);
  const served = await startCli(
    ['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '400', '--pay', `${wpkh}:1.5@150`, '--pay', `${tr}:25000sat@160`, '--spend', `${wpkh}:0.5@200`],
    /listening on 127\.0\.0\.1:(\d+)/,
    30000,
  );
  const dir = datadir();
  try {
    const args = ['watch', '--regtest', '--connect', `127.0.0.1:${served.match[1]}`, '--datadir', dir, '--address', wpkh, '--address', tr, '--no-follow'];
    const r = await runCli(args, { timeoutMs: 30000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => / height 150 .*\+1\.5 BTC to /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / height 160 .*\+0\.00025 BTC to /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / height 200 .*-1\.5 BTC from /.test(l))).toHaveLength(1);
    expect(r.stdout).toMatch(new RegExp(`${wpkh}\\s+0\\.99999 BTC\\s+1`));
    expect(r.stdout).toMatch(new RegExp(`${tr}\\s+0\\.00025 BTC\\s+1`));
    const again = await runCli([...args, '--json'], { timeoutMs: 30000 });
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: expect.any(String) as string });
    const events = again.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; addresses?: { address: string; balance: string }[] });
    expect(events.filter((e) => e.event === 'tx')).toHaveLength(0); // nothing new to find
    const balances = events.find((e) => e.event === 'balances');
    expect(balances?.addresses?.find((a) => a.address === wpkh)?.balance).toBe('99999000');
  } finally {
    await stop(served.child);
  }
}, 90000);

test('watch --no-follow against a peer silent when up to date: the second run finishes at once', async () => {
  const addr = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x66)), NETWORKS.regtest);
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '60', '--pay', `${addr}:2@30`, '--silent-up-to-date'], /listening on 127\.0\.0\.1:(\d+)/);
  const dir = datadir();
  try {
    const args = ['watch', '--regtest', '--connect', `127.0.0.1:${served.match[1]}`, '--datadir', dir, '--address', addr, '--no-follow'];
    for (let run = 0; run < 2; run++) {
      // Without the fix the second run waits for the 30 s headers stall and fails; runCli kills it at 20 s.
      const r = await runCli(args, { timeoutMs: 20000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${addr}\\s+2 BTC\\s+1`));
    }
  } finally {
    await stop(served.child);
  }
});

test('peers without compact filters are dropped and replaced by one that has them', async () => {
  const addr = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x55)), NETWORKS.regtest);
  const headersOnly = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '50'], /listening on 127\.0\.0\.1:(\d+)/);
  const full = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '50', '--pay', `${addr}:1@20`], /listening on 127\.0\.0\.1:(\d+)/);
  try {
    const r = await runCli(
      ['watch', '--regtest', '--max-peers', '1', '--connect', `127.0.0.1:${headersOnly.match[1]}`, '--connect', `127.0.0.1:${full.match[1]}`, '--datadir', datadir(), '--address', addr, '--no-follow'],
      { timeoutMs: 30000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ height 20 .*\+1 BTC/);
  } finally {
    await stop(headersOnly.child);
    await stop(full.child);
  }
}, 60000);

test('--minimumchainwork (Core -minimumchainwork) above the peers\' chain: watch refuses to report on it, sync exits 1 (issue 13)', async () => {
  const wpkh = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x55)), NETWORKS.regtest);
  // 200 regtest blocks of work 2 each (bits 0x207fffff) + genesis: 402 = 0x192.
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '200', '--pay', `${wpkh}:2@150`], /listening on 127\.0\.0\.1:(\d+)/, 30000);
  try {
    const peer = ['--connect', `127.0.0.1:${served.match[1]}`];
    const above = await runCli(['watch', '--regtest', ...peer, '--datadir', datadir(), '--address', wpkh, '--no-follow', '--minimumchainwork', '0x193', '--json'], { timeoutMs: 30000 });
    expect(above.code).toBe(1);
    expect(above.stderr).toMatch(/less work than regtest's minimum chain work; the peers' chains \(out#\d+ 127\.0\.0\.1:\d+ to height 200\) too, so they were not stored; not trusted: not scanning it for payments/);
    const events = above.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; height?: number });
    expect(events.filter((e) => e.event === 'tx')).toHaveLength(0);
    // Nothing of a chain below the minimum is stored (Core's headers presync): we hold genesis only.
    expect(events).toContainEqual({ event: 'below_minimum_work', height: 0, lowWorkChains: [{ peer: expect.stringMatching(/127\.0\.0\.1/) as string, height: 200 }] });
    const sync = await runCli(['sync', '--regtest', ...peer, '--datadir', datadir(), '--minimumchainwork', '193'], { timeoutMs: 30000 });
    expect(sync.code).toBe(1);
    expect(sync.stdout).toMatch(/peers used\s+\(none: their chains had too little work to store\)/);
    expect(sync.stdout).toMatch(/chain work\s+BELOW the network minimum/);
    // Exactly the chain's work is enough (Core: nChainWork >= nMinimumChainWork).
    const at = await runCli(['watch', '--regtest', ...peer, '--datadir', datadir(), '--address', wpkh, '--no-follow', '--minimumchainwork', '192'], { timeoutMs: 30000 });
    expect(at.code).toBe(0);
    expect(at.stdout).toMatch(/ height 150 .*\+2 BTC to /);
    const bad = await runCli(['sync', '--regtest', ...peer, '--datadir', datadir(), '--minimumchainwork', 'xyz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--minimumchainwork: expected up to 64 hex digits/);
  } finally {
    await stop(served.child);
  }
}, 120000);

test('against spv serve, the whole watch (handshake, headers, filters, blocks) runs over BIP324 v2 (--trace)', async () => {
  const addr = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x77)), NETWORKS.regtest);
  const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '30', '--pay', `${addr}:1@10`], /listening on 127\.0\.0\.1:(\d+)/);
  try {
    const r = await runCli(['watch', '--regtest', '--connect', `127.0.0.1:${served.match[1]}`, '--datadir', datadir(), '--address', addr, '--no-follow', '--json', '--trace', '--log-level', 'warn'], { timeoutMs: 30000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"event":"tx"');
    // --trace --json: one JSON line per message on stderr, each naming the connection's transport.
    const traced = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { direction: string; transport: string; command: string; summary: string });
    const commands = new Set(traced.map((t) => t.command));
    for (const c of ['version', 'headers', 'cfheaders', 'cfilter', 'block']) expect(commands).toContain(c);
    expect(new Set(traced.map((t) => t.transport))).toEqual(new Set(['v2']));
    // --no-follow: no transaction relay asked for (BIP37 relay flag 0).
    expect(traced.find((t) => t.direction === 'sent' && t.command === 'version')?.summary).toMatch(/ relay=0$/);
  } finally {
    await stop(served.child);
  }
}, 60000);
