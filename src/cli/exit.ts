// One place that turns an error into a one-line message and an exit code:
// 2 for bad usage, 1 for everything else.
import { SpvError, UsageError, errorMessage } from '../util/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function reportFatal(err: unknown): never {
  const msg = errorMessage(err);
  process.stderr.write(`spv: ${msg}\n`);
  if (!(err instanceof SpvError) && process.env.SPV_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exit(err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE);
}
