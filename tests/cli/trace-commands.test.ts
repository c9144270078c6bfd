// `--trace` on the Bitcoin commands not covered by trace-decode.test.ts (handshake, sync,
// broadcast): `spv serve` (the inbound side), `spv watch` (BIP157 getcfilters/cfilter) and
// `spv connect` (version/verack/ping). One small `spv serve --trace` on loopback for all three.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { p2wpkhScript } from '../../src/tx/builder.js';
import { NETWORKS } from '../../src/params/networks.js';

const dirs: string[] = [];
function datadir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-trace-cmd-'));
  dirs.push(d);
  return d;
}

/** A trace line: time, peer, direction, transport, size, summary (formatTraceText). */
const LINE = /^\d\d:\d\d:\d\d\.\d{3} (in|out)#\d+ 127\.0\.0\.1:\d+ [←→] (recv|sent) v[12] +\d+ B {2}/;
const traceLines = (text: string): string[] => text.split('\n').filter((l) => LINE.test(l));

const ADDRESS = encodeAddress(p2wpkhScript(new Uint8Array(20).fill(0x5a)), NETWORKS.regtest);
let served: Awaited<ReturnType<typeof startCli>>;
let port: string;

beforeAll(async () => {
  // --pay makes it serve blocks and BIP157/158 filters (for watch); 40 blocks keep it quick.
  served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '40', '--pay', `${ADDRESS}:1@20`, '--trace'], /listening on 127\.0\.0\.1:(\d+)/, 30000);
  port = served.match[1]!;
}, 40000);

afterAll(async () => {
  if (served) await stop(served.child);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('spv serve --trace: inbound lines for a peer\'s version and getheaders, and the replies', async () => {
  const synced = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', datadir(), '--no-v2transport', '--log-level', 'warn'], { timeoutMs: 30000 });
  expect(synced.code).toBe(0);
  const lines = traceLines(served.output()).filter((l) => l.includes(' in#'));
  // The peer's messages come in on an inbound connection (in#N), v1 as asked.
  expect(lines.some((l) => / in#\d+ 127\.0\.0\.1:\d+ ← recv v1 +121 B {2}version 70016 \/spv:0\.1\.0\/ h=0 NONE relay=0$/.test(l))).toBe(true);
  expect(lines.some((l) => / ← recv v1 +\d+ B {2}getheaders locator 1 from [0-9a-f]{8}…[0-9a-f]{8} h=0 stop=0$/.test(l))).toBe(true);
  // ... and serve's answers go out on the same connection: its version (h=40) and the headers.
  expect(lines.some((l) => / in#\d+ 127\.0\.0\.1:\d+ → sent v1 +\d+ B {2}version 70016 \/spv:0\.1\.0\/ h=40 /.test(l))).toBe(true);
  expect(lines.some((l) => / → sent v1 +\d+ B {2}headers 40 \(1\.\.40\)$/.test(l))).toBe(true);
  expect(served.output()).not.toMatch(/\x1b\[/); // stderr is a pipe here: plain
}, 60000);

test('spv watch --trace: getcfilters out, cfilter lines in', async () => {
  const r = await runCli(['watch', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', datadir(), '--address', ADDRESS, '--no-follow', '--trace', '--log-level', 'warn'], { timeoutMs: 30000 });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`${ADDRESS}\\s+1 BTC\\s+1`));
  const lines = traceLines(r.stderr);
  expect(lines.some((l) => / out#\d+ 127\.0\.0\.1:\d+ → sent v2 +\d+ B {2}getcfilters type=0 from h=\d+ to /.test(l))).toBe(true);
  const cfilters = lines.filter((l) => / ← recv v2 +\d+ B {2}cfilter block /.test(l));
  expect(cfilters.length).toBeGreaterThan(0);
  // The block a filter is for is named by height (the watch knows the chain).
  expect(cfilters.some((l) => /cfilter block h=\d+|cfilter block [0-9a-f]{8}…[0-9a-f]{8}/.test(l))).toBe(true);
}, 60000);

test('spv connect --trace: version, verack and the first keep-alive ping, both ways', async () => {
  const r = await runCli(
    ['connect', '--regtest', '--connect', `127.0.0.1:${port}`, '--no-dns', '--datadir', datadir(), '--no-sync', '--duration', '1500', '--trace', '--log-level', 'warn'],
    { timeoutMs: 30000 },
  );
  expect(r.code).toBe(0);
  const lines = traceLines(r.stderr);
  const has = (re: RegExp): boolean => lines.some((l) => re.test(l));
  expect(has(/ out#1 127\.0\.0\.1:\d+ → sent v2 +\d+ B {2}version 70016 \/spv:0\.1\.0\/ h=\d+ NONE relay=0$/)).toBe(true);
  expect(has(/ ← recv v2 +\d+ B {2}version 70016 \/spv:0\.1\.0\/ h=40 /)).toBe(true);
  expect(has(/ → sent v2 +\d+ B {2}verack$/)).toBe(true);
  expect(has(/ ← recv v2 +\d+ B {2}verack$/)).toBe(true);
  // Core pings as soon as the connection is established; serve answers with the same nonce (BIP31).
  const sentPing = lines.map((l) => / → sent v2 +\d+ B {2}ping nonce=(0x[0-9a-f]{16})$/.exec(l)?.[1]).find(Boolean);
  expect(sentPing).toBeDefined();
  expect(has(new RegExp(` ← recv v2 +\\d+ B {2}pong nonce=${sentPing}$`))).toBe(true);
}, 60000);
