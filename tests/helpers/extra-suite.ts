// Extra suites need a system package that `npm ci` cannot install (Debian's python3-bitcoinlib,
// chromium). `.ci/run` installs them; a plain `npm test` skips such a suite with one line
// saying why, and never fails for it.
import { spawnSync } from 'node:child_process';

/** True when `command args...` runs and exits 0 (e.g. python3 -c 'import bitcoin'). */
export function commandWorks(command: string, args: readonly string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status === 0;
}

/** `describe` when the suite can run; otherwise `describe.skip` and one notice on stderr. */
export function describeIfAvailable(available: boolean, suite: string, install: string): jest.Describe {
  if (!available) process.stderr.write(`skipped ${suite}: ${install}\n`);
  return available ? describe : describe.skip;
}
