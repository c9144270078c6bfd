// Header-sync progress for people and machines: a redrawn bar on a terminal, plain log
// lines (at most one every few seconds) when stdout is not a TTY, JSON events with --json.
import type { SyncProgress } from '../bitcoin/header-sync.js';
import type { Log } from '../util/log.js';
import { printJson } from './output.js';

const BAR_WIDTH = 30;
const LINE_INTERVAL_MS = 2_000;
const JSON_INTERVAL_MS = 500;

export type ProgressMode = 'bar' | 'lines' | 'json';

export function progressMode(json: boolean | undefined): ProgressMode {
  if (json) return 'json';
  return process.stdout.isTTY ? 'bar' : 'lines';
}

function eta(p: SyncProgress): string {
  const left = p.peerHeight - p.height;
  if (left <= 0 || p.headersPerSec <= 0) return '0s';
  const s = Math.round(left / p.headersPerSec);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export class SyncProgressView {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly mode: ProgressMode,
    private readonly log: Log,
    /** What is counted: "headers", "blocks scanned". */
    private readonly unit = 'headers',
  ) {}

  update(p: SyncProgress, force = false): void {
    const now = Date.now();
    if (this.mode === 'bar') {
      const frac = p.peerHeight > 0 ? Math.min(1, p.height / p.peerHeight) : 1;
      const filled = Math.round(frac * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      process.stdout.write(`\r${bar} ${p.height}/${p.peerHeight} ${this.unit}  ${Math.round(p.headersPerSec)}/s  ETA ${eta(p)}   `);
      this.drawn = true;
      return;
    }
    const every = this.mode === 'json' ? JSON_INTERVAL_MS : LINE_INTERVAL_MS;
    if (!force && now - this.last < every) return;
    this.last = now;
    if (this.mode === 'json') printJson({ event: 'progress', ...p });
    else this.log.info(`${this.unit} ${p.height}/${p.peerHeight} (${Math.round(p.headersPerSec)}/s, ETA ${eta(p)})${p.peer ? ` from ${p.peer}` : ''}`);
  }

  /** End the bar's line. */
  finish(): void {
    if (this.drawn) process.stdout.write('\n');
    this.drawn = false;
  }
}
