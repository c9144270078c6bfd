// Options shared by most commands: output format and log level.
import type { Argv } from 'yargs';

/** Defined here, not in logger.ts, so command files do not load winston for `spv --help`. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export interface CommonArgs {
  json?: boolean;
  'log-level'?: string;
}

export function withCommonOptions<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('json', { type: 'boolean', describe: 'machine-readable JSON output' })
    .option('log-level', { type: 'string', choices: LOG_LEVELS, default: 'info', describe: 'log threshold (logs go to stderr)' }) as Argv<
    T & CommonArgs
  >;
}
