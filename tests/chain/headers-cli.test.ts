// `spv headers tip|get`: the command function with captured output, and the compiled CLI
// for exit codes (0 ok, 1 nothing stored / not found, 2 bad usage).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { generateChain, splitHeaders } from '../../src/chain/generate.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { runHeaders, type HeaderReport } from '../../src/cli/commands/headers.js';
import { UsageError } from '../../src/util/errors.js';
import { ROOT, SPV } from '../helpers/cli.js';
import { FAR_FUTURE } from './helpers.js';

const REG = NETWORKS.regtest;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'spv-headers-cli-'));
const datadir = path.join(base, 'regtest');
let tipHash = '';
let hash7 = '';

beforeAll(() => {
  const store = HeaderStore.open({ datadir, params: REG });
  store.chain.acceptHeaders(splitHeaders(generateChain(REG, 150, { seed: 'cli' })), FAR_FUTURE);
  store.close();
  const s = HeaderStore.open({ datadir, params: REG });
  tipHash = s.chain.tip.hashHex;
  hash7 = Buffer.from(s.chain.hashAt(7)).reverse().toString('hex');
  s.close();
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

async function run(args: Parameters<typeof runHeaders>[0]): Promise<{ out: string; code: number }> {
  let out = '';
  const code = await runHeaders(args, { out: (t) => (out += t), err: () => {} });
  return { out, code };
}

function spv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SPV, ...args], { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('spv headers (function)', () => {
  test('tip --json', async () => {
    const { out, code } = await run({ action: 'tip', regtest: true, datadir, json: true });
    expect(code).toBe(0);
    const r = JSON.parse(out) as HeaderReport;
    expect(r).toMatchObject({ network: 'regtest', height: 150, hash: tipHash, confirmations: 1, bits: '207fffff', chainwork: (2n * 151n).toString(16).padStart(64, '0') });
    expect(r.nextblockhash).toBeUndefined();
  });

  test('get by height and by hash agree', async () => {
    const byHeight = JSON.parse((await run({ action: 'get', id: '7', regtest: true, datadir, json: true })).out) as HeaderReport;
    const byHash = JSON.parse((await run({ action: 'get', id: hash7, regtest: true, datadir, json: true })).out) as HeaderReport;
    expect(byHeight).toEqual(byHash);
    expect(byHeight).toMatchObject({ height: 7, hash: hash7, confirmations: 144 });
    expect(byHeight.previousblockhash).toBeDefined();
    expect(byHeight.nextblockhash).toBeDefined();
    expect(byHeight.hex).toHaveLength(160);
  });

  test('human output', async () => {
    const { out } = await run({ action: 'tip', regtest: true, datadir });
    expect(out).toMatch(/^network\s+regtest/m);
    expect(out).toMatch(new RegExp(`^hash\\s+${tipHash}`, 'm'));
    expect(out).toMatch(/^height\s+150 \(tip\)/m);
  });

  test('bad ids are usage errors; unknown ones are not found', async () => {
    await expect(run({ action: 'get', id: 'xyz', regtest: true, datadir })).rejects.toBeInstanceOf(UsageError);
    await expect(run({ action: 'get', id: '151', regtest: true, datadir })).rejects.toMatchObject({ code: 'header_not_found' });
    await expect(run({ action: 'get', id: 'ab'.repeat(32), regtest: true, datadir })).rejects.toMatchObject({ code: 'header_not_found' });
  });
});

describe('spv headers (compiled CLI)', () => {
  test('exit codes: 0 found, 1 not found / nothing stored, 2 bad usage', async () => {
    const ok = await spv(['headers', 'get', '7', '--regtest', '--datadir', datadir, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ height: 7, hash: hash7 });
    const tip = await spv(['headers', 'tip', '--chain', 'regtest', '--datadir', datadir]);
    expect(tip.code).toBe(0);
    expect(tip.stdout).toContain(tipHash);
    expect((await spv(['headers', 'get', '999', '--regtest', '--datadir', datadir])).code).toBe(1);
    const none = await spv(['headers', 'tip', '--regtest', '--datadir', path.join(base, 'empty')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no headers stored/);
    expect((await spv(['headers', 'get', 'nope', '--regtest', '--datadir', datadir])).code).toBe(2);
    expect((await spv(['headers', '--regtest'])).code).toBe(2);
  });
});
