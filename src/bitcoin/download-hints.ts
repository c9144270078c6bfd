// Download hints (issue 10): (height, block hash) pairs at regular heights of a network's best
// chain. They never replace validation; they only let header sync ask different peers for
// different ranges at once (getheaders from one hint, stopping at the next). The text form is
// one "height hash" line per hint (hash in display order), '#' comments, heights increasing.
import { SpvError } from '../util/errors.js';
import { hashFromDisplay, hashToDisplay } from '../util/bytes.js';

export interface DownloadHint {
  readonly height: number;
  /** Wire order. */
  readonly hash: Uint8Array;
}

export class HintsError extends SpvError {}

/** Hint files are small (testnet3's, every 2016 blocks, is 130 kB); refuse anything absurd. */
export const MAX_HINTS = 1_000_000;

/** Parses the text form; `source` names the file in error messages. */
export function parseHints(text: string, source: string): DownloadHint[] {
  const hints: DownloadHint[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(\d{1,10})\s+([0-9a-fA-F]{64})$/.exec(line);
    if (!m) throw new HintsError('bad_hint_line', `${source}:${i + 1}: expected "height hash" (64 hex digits), got "${line.slice(0, 80)}"`);
    const height = Number(m[1]);
    const prev = hints[hints.length - 1];
    if (height < 1) throw new HintsError('bad_hint_height', `${source}:${i + 1}: hint heights start at 1 (genesis is known)`);
    if (prev && height <= prev.height) throw new HintsError('bad_hint_order', `${source}:${i + 1}: height ${height} does not follow ${prev.height}`);
    if (hints.length >= MAX_HINTS) throw new HintsError('too_many_hints', `${source}: more than ${MAX_HINTS} hints`);
    hints.push({ height, hash: hashFromDisplay((m[2] as string).toLowerCase()) });
  }
  return hints;
}

/** The text form of `hints`, with `comment` lines on top. */
export function formatHints(hints: readonly DownloadHint[], comment: readonly string[] = []): string {
  return [...comment.map((c) => `# ${c}`), ...hints.map((h) => `${h.height} ${hashToDisplay(h.hash)}`), ''].join('\n');
}
