// Bounded memory at the real chains' size (issue 10): a 5,000,000-header regtest chain is
// generated once (cached under os.tmpdir()), written into serving datadirs of 2 M and 5 M
// headers, served by `spv serve --datadir` on loopback and synced by a real `spv sync` process
// into an empty datadir while its resident memory is sampled (peak VmHWM from /proc). Then:
// re-opening the 5 M datadir, `spv headers tip`, and `spv headers get <hash>` (a scan).
// Goals: RSS of `spv sync` <= 96 MB at 2 M and at 5 M; re-open of 5 M < 200 ms.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { generateChain } from '../../src/chain/generate.js';
import { HeaderStore, StoredHeaders } from '../../src/chain/header-store.js';
import { HEADERS_FILE } from '../../src/chain/datadir.js';
import { fromHex, hashToDisplay } from '../../src/util/bytes.js';
import { blockHash } from '../../src/chain/header.js';

const REG = NETWORKS.regtest;
const BIG = 5_000_000;
const SIZES = [2_000_000, BIG];
const SEED = 1;
const SPV = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../spv.js');

const line = (name: string, text: string): void => console.log(`${name.padEnd(52)} ${text}`);
const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;

function chainBytes(): Uint8Array {
  const file = path.join(os.tmpdir(), `spv-bench-regtest-${BIG}-seed${SEED}.bin`);
  if (fs.existsSync(file) && fs.statSync(file).size === BIG * 80) return new Uint8Array(fs.readFileSync(file));
  const t = performance.now();
  const bytes = generateChain(REG, BIG, { seed: SEED });
  fs.writeFileSync(file, bytes);
  line(`generate ${BIG.toLocaleString('en-US')} regtest headers`, `${((performance.now() - t) / 1000).toFixed(1)} s (cached in ${file})`);
  return bytes;
}

/** A datadir holding the first `n` headers, opened once so its digests and work records exist. */
function servingDatadir(root: string, bytes: Uint8Array, n: number): string {
  const dir = path.join(root, `serve-${n}`);
  HeaderStore.open({ datadir: dir, params: REG }).close();
  fs.appendFileSync(path.join(dir, HEADERS_FILE), bytes.subarray(0, n * 80));
  const t = performance.now();
  const store = HeaderStore.open({ datadir: dir, params: REG });
  if (store.chain.height !== n) throw new Error(`serving datadir holds ${store.chain.height}`);
  store.close();
  line(`  prepare serving datadir of ${n.toLocaleString('en-US')} (validate all once)`, `${((performance.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

function vmKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function run1(args: string[], sample = false): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; peakKb: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, [SPV, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peakKb = 0;
  const timer = sample ? setInterval(() => (peakKb = Math.max(peakKb, vmKb(child.pid as number, 'VmHWM'))), 100) : undefined;
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  if (timer) clearInterval(timer);
  return { code, stdout, stderr, ms: performance.now() - t, peakKb };
}

async function serve(datadir: string): Promise<{ port: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [SPV, 'serve', '--regtest', '--listen', '127.0.0.1:0', '--datadir', datadir, '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<string>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) res(m[1] as string);
    });
    child.on('exit', (c) => rej(new Error(`serve exited ${c}: ${out}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((res) => {
        child.on('exit', () => res());
        child.kill('SIGINT');
      }),
  };
}

export async function run(): Promise<void> {
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (others' work on this machine skews these numbers)`);
  const bytes = chainBytes();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spv-bench-scale-'));
  try {
    for (const n of SIZES) {
      const served = servingDatadir(root, bytes, n);
      const peer = await serve(served);
      const datadir = path.join(root, `sync-${n}`);
      try {
        const r = await run1(['sync', '--regtest', '--connect', `127.0.0.1:${peer.port}`, '--datadir', datadir, '--stall-timeout', '120000', '--log-level', 'error'], true);
        if (r.code !== 0 || !new RegExp(`height\\s+${n}`).test(r.stdout)) throw new Error(`sync failed (${r.code}): ${r.stdout} ${r.stderr}`);
        line(`spv sync of ${n.toLocaleString('en-US')} headers from spv serve: peak RSS`, `${mb(r.peakKb)} (goal <= 96 MB); ${(r.ms / 1000).toFixed(1)} s, ${Math.round(n / (r.ms / 1000)).toLocaleString('en-US')} headers/s`);
      } finally {
        await peer.stop();
      }
      if (n !== BIG) continue;
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const store = HeaderStore.open({ datadir, params: REG });
        best = Math.min(best, performance.now() - t);
        if (store.chain.height !== n) throw new Error('re-open lost headers');
        store.close();
      }
      line(`re-open a ${n.toLocaleString('en-US')}-header datadir (HeaderStore.open)`, `${best.toFixed(0)} ms best of 3 (goal < 200 ms)`);
      const tip = await run1(['headers', 'tip', '--regtest', '--datadir', datadir], true);
      line(`  spv headers tip (whole process)`, `${tip.ms.toFixed(0)} ms, peak RSS ${mb(tip.peakKb)}`);
      const genesis = fromHex(REG.genesis.headerHex);
      for (const h of [1, n - 1]) {
        const raw = h === 0 ? genesis : bytes.subarray((h - 1) * 80, h * 80);
        const hash = hashToDisplay(blockHash(raw));
        const got = await run1(['headers', 'get', hash, '--regtest', '--datadir', datadir, '--json']);
        if (got.code !== 0 || !got.stdout.includes(`"height":${h}`)) throw new Error(`headers get ${hash}: ${got.stdout} ${got.stderr}`);
        line(`  spv headers get <hash> of height ${h.toLocaleString('en-US')} (scan)`, `${got.ms.toFixed(0)} ms`);
      }
      // The scan alone, in-process (no process start): the worst case reads the whole file.
      const ro = StoredHeaders.open(datadir);
      try {
        const worst = blockHash(bytes.subarray((n - 2) * 80, (n - 1) * 80)); // height n - 1
        let bestScan = Infinity;
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          if (ro.heightOf(worst) !== n - 1) throw new Error('heightOf missed');
          bestScan = Math.min(bestScan, performance.now() - t);
        }
        line(`  StoredHeaders.heightOf, whole ${((n * 80) / 1e6).toFixed(0)} MB file (in-process)`, `${bestScan.toFixed(0)} ms best of 3 (file in the page cache), ${Math.round(n / (bestScan / 1000)).toLocaleString('en-US')} headers/s`);
      } finally {
        ro.close();
      }
      const byHeight = await run1(['headers', 'get', String(n - 1), '--regtest', '--datadir', datadir]);
      line(`  spv headers get <height> (one read)`, `${byHeight.ms.toFixed(0)} ms`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
