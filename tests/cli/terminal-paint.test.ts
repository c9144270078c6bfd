// The trace's colour rule (issue 12: "on stderr, coloured on a terminal, plain otherwise"):
// terminalPaint on fake streams, with and without NO_COLOR (https://no-color.org: NO_COLOR
// present and not empty disables colour, whatever its value).
import { terminalPaint } from '../../src/cli/observe.js';
import { formatTraceText, type TraceEntry } from '../../src/bitcoin/trace.js';
import type { PaintRole } from '../../src/wire/describe/render.js';

const SGR = /\x1b\[[0-9;]*m/g;
const ROLES: PaintRole[] = ['time', 'peer', 'recv', 'sent', 'command', 'offset', 'bytes', 'name', 'value', 'note', 'error'];

const ping: TraceEntry = {
  timeMs: Date.UTC(2026, 0, 1, 12, 0, 0, 5),
  peer: 'out#1 127.0.0.1:18444',
  direction: 'recv',
  transport: 'v2',
  message: { command: 'ping', nonce: 0x0123456789abcdefn },
  size: 28,
};

test('not a terminal: plain (no paint), whatever NO_COLOR says', () => {
  expect(terminalPaint({ isTTY: false }, {})).toBeUndefined();
  expect(terminalPaint({}, {})).toBeUndefined(); // a pipe or file: Node leaves isTTY undefined
  expect(terminalPaint({ isTTY: false }, { NO_COLOR: '' })).toBeUndefined();
});

test('a terminal without NO_COLOR: ANSI colour per role, reset after each piece', () => {
  const paint = terminalPaint({ isTTY: true }, {});
  expect(paint).toBeDefined();
  expect(paint!('recv', '← recv')).toBe('\x1b[32m← recv\x1b[0m');
  expect(paint!('error', 'bad')).toBe('\x1b[31mbad\x1b[0m');
  expect(paint!('value', '42')).toBe('42'); // values stay in the terminal's own colour
  for (const role of ROLES) expect(paint!(role, 'x').replace(SGR, '')).toBe('x');
  // A trace line: coloured, and the same text as the plain line once the escapes are removed.
  const coloured = formatTraceText(ping, 'summary', paint);
  const plainLine = formatTraceText(ping, 'summary');
  expect(coloured).not.toBe(plainLine);
  expect(coloured).toMatch(SGR);
  expect(plainLine).not.toMatch(SGR);
  expect(coloured.replace(SGR, '')).toBe(plainLine);
  expect(plainLine).toBe('12:00:00.005 out#1 127.0.0.1:18444 ← recv v2      28 B  ping nonce=0x0123456789abcdef');
});

test('a terminal with NO_COLOR present and non-empty: plain; an empty NO_COLOR is as if unset', () => {
  for (const value of ['1', '0', 'false', 'yes']) expect(terminalPaint({ isTTY: true }, { NO_COLOR: value })).toBeUndefined();
  expect(terminalPaint({ isTTY: true }, { NO_COLOR: '' })).toBeDefined();
});

test('by default the process environment decides', () => {
  const saved = process.env.NO_COLOR;
  try {
    process.env.NO_COLOR = '1';
    expect(terminalPaint({ isTTY: true })).toBeUndefined();
    delete process.env.NO_COLOR;
    expect(terminalPaint({ isTTY: true })).toBeDefined();
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});
