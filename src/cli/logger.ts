// The winston logger every command uses. Logs go to stderr so stdout stays clean for
// results (and for --json output); --log-level picks the threshold.
import winston from 'winston';
import type { Log } from '../util/log.js';
import { LOG_LEVELS } from './common-options.js';

export { LOG_LEVELS };

export function createLogger(level: string = 'info', json = false): Log & winston.Logger {
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.printf(({ timestamp, level: lvl, message }) => `${String(timestamp)} ${lvl.padEnd(5)} ${String(message)}`),
      );
  return winston.createLogger({
    level,
    levels: winston.config.npm.levels,
    format,
    transports: [new winston.transports.Console({ stderrLevels: [...LOG_LEVELS, 'verbose', 'silly', 'http'] })],
  });
}
