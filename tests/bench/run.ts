// `npm run bench [-- NAME...]`: runs every tests/bench/*.bench.ts (compiled to dist/), or only
// those whose file name contains one of the given words. Benchmarks print their own numbers.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
console.log(`# spv benchmarks — node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`);
for (const f of files) {
  console.log(`\n## ${f.replace('.bench.js', '')}`);
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { run: () => Promise<void> };
  await mod.run();
}
