// Options shared by most commands: output format and log level; and, for every command that
// talks to Bitcoin peers, --trace and --capture (seeing the protocol).
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

/** Kept here (not in bitcoin/trace.ts) so `spv --help` loads no protocol code. */
export const TRACE_MODES = ['summary', 'fields', 'hex'] as const;

export interface TraceArgs {
  trace?: string;
  capture?: string;
}

/** A bare `--trace` means `--trace=summary`: main.ts rewrites it before yargs parses, so
 * `spv handshake --trace 127.0.0.1:18444` never takes the address as the mode. */
export const BARE_TRACE_FLAG = '--trace';

export function withTraceOptions<T>(y: Argv<T>): Argv<T & TraceArgs> {
  return y
    .option('trace', {
      type: 'string',
      choices: TRACE_MODES,
      describe: 'print every message in and out on stderr: --trace (one line each), --trace=fields (every field; JSON lines with --json), --trace=hex (annotated bytes)',
    })
    .option('capture', { type: 'string', describe: "append every message to DIR/<addr>_<port>/msgs_{recv,sent}.dat in Bitcoin Core's -capturemessages format" }) as Argv<T & TraceArgs>;
}
