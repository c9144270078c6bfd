// The logging seam. Pure layers never print: they receive a `Log` and call it; the CLI
// passes a winston-backed implementation, tests pass a recorder or `silentLog`.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

export interface Log {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
}

const noop = (): void => {};
export const silentLog: Log = { error: noop, warn: noop, info: noop, debug: noop };

/** A Log that keeps entries in memory (for tests and for summaries). */
export class MemoryLog implements Log {
  readonly entries: { level: LogLevel; msg: string; fields?: LogFields }[] = [];
  error(msg: string, fields?: LogFields): void { this.entries.push({ level: 'error', msg, fields }); }
  warn(msg: string, fields?: LogFields): void { this.entries.push({ level: 'warn', msg, fields }); }
  info(msg: string, fields?: LogFields): void { this.entries.push({ level: 'info', msg, fields }); }
  debug(msg: string, fields?: LogFields): void { this.entries.push({ level: 'debug', msg, fields }); }
  has(re: RegExp): boolean { return this.entries.some((e) => re.test(e.msg)); }
}
