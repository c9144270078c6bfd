// Build once before the suite (what `npm run build` does) so CLI tests can spawn the real `spv`
// (dist/spv.js, bundled from tsc's output by scripts/bundle.js).
import { execFileSync } from 'node:child_process';

export default function globalSetup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.js'], { stdio: 'inherit' });
}
