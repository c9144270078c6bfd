// Options shared by most commands: output format and log level.
import type { Argv } from 'yargs';
import { LOG_LEVELS } from './logger.js';

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
