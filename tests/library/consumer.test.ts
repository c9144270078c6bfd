// spv as another project uses it: `npm pack`, install the tarball into a new project, import the
// public API from plain ESM JavaScript (and run it against a local peer), type-check a
// TypeScript file against the shipped .d.ts, and run the installed `spv` binary.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCli, stop } from '../helpers/cli.js';

/** npm's own CLI: the one running `npm test`, else the one installed beside node. */
const NPM_CLI = process.env.npm_execpath?.endsWith('.js') ? process.env.npm_execpath : join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let project: string;
let tarballFiles: string[];

function npm(args: string[], cwd: string): string {
  return execFileSync(process.execPath, [NPM_CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'spv-consumer-'));
  // dist/ is already built by the test run's global setup: pack it as it is.
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', project], ROOT)) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed[0]!.files.map((f) => f.path);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  // The tarball's dependencies and @types/node come from npm's cache when it has them.
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(project, packed[0]!.filename), '@types/node@20'], project);
}, 180_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

test('the tarball ships dist, seeds, README and licence, and no tests or sources', () => {
  expect(tarballFiles).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/spv.js', 'seeds/testnet4.txt', 'hints/testnet3.txt', 'README.md', 'LICENSE', 'package.json']));
  expect(tarballFiles.filter((f) => f.startsWith('tests/') || f.startsWith('dist/tests/') || f.startsWith('src/') || f.endsWith('.map'))).toEqual([]);
});

test('plain ESM JavaScript imports the API and handshakes a local peer with it', async () => {
  const serve = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '50'], /listening on 127\.0\.0\.1:(\d+)/, 60_000);
  try {
    writeFileSync(
      join(project, 'use.mjs'),
      `import * as spv from 'spv';
import { handshake, encodeMessage, decodeMessage, SpvClient, SpvError, ToyNetwork } from 'spv';
const info = await handshake(process.argv[2], { network: 'regtest', v2transport: true });
const ping = decodeMessage(encodeMessage({ command: 'ping', nonce: 7n }, { network: 'signet' }), { network: 'signet' });
let code;
try { new SpvClient({ network: 'nope' }); } catch (e) { code = e instanceof SpvError ? e.code : 'not an SpvError'; }
console.log(JSON.stringify({ exports: Object.keys(spv).sort(), agent: info.userAgent, height: info.startHeight, transport: info.transport, sessionId: info.sessionId, ping: String(ping.nonce), code, topologies: ToyNetwork.topologies }));
`,
    );
    const r = spawnSync(process.execPath, ['use.mjs', `127.0.0.1:${serve.match[1]}`], { cwd: project, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { exports: string[]; agent: string; height: number; transport: string; sessionId: string; ping: string; code: string; topologies: string[] };
    expect(out.exports).toEqual(expect.arrayContaining(['SpvClient', 'handshake', 'discoverPeers', 'ToyNode', 'ToyNetwork', 'encodeMessage', 'decodeMessage', 'SpvError', 'SyncError', 'AddressWatch']));
    expect(out).toMatchObject({ height: 50, ping: '7', code: 'unknown_chain', topologies: ['line', 'ring', 'star', 'random'] });
    expect(out.agent).toMatch(/^\/spv/);
    // BIP324 from the installed package: its crypto dependencies resolve from the tarball's install.
    expect(out.transport).toBe('v2');
    expect(out.sessionId).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    await stop(serve.child);
  }
}, 60_000);

test('TypeScript type-checks against the shipped .d.ts (and rejects misuse)', () => {
  writeFileSync(
    join(project, 'use.ts'),
    `import { SpvClient, handshake, discoverPeers, type PeerInfo, type Tip, type WatchTx, type Balances } from 'spv';
export async function main(): Promise<void> {
  const info: PeerInfo = await handshake('127.0.0.1:18444', { network: 'regtest', timeoutMs: 1000 });
  const n: number = info.pingMs ?? info.handshakeMs;
  const client = new SpvClient({ network: 'testnet4', datadir: '/tmp/x', peers: ['127.0.0.1:48333'], maxPeers: 2 });
  const watch = client.watch(['tb1qxyz'], { fromHeight: 10, bloom: false });
  watch.on('tx', (tx: WatchTx) => console.log(tx.txid, tx.confirmations));
  watch.on('balances', (b: Balances) => console.log(b.addresses[0]?.balance === 1n));
  client.on('tip', (t) => console.log(t.height, t.hash, t.peer));
  await client.start();
  const tip: Tip = await client.synced({ signal: AbortSignal.timeout(1000) });
  console.log(n, tip.height, client.header(tip.hash)?.merkleRoot, (await discoverPeers({ network: 'signet', dns: false })).peers.length);
  // @ts-expect-error: not one of Core's chain names
  new SpvClient({ network: 'bitcoin-cash' });
  // @ts-expect-error: synced() resolves with a Tip, whose height is a number
  const s: string = (await client.synced()).height;
  void s;
}
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] }, files: ['use.ts'] }),
  );
  const r = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 60_000);

test('the installed `spv` binary runs and finds its shipped seeds', () => {
  const bin = join(project, 'node_modules', '.bin');
  expect(readdirSync(bin)).toContain('spv');
  const r = spawnSync(process.execPath, [join(project, 'node_modules', 'spv', 'dist', 'spv.js'), 'seeds', '--testnet4', '--json'], { cwd: project, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as { network: string; fixedSeeds: { file: string; count: number; addresses: string[] } };
  expect(out.network).toBe('testnet4');
  expect(out.fixedSeeds.file).toBe(join(project, 'node_modules', 'spv', 'seeds', 'testnet4.txt'));
  expect(out.fixedSeeds.count).toBeGreaterThan(0);
  expect(out.fixedSeeds.addresses[0]).toMatch(/:48333$/);
});
