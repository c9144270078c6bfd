// What seeing the protocol costs (`npm run bench -- trace`): a 100,000-header sync from a real
// `spv serve` process on loopback into an empty datadir, in-process, with no observer (what
// every run without --trace does), with --trace (one summary line per message, written to
// /dev/null with a syscall per line as stderr would be), --trace=hex (the annotated dump of
// every 162 KB headers message) and --capture (Core-format files). Over BIP324 v2 (the CLI's
// default since `spv serve` advertises NODE_P2P_V2) and v1 (--no-v2transport): the trace sees
// decoded messages either way, v2 adds the AEAD cost to every run. Alternating runs, medians.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORKS } from '../../src/params/networks.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { HeaderStore } from '../../src/chain/header-store.js';
import { MessageTracer, type TraceMode } from '../../src/bitcoin/trace.js';
import { CaptureWriter } from '../../src/bitcoin/capture-writer.js';
import type { MessageObserver } from '../../src/net/observer.js';
import type { Message } from '../../src/wire/message.js';

const regtest = NETWORKS.regtest;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPV = resolve(ROOT, 'dist/spv.js');
const HEADERS = 100_000;
const ROUNDS = 5;

function serve(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [SPV, 'serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', String(HEADERS), '--seed', 'bench', '--log-level', 'warn']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => rej(new Error(`spv serve exited ${code}`)));
  });
}

type Variant = 'off' | TraceMode | 'capture';

type Transport = 'v1' | 'v2';

async function syncOnce(port: number, variant: Variant, transport: Transport): Promise<{ ms: number; lines: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'spv-bench-trace-'));
  const store = HeaderStore.open({ datadir: dir, params: regtest });
  const sync = new HeaderSync({ chain: store.chain, persist: () => store.flush() });
  const devNull = openSync('/dev/null', 'w');
  let lines = 0;
  let capture: CaptureWriter | undefined;
  let observer: MessageObserver<Message> | undefined;
  if (variant === 'capture') observer = capture = new CaptureWriter(join(dir, 'capture'));
  else if (variant !== 'off')
    observer = new MessageTracer({
      mode: variant,
      magic: regtest.magic,
      heightOf: (h) => (store.chain.heightOf(h) < 0 ? undefined : store.chain.heightOf(h)),
      write: (text) => {
        lines++;
        writeSync(devNull, `${text}\n`);
      },
    });
  const node = createBitcoinNode({ params: regtest, observer, v2transport: transport === 'v2' });
  node.protocol.use(sync);
  try {
    const t0 = performance.now();
    const done = new Promise<void>((r) => sync.once('synced', () => r()));
    await node.manager.connect({ host: '127.0.0.1', port });
    await done;
    const ms = performance.now() - t0;
    if (store.chain.height !== HEADERS) throw new Error(`synced to ${store.chain.height}`);
    return { ms, lines: capture?.records ?? lines };
  } finally {
    await node.manager.close();
    capture?.close();
    closeSync(devNull);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const peer = await serve();
  try {
    const variants: Variant[] = ['off', 'summary', 'hex', 'capture'];
    const transports: Transport[] = ['v2', 'v1'];
    const key = (t: Transport, v: Variant): string => `${t} ${v}`;
    const times = new Map<string, number[]>();
    const counts = new Map<string, number>();
    for (const t of transports) await syncOnce(peer.port, 'off', t); // warm-up
    for (let i = 0; i < ROUNDS; i++)
      for (const t of transports)
        for (const v of variants) {
          const r = await syncOnce(peer.port, v, t);
          times.set(key(t, v), [...(times.get(key(t, v)) ?? []), r.ms]);
          counts.set(key(t, v), r.lines);
        }
    console.log(`sync ${HEADERS} headers from spv serve (in-process, connect..synced), median of ${ROUNDS}, alternating:`);
    for (const t of transports) {
      const base = median(times.get(key(t, 'off'))!);
      console.log(`  ${t === 'v2' ? 'BIP324 v2 transport (the default)' : 'v1 transport (--no-v2transport)'}:`);
      for (const v of variants) {
        const xs = times.get(key(t, v))!;
        const m = median(xs);
        const n = counts.get(key(t, v));
        const what = v === 'off' ? 'no observer (no --trace)' : v === 'capture' ? `--capture (${n} records)` : `--trace${v === 'summary' ? '' : `=${v}`} (${n} messages)`;
        console.log(`    ${what.padEnd(34)} ${m.toFixed(0).padStart(5)} ms  ${(m / base).toFixed(2)}x  [${xs.map((x) => x.toFixed(0)).join(', ')}]`);
      }
    }
  } finally {
    peer.child.kill();
  }
}
