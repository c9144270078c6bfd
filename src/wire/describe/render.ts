// Text renderings of a described message: the annotated hex dump (offset, bytes, field, value —
// the way Wireshark's bytes pane pairs bytes with fields, long payloads elided in the middle with
// a count) and the indented field listing of `--trace=fields`. Colour is the caller's: it passes
// a Paint (the CLI's ANSI one on a terminal), the default leaves text plain.
import { toHex } from '../../util/bytes.js';
import type { AnnotatedBytes } from './layout.js';
import type { JsonValue } from './fields.js';

export type PaintRole = 'offset' | 'bytes' | 'name' | 'value' | 'note' | 'time' | 'peer' | 'recv' | 'sent' | 'command' | 'error';
export type Paint = (role: PaintRole, text: string) => string;
export const plain: Paint = (_role, text) => text;

/** Bytes shown per line of the dump (Wireshark shows 16). */
export const BYTES_PER_LINE = 16;
/** A dump with more fields than this shows the first DUMP_HEAD and last DUMP_TAIL of them. */
export const DUMP_MAX_FIELDS = 64;
export const DUMP_HEAD = 40;
export const DUMP_TAIL = 12;
/** Arrays in the field listing longer than this show their first LIST_HEAD and last LIST_TAIL items. */
export const LIST_MAX = 12;
const LIST_HEAD = 8;
const LIST_TAIL = 2;

export interface DumpOptions {
  readonly paint?: Paint;
  /** Show every field (no elision). */
  readonly full?: boolean;
  /** Added to the offsets shown (where these bytes start in a larger input). */
  readonly base?: number;
}

function hexBytes(b: Uint8Array): string {
  const shown = b.subarray(0, BYTES_PER_LINE);
  const text = toHex(shown).replace(/(..)(?!$)/g, '$1 ');
  return b.length > BYTES_PER_LINE ? `${text} …` : text;
}

/** One line per field: `0018  80 11 01 00  version.version  70016`. */
export function renderDump(a: AnnotatedBytes, opts: DumpOptions = {}): string[] {
  const paint = opts.paint ?? plain;
  const base = opts.base ?? 0;
  const width = Math.max(4, (base + Math.max(1, a.bytes.length) - 1).toString(16).length);
  const nameWidth = Math.min(36, Math.max(8, ...a.spans.map((s) => s.name.length)));
  const line = (s: AnnotatedBytes['spans'][number]): string =>
    `${paint('offset', (base + s.offset).toString(16).padStart(width, '0'))}  ${paint('bytes', hexBytes(a.bytes.subarray(s.offset, s.offset + s.length)).padEnd(BYTES_PER_LINE * 3 + 1))} ${paint('name', s.name.padEnd(nameWidth))}  ${paint('value', s.value)}`;
  const spans = a.spans;
  if (opts.full || spans.length <= DUMP_MAX_FIELDS) return spans.map(line);
  const head = spans.slice(0, DUMP_HEAD);
  const tail = spans.slice(spans.length - DUMP_TAIL);
  const hidden = spans.slice(DUMP_HEAD, spans.length - DUMP_TAIL);
  const hiddenBytes = hidden.reduce((acc, s) => acc + s.length, 0);
  const note = `… ${hidden.length.toLocaleString('en-US')} fields (${hiddenBytes.toLocaleString('en-US')} bytes) not shown …`;
  return [...head.map(line), paint('note', `${' '.repeat(width + 2)}${note}`), ...tail.map(line)];
}

function scalar(v: JsonValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The field listing: `key: value`, nested objects indented, long lists elided with a count. */
export function renderFields(value: JsonValue, opts: { paint?: Paint; indent?: string } = {}): string[] {
  const paint = opts.paint ?? plain;
  const out: string[] = [];
  const walk = (v: JsonValue, indent: string, label: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) return void out.push(`${indent}${paint('name', label)}: ${paint('value', '[]')}`);
      out.push(`${indent}${paint('name', label)}: ${paint('note', `(${v.length.toLocaleString('en-US')})`)}`);
      const shown = v.length > LIST_MAX ? [...v.slice(0, LIST_HEAD).map((x, i) => [i, x] as const), ...v.slice(v.length - LIST_TAIL).map((x, i) => [v.length - LIST_TAIL + i, x] as const)] : v.map((x, i) => [i, x] as const);
      shown.forEach(([i, x], k) => {
        if (v.length > LIST_MAX && k === LIST_HEAD) out.push(`${indent}  ${paint('note', `… ${(v.length - LIST_HEAD - LIST_TAIL).toLocaleString('en-US')} more …`)}`);
        walk(x, `${indent}  `, `[${i}]`);
      });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (label) out.push(`${indent}${paint('name', label)}:${keys.length === 0 ? ` ${paint('value', '{}')}` : ''}`);
      for (const k of keys) walk(v[k]!, label ? `${indent}  ` : indent, k);
    } else {
      out.push(`${indent}${paint('name', label)}: ${paint('value', scalar(v))}`);
    }
  };
  walk(value, opts.indent ?? '', '');
  return out;
}
