// The README's examples/ as a user runs them: plain ESM JavaScript importing 'spv' (the package
// resolves itself through package.json "exports"), each against a local `spv serve`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCli, stop } from '../helpers/cli.js';

const ADDRESS = 'bcrt1q60fa857n60fa857n60fa857n60fa857njvutma';

function runExample(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'examples', file), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

let serve: Awaited<ReturnType<typeof startCli>>;
let peer: string;
let tip: string;
const dirs: string[] = [];
beforeAll(async () => {
  serve = await startCli(
    ['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '2300', '--seed', 'examples', '--pay', `${ADDRESS}:0.5@100`, '--pay', `${ADDRESS}:0.25@2200`],
    /listening on 127\.0\.0\.1:(\d+), serving \d+ (?:headers|blocks)[^(]*\(tip ([0-9a-f]{64})\)/,
    60_000,
  );
  peer = `127.0.0.1:${serve.match[1]}`;
  tip = serve.match[2] as string;
});
afterAll(async () => {
  await stop(serve.child);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function datadir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-example-'));
  dirs.push(d);
  return d;
}

test('examples/handshake.js prints the peer\'s agent, version, services and height', async () => {
  const r = await runExample('handshake.js', [peer, 'regtest']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^${peer}: /spv[^ ]*/ protocol 70016, services NETWORK\\|BLOOM\\|WITNESS\\|COMPACT_FILTERS\\n`));
  expect(r.stdout).toMatch(/height 2300, handshake [\d.]+ ms, ping [\d.]+ ms/);
});

test('examples/handshake.js against a closed port fails with the reason', async () => {
  const r = await runExample('handshake.js', ['127.0.0.1:1', 'regtest']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/handshake failed \(refused\)/);
});

test('examples/sync-headers.js syncs and prints the same tip the peer serves', async () => {
  const r = await runExample('sync-headers.js', [peer, datadir(), 'regtest']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`tip 2300 ${tip}`);
  expect(r.stdout).toMatch(/headers 2000\/2300/);
});

test('examples/watch-address.js finds both payments and the balance', async () => {
  const r = await runExample('watch-address.js', [peer, ADDRESS, datadir(), 'regtest']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/at height 100: \+0\.5 BTC/);
  expect(r.stdout).toMatch(/at height 2200: \+0\.25 BTC/);
  expect(r.stdout).toContain(`${ADDRESS}: 0.75 BTC in 2 unspent output(s) at height 2300`);
});

test('examples/toy-network.js runs a ring that converges', async () => {
  const r = await runExample('toy-network.js', ['6', 'ring']);
  expect(r.code).toBe(0);
  expect(r.stdout.match(/^block \d from node \d: 6\/6 nodes/gm)).toHaveLength(3);
  expect(r.stdout).toMatch(/converged at height 3/);
});
