// CLI start-up cost: wall time of `spv --help` and `spv seeds --testnet4` (no DNS) against a
// bare `node -e 0`, median of RUNS interleaved runs, plus what the big imports cost on their own
// so a poor ratio points at its cause. Goal: under 2.5x `node -e 0`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNS = 15;
const GOAL_RATIO = 2.5;
const main = fileURLToPath(new URL('../../spv.js', import.meta.url)); // dist/spv.js, the bin

interface Case {
  readonly name: string;
  readonly args: readonly string[];
}

const CASES: readonly Case[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'spv --help', args: [main, '--help'] },
  { name: 'spv seeds --testnet4', args: [main, 'seeds', '--testnet4'] },
  { name: "import('yargs')", args: ['--input-type=module', '-e', "await import('yargs')"] },
  { name: "import('winston')", args: ['--input-type=module', '-e', "await import('winston')"] },
];

function once(c: Case): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run(): Promise<void> {
  const times = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
  for (const c of CASES) once(c); // warm the file cache
  for (let i = 0; i < RUNS; i++) for (const c of CASES) times.get(c.name)!.push(once(c));
  const base = median(times.get('node -e 0')!);
  console.log(`median of ${RUNS} interleaved runs (wall time, spawnSync)`);
  for (const c of CASES) {
    const m = median(times.get(c.name)!);
    const ratio = m / base;
    const mark = c.name.startsWith('spv') ? (ratio <= GOAL_RATIO ? `  ok (goal ≤ ${GOAL_RATIO}×)` : `  OVER goal ${GOAL_RATIO}×`) : '';
    console.log(`  ${c.name.padEnd(22)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}×${mark}`);
  }
}
