// capYoungGeneration (issue #10: a sync's memory must not grow with the chain): in a fresh
// process that keeps a little of what it allocates alive across scavenges (as a sync keeps the
// headers message in flight), V8's new space stays at 2 x 4 MB with the cap and grows past
// it without (the control shows the workload does make it grow). Runs the compiled module
// (dist/, as the CLI tests do): `npm run build` first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';

const MODULE = pathToFileURL(path.join(ROOT, 'dist/src/util/young-generation.js')).href;

function maxNewSpaceMb(cap: boolean): number {
  const script = `
    import v8 from 'node:v8';
    ${cap ? `(await import(${JSON.stringify(MODULE)})).capYoungGeneration();` : ''}
    const ns = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let max = 0;
    const live = [];
    for (let i = 0; i < 3000; i++) {
      const batch = [];
      for (let j = 0; j < 2000; j++) batch.push({ a: j, b: [j, j + 1] });
      live.push(batch);
      if (live.length > 4) live.shift();
      if (i % 10 === 0) { await new Promise((r) => setImmediate(r)); max = Math.max(max, ns()); }
    }
    console.log(JSON.stringify({ max }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { max: number }).max / (1024 * 1024);
}

test('the young generation stops at 2 x 4 MB semi-spaces with the cap, and grows past that without it', () => {
  expect(maxNewSpaceMb(true)).toBeLessThanOrEqual(8);
  expect(maxNewSpaceMb(false)).toBeGreaterThan(8);
}, 60_000);
